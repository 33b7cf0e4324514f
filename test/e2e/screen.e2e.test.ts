/** The command-centre screen: the region map with no basemap, KPI tiles, drill down and back. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, PHONE, WALL, js, launch, loginAs, newPage, shot } from './browser.js';
import { CITY, WUHUA, XISHAN } from './server.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('command-centre screen', () => {
  it('renders the city map and KPI tiles, drills down on click, and goes back by the breadcrumb', async () => {
    const { context, page } = await newPage(browser, WALL);
    await loginAs(page, DEMO.supervisor);
    await page.waitForURL(new RegExp(`/screen/${CITY}$`));
    // No basemap: the district boundaries are the map.
    await page.locator(`path.region-${XISHAN}`).waitFor();
    await page.locator(`path.region-${WUHUA}`).waitFor();
    expect(await page.locator('.leaflet-tile').count()).toBe(0);
    for (const k of ['intakeToday', 'disposalRate', 'onTimeRate', 'satisfaction', 'open', 'overdue']) {
      expect(await page.getByTestId(`kpi-${k}`).isVisible()).toBe(true);
    }
    expect(await page.getByTestId('screen-region').textContent()).toBe('昆明市');
    await page.waitForTimeout(500);
    await shot(page, 'screen-city-1920');

    await page.locator(`path.region-${XISHAN}`).click();
    await page.waitForURL(new RegExp(`/screen/${XISHAN}$`));
    await expect.poll(() => page.getByTestId('screen-region').textContent()).toBe('西山区');
    // Its streets are drawn now.
    await expect.poll(() => page.locator('path.region').count()).toBeGreaterThan(5);
    expect(await page.getByTestId('breadcrumb').textContent()).toContain('昆明市');
    await page.waitForTimeout(500);
    await shot(page, 'screen-xishan-1920');

    await page.getByTestId('breadcrumb').getByRole('link', { name: '昆明市' }).click();
    await page.waitForURL(new RegExp(`/screen/${CITY}$`));
    await expect.poll(() => page.getByTestId('screen-region').textContent()).toBe('昆明市');
    await context.close();
  });

  it('fits a phone', async () => {
    const { context, page } = await newPage(browser, PHONE);
    await loginAs(page, DEMO.supervisor);
    await page.locator(`path.region-${XISHAN}`).waitFor();
    const overflow = await js<number>(page, 'document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'screen-phone');
    await context.close();
  });
});
