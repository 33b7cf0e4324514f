/** The public map: anybody sees the accepted public cases in view, with no names or phone numbers. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiLogin, firstDescendant, report } from './api.js';
import { DEMO, PHONE, launch, newPage, shot } from './browser.js';
import { XISHAN } from './server.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('public map', () => {
  it('shows public cases with no phone numbers or names', async () => {
    const grid = await firstDescendant(XISHAN, 3);
    const at: [number, number] = [grid.centroid![0] - 0.0003, grid.centroid![1] + 0.0002];
    const resident = await apiLogin(DEMO.resident);
    const k = await report(resident, at, '小区门口占道堆放建材，业主电话 13912345678 说明天清走');
    const op = await apiLogin(DEMO.streetOperator);
    await api(op, 'POST', `/api/cases/${k.id}/accept`, {});

    const { page, context } = await newPage(browser, PHONE);
    await page.goto(`/map?at=${at[0]},${at[1]}&z=17`);
    const item = page.getByTestId('public-case').filter({ hasText: k.publicId });
    await item.waitFor();
    expect(await item.textContent()).toContain('139****5678');
    const text = (await page.locator('body').innerText()) ?? '';
    expect(text).not.toContain('13912345678');
    expect(text).not.toMatch(/1[3-9]\d{9}/);
    // The reporter (the demo resident 李明) is never named.
    expect(text).not.toContain('李明');
    await item.getByRole('button').click();
    await page.getByTestId('public-case-card').waitFor();
    await shot(page, 'public-map-phone');
    await context.close();
  });
});
