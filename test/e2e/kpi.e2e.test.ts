/**
 * The analyst's KPI page: the table by a dimension (sub-regions at a level), the trend chart by
 * day / week / month, the CSV and Excel links carrying the filters; in English and in elder mode
 * on a phone without sideways scrolling. Plus the new staff pages in English: every label translated.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, DESKTOP, PHONE, launch, loginAs, newPage, shot } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('KPI page', () => {
  it('filters, the trend chart and the export links', async () => {
    const { page, context } = await newPage(browser, DESKTOP);
    await loginAs(page, DEMO.analyst);
    await page.waitForURL(/\/kpi$/);
    await page.getByTestId('kpi-table').waitFor();
    // The chart draws on a canvas.
    await page.locator('.chart canvas').first().waitFor();
    await page.locator('#kpi-level').selectOption('street');
    await page.locator('#kpi-period').selectOption('week');
    await page.locator('#kpi-by').selectOption('category');
    await page.getByTestId('kpi-table').waitFor();
    const csv = (await page.getByTestId('kpi-csv').getAttribute('href')) ?? '';
    expect(csv).toContain('/api/kpi/export.csv?');
    expect(csv).toContain('by=category');
    const xlsx = (await page.getByTestId('kpi-xlsx').getAttribute('href')) ?? '';
    expect(xlsx).toContain('/api/kpi/export.xlsx?');
    // The link downloads with the session cookie.
    const status = await page.evaluate(`fetch(${JSON.stringify(csv)}).then((r) => r.status)`);
    expect(status).toBe(200);
    await page.locator('#kpi-by').selectOption('region');
    await page.getByTestId('kpi-table').waitFor();
    await shot(page, 'kpi-1-trend');
    await context.close();
  });

  it('in English and elder mode on a phone', async () => {
    const { page, context } = await newPage(browser, PHONE);
    await loginAs(page, DEMO.analyst);
    await page.getByTestId('kpi-table').waitFor();
    await page.getByTestId('lang-switch').click();
    await page.getByTestId('elder-switch').click();
    await expect.poll(() => page.locator('h1').textContent()).not.toMatch(/[\u4e00-\u9fff]/);
    const labels = await page.locator('label').allTextContents();
    for (const l of labels) expect(l).not.toMatch(/[\u4e00-\u9fff]/);
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(1);
    await shot(page, 'kpi-2-english-elder-phone');
    // Back to the defaults for the journeys after this one (the choice is stored per browser context anyway).
    await context.close();
  });

  it('the operator console and the admin calendar in English: no Chinese left in the controls', async () => {
    const { page, context } = await newPage(browser, DESKTOP, { locale: 'en' });
    await loginAs(page, DEMO.streetOperator);
    await page.getByTestId('lang-switch').click();
    await page.getByTestId('tab-outOfRegion').waitFor();
    for (const id of ['duplicates', 'outOfRegion', 'toDispatch']) expect(await page.getByTestId(`tab-${id}`).textContent()).not.toMatch(/[\u4e00-\u9fff]/);
    await page.goto('/supervision');
    expect(await page.locator('h1').textContent()).toBe('Supervision tickets');
    await context.close();

    const a = await newPage(browser, DESKTOP);
    await loginAs(a.page, DEMO.admin);
    await a.page.getByTestId('lang-switch').click();
    await a.page.getByTestId('tab-calendar').click();
    await a.page.getByTestId('calendar-form').waitFor();
    for (const l of await a.page.locator('label, legend, th').allTextContents()) expect(l).not.toMatch(/[\u4e00-\u9fff]/);
    await shot(a.page, 'admin-4-calendar-english');
    await a.context.close();
  });
});
