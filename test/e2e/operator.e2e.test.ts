/**
 * The operator console: the "outside any region" tab at the city centre; bulk accept and bulk
 * dispatch at the street centre, with one case moved by someone else in between (its 409 shown
 * with the reason, the others done); the supervision tickets page.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiLogin, firstDescendant, report } from './api.js';
import { DEMO, DESKTOP, launch, loginAs, newPage, shot } from './browser.js';
import { CITY, XISHAN } from './server.js';

let browser: Browser;
let gridPoint: [number, number];
beforeAll(async () => {
  browser = await launch();
  const grid = await firstDescendant(XISHAN, 3);
  gridPoint = grid.centroid!;
});
afterAll(async () => {
  await browser?.close();
});

const rowOf = (page: Page, publicId: string) => page.getByTestId('case-row').filter({ hasText: publicId }).first();

describe('operator console', () => {
  it('the city centre sees a case reported outside every region in its own tab', async () => {
    const resident = await apiLogin(DEMO.resident);
    const r = await api<{ case: { id: number; publicId: string; outOfRegion: boolean } }>(resident, 'POST', '/api/cases', {
      channel: 'web',
      categoryCode: 'SANITATION.STREET_DIRTY',
      description: '城外公路边有垃圾（辖区外测试）',
      location: { lng: 100.2, lat: 21.1, crs: 'wgs84' },
      cityCode: CITY,
    });
    expect(r.case.outOfRegion).toBe(true);
    const { page, context } = await newPage(browser, DESKTOP);
    await loginAs(page, DEMO.cityOperator);
    await page.waitForURL(/\/ops$/);
    await page.getByTestId('tab-outOfRegion').click();
    await rowOf(page, r.case.publicId).waitFor();
    expect(await rowOf(page, r.case.publicId).textContent()).toContain('辖区外');
    await shot(page, 'operator-1-out-of-region');
    await context.close();
  });

  it('bulk accept, then bulk dispatch with one case already dispatched by a colleague (409 shown)', async () => {
    const resident = await apiLogin(DEMO.resident);
    const cases = [];
    for (const d of ['井盖旁堆放杂物（批量一）', '人行道积水（批量二）', '绿化带垃圾（批量三）']) cases.push(await report(resident, gridPoint, d));
    const ids = cases.map((c) => c.publicId);

    const { page, context } = await newPage(browser, DESKTOP);
    await loginAs(page, DEMO.streetOperator);
    await page.waitForURL(/\/ops$/);
    await page.getByTestId('tab-new').click();
    for (const id of ids) await rowOf(page, id).locator('input[type="checkbox"]').check();
    await expect.poll(() => page.getByTestId('bulkbar').textContent()).toContain('已选 3 件');
    await page.getByTestId('bulk-action').selectOption('accept');
    await page.getByTestId('bulk-run').click();
    await expect.poll(() => page.locator('[data-testid="bulk-result"][data-ok="true"]').count()).toBe(3);

    // A colleague dispatches the second case meanwhile, from another screen.
    await page.getByTestId('tab-toDispatch').click();
    for (const id of ids) await rowOf(page, id).locator('input[type="checkbox"]').check();
    const colleague = await apiLogin(DEMO.streetOperator);
    const depts = await api<{ items: Array<{ id: number; code: string }> }>(colleague, 'GET', '/api/departments');
    const xsCgj = depts.items.find((d) => d.code === 'XS-CGJ')!;
    await api(colleague, 'POST', `/api/cases/${cases[1]!.id}/dispatch`, { leadDepartmentId: xsCgj.id });

    await page.getByTestId('bulk-action').selectOption('dispatch');
    await page.getByTestId('bulk-dept').selectOption({ label: '西山区城市管理局' });
    await page.getByTestId('bulk-level').selectOption('2');
    await page.getByTestId('bulk-run').click();
    const results = page.getByTestId('bulk-results');
    await expect.poll(() => results.locator('[data-ok="true"]').count()).toBe(2);
    const failed = results.locator('[data-ok="false"]');
    expect(await failed.count()).toBe(1);
    const why = (await failed.textContent()) ?? '';
    expect(why).toContain(ids[1]);
    expect(why).toContain('当前状态');
    expect(await results.textContent()).toContain('成功 2 件，失败 1 件');
    // The queue reloads after the step: the dispatched cases leave the "to dispatch" tab.
    await page.locator('[data-testid="queue"], [data-testid="queue-empty"]').first().waitFor();
    await expect.poll(() => page.getByTestId('case-row').filter({ hasText: ids[0] }).count()).toBe(0);
    await shot(page, 'operator-2-bulk-dispatch');

    for (const c of [cases[0]!, cases[2]!]) {
      const k = await api<{ state: string; leadDepartmentId: number; responseLevel: number }>(colleague, 'GET', `/api/cases/${c.id}`);
      expect(k).toMatchObject({ state: 'dispatched', leadDepartmentId: xsCgj.id, responseLevel: 2 });
    }
    await context.close();
  });

  it('the duplicates tab lists a second report of the same problem nearby', async () => {
    const resident = await apiLogin(DEMO.resident);
    const p: [number, number] = [gridPoint[0] + 0.0004, gridPoint[1] + 0.0004];
    await report(resident, p, '路灯不亮（重复一）', 'CITY.ILLEGAL_POSTING');
    const second = await report(resident, p, '路灯不亮（重复二）', 'CITY.ILLEGAL_POSTING');
    const { page, context } = await newPage(browser, DESKTOP);
    await loginAs(page, DEMO.streetOperator);
    await page.getByTestId('tab-duplicates').click();
    await rowOf(page, second.publicId).waitFor();
    await context.close();
  });

  it('the supervision tickets page lists my centre’s tickets (open / closed tabs)', async () => {
    const { page, context } = await newPage(browser, DESKTOP);
    await loginAs(page, DEMO.districtOperator);
    await page.getByRole('link', { name: '督办' }).click();
    await page.waitForURL(/\/supervision$/);
    await expect.poll(async () => (await page.getByTestId('tickets').count()) + (await page.getByTestId('tickets-empty').count())).toBe(1);
    await page.getByTestId('tab-closed').click();
    await expect.poll(async () => (await page.getByTestId('tickets').count()) + (await page.getByTestId('tickets-empty').count())).toBe(1);
    await shot(page, 'operator-3-supervision');
    await context.close();
  });
});
