/**
 * The admin's journeys: a holiday added in the calendar tab (and a make-up working day on a
 * weekday refused, naming why), a routing rule added in the routing tab (category × a street of
 * 西山区 → lead + co-handler), the categories table; the same pages fit a phone.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiLogin, firstDescendant } from './api.js';
import { DEMO, DESKTOP, PHONE, launch, loginAs, newPage, shot } from './browser.js';
import { XISHAN } from './server.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

// A far-off year: the other journeys' deadlines never meet it.
const HOLIDAY = '2030-06-04';

describe('administration', () => {
  it('an admin adds a holiday in the calendar; a make-up day on a weekday is refused', async () => {
    const { page, context } = await newPage(browser, DESKTOP);
    page.on('dialog', (d) => void d.accept());
    await loginAs(page, DEMO.admin);
    await page.waitForURL(/\/admin$/);
    await page.getByTestId('tab-calendar').click();
    await page.getByTestId('calendar-form').waitFor();

    await page.locator('#cal-day').fill('2030-06-05');
    await page.getByLabel('调休上班').check();
    await page.locator('#cal-name').fill('周三调休');
    await page.getByRole('button', { name: '保存', exact: true }).click();
    // The server names the problem; the form says it in Chinese and writes nothing.
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('周六或周日');

    await page.locator('#cal-day').fill(HOLIDAY);
    await page.getByLabel('放假').check();
    await page.locator('#cal-name').fill('端午节（测试）');
    await page.getByRole('button', { name: '保存', exact: true }).click();
    const row = page.locator(`[data-testid="calendar-row"][data-day="${HOLIDAY}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('端午节（测试）');
    expect(await page.getByRole('heading', { level: 2 }).first().textContent()).toContain('2030');

    const admin = await apiLogin(DEMO.admin);
    const cal = await api<{ days: Array<{ day: string; kind: string }> }>(admin, 'GET', '/api/calendar?year=2030');
    expect(cal.days).toContainEqual(expect.objectContaining({ day: HOLIDAY, kind: 'holiday' }));
    expect(cal.days.some((d) => d.day === '2030-06-05')).toBe(false);
    await shot(page, 'admin-1-calendar');

    // Removing it again (the confirm dialog is accepted) puts the day back to an ordinary Tuesday.
    await row.getByRole('button').click();
    await expect.poll(() => row.count()).toBe(0);
    await context.close();
  });

  it('an admin adds a routing rule: category × region subtree → lead + co-handler', async () => {
    const street = await firstDescendant(XISHAN, 1);
    const { page, context } = await newPage(browser, DESKTOP);
    await loginAs(page, DEMO.admin);
    await page.getByTestId('tab-routing').click();
    await page.getByTestId('rule-form').waitFor();
    await page.getByTestId('rules-table').waitFor();
    // Wait for the choices (categories and departments arrive with the page).
    await expect.poll(() => page.locator('#rf-lead option').count()).toBeGreaterThan(3);
    await page.locator('#rf-cat').selectOption('CITY.ILLEGAL_POSTING');
    await page.locator('#rf-region').fill(street.code);
    await page.locator('#rf-lead').selectOption({ label: '西山区住房和城乡建设局' });
    await page.locator('#rf-co').selectOption([{ label: '西山区市场监督管理局' }]);
    await page.locator('#rf-level').selectOption('2');
    await page.locator('#rf-note').fill('乱张贴由住建牵头（测试）');
    await page.getByRole('button', { name: '添加规则' }).click();
    await expect.poll(() => page.getByRole('status').allTextContents()).toContain('已添加派遣规则。');
    const row = page.getByTestId('rule-row').filter({ hasText: street.name }).filter({ hasText: '西山区住房和城乡建设局' });
    await row.first().waitFor();
    const text = (await row.first().textContent()) ?? '';
    expect(text).toContain('乱张贴');
    expect(text).toContain('西山区市场监督管理局');

    const admin = await apiLogin(DEMO.admin);
    const rules = await api<{ items: Array<{ categoryCode: string; regionCode: string; responseLevel: number; coDepartmentIds: number[] }> }>(admin, 'GET', '/api/routing-rules');
    const rule = rules.items.find((r) => r.categoryCode === 'CITY.ILLEGAL_POSTING' && r.regionCode === street.code);
    expect(rule).toMatchObject({ responseLevel: 2 });
    expect(rule!.coDepartmentIds).toHaveLength(1);
    await row.first().scrollIntoViewIfNeeded();
    await shot(page, 'admin-2-routing');
    await context.close();
  });

  it('categories with their deadlines per level and step; the admin pages fit a phone', async () => {
    const { page, context } = await newPage(browser, PHONE);
    await loginAs(page, DEMO.admin);
    await page.getByTestId('tab-categories').click();
    await page.getByTestId('categories-table').waitFor();
    await page.locator('[data-testid="category-row"][data-code="SANITATION.STREET_DIRTY"]').getByRole('button', { name: /编辑/ }).click();
    const form = page.getByTestId('category-form');
    await form.waitFor();
    expect(await form.getByLabel('3级响应处置时限（小时）').inputValue()).toMatch(/^\d/);
    await form.scrollIntoViewIfNeeded();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    // Wide tables scroll inside their frame; the page itself never scrolls sideways.
    expect(overflow).toBeLessThanOrEqual(1);
    await shot(page, 'admin-3-category-phone');
    await context.close();
  });
});
