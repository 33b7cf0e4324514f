/**
 * The closed loop in a real browser, each step by the right person:
 * resident reports with a photo → street operator accepts and dispatches → the department handler
 * signs for and handles with evidence → the grid worker verifies → the operator closes → the
 * resident rates; the command-centre screen counts it. Plus: a handler returns a case and the
 * operator re-dispatches; a dissatisfied rating reopens; one district's operator cannot see
 * another district's cases.
 */
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiLogin, firstDescendant, report } from './api.js';
import { DEMO, DESKTOP, PHONE, WALL, launch, loginAs, newPage, shot } from './browser.js';
import { WUHUA, XISHAN } from './server.js';

let browser: Browser;
let photo: { name: string; mimeType: string; buffer: Buffer };
/** A point in the grid of the demo grid worker (first street → community → grid of 西山区). */
let gridPoint: [number, number];

beforeAll(async () => {
  browser = await launch();
  const buffer = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#7a8b5c' } }).jpeg().toBuffer();
  photo = { name: 'street.jpg', mimeType: 'image/jpeg', buffer };
  const grid = await firstDescendant(XISHAN, 3);
  expect(grid.centroid).not.toBeNull();
  gridPoint = grid.centroid!;
});
afterAll(async () => {
  await browser?.close();
});

async function stateOf(page: Page): Promise<string | null> {
  return page.getByTestId('case-detail').getAttribute('data-case-state');
}

/** Take one step from the case page: the button the API offered, its form, confirm. */
async function step(page: Page, action: string, fill?: (p: Page) => Promise<void>, expectState?: string): Promise<void> {
  await page.getByTestId(`action-${action}`).click();
  await page.getByTestId(`form-${action}`).waitFor();
  if (fill) await fill(page);
  await page.getByTestId('action-submit').click();
  if (expectState) await expect.poll(() => stateOf(page), { timeout: 15_000 }).toBe(expectState);
}

async function openFromQueue(page: Page, path: string, tab: string | null, publicId: string): Promise<void> {
  await page.goto(path);
  if (tab) await page.getByTestId(`tab-${tab}`).click();
  await page.getByTestId('queue').waitFor();
  await page.getByTestId('case-row').filter({ hasText: publicId }).first().getByRole('link').click();
  await page.getByTestId('case-detail').waitFor();
}

describe('the closed loop', () => {
  it('resident → operator → handler → grid worker → operator → resident, and the screen counts it', async () => {
    // Resident, on a phone, reports with a photo at their location (WGS-84 from the browser).
    const r = await newPage(browser, PHONE, { geolocation: { longitude: gridPoint[0], latitude: gridPoint[1] } });
    await loginAs(r.page, DEMO.resident);
    await r.page.waitForURL(/\/report$/);
    await r.page.getByTestId('category-search').fill('道路');
    await r.page.getByTestId('cat-SANITATION.STREET_DIRTY').click();
    await expect.poll(() => r.page.getByTestId('selected-category').textContent()).toContain('道路不洁');
    await r.page.getByTestId('use-location').click();
    await expect.poll(() => r.page.getByTestId('located').textContent()).toContain('西山区');
    await r.page.getByTestId('photo-input').setInputFiles(photo);
    await r.page.getByTestId('description').fill('人行道上泥土堆积，行人难以通过');
    await shot(r.page, 'journey-1-resident-report');
    await r.page.getByTestId('submit-report').click();
    await r.page.getByTestId('case-detail').waitFor();
    expect(await stateOf(r.page)).toBe('reported');
    const publicId = (await r.page.getByTestId('case-public-id').textContent())!.trim();
    const caseUrl = new URL(r.page.url()).pathname;
    expect(await r.page.locator('.photo-compare img').count()).toBe(1);

    // The street centre's operator accepts and dispatches (the routing rule suggests 西山区城管).
    const op = await newPage(browser, DESKTOP);
    await loginAs(op.page, DEMO.streetOperator);
    await openFromQueue(op.page, '/ops', 'new', publicId);
    await step(op.page, 'accept', undefined, 'accepted');
    await step(
      op.page,
      'dispatch',
      async (p) => {
        await expect.poll(() => p.getByTestId('routing-hint').textContent()).toContain('西山区城市管理局');
      },
      'dispatched',
    );
    await shot(op.page, 'journey-1-operator-dispatched');

    // The handler signs for it, starts, and reports the handling with an evidence photo.
    const h = await newPage(browser, DESKTOP);
    await loginAs(h.page, DEMO.handler);
    await openFromQueue(h.page, '/inbox', 'toSign', publicId);
    await step(h.page, 'sign-for', undefined, 'signed');
    await step(h.page, 'start', undefined, 'in_progress');
    await step(
      h.page,
      'handle',
      async (p) => {
        await p.getByTestId('field-summary').fill('已清理泥土并冲洗路面');
        await p.getByTestId('field-photos').setInputFiles(photo);
      },
      'handled',
    );

    // The grid worker verifies on site, with before/after photos side by side.
    const g = await newPage(browser, PHONE);
    await loginAs(g.page, DEMO.gridWorker);
    await openFromQueue(g.page, '/grid', 'verify', publicId);
    expect(await g.page.locator('.photo-compare figure').count()).toBe(2);
    await step(
      g.page,
      'verify',
      async (p) => {
        await p.getByTestId('result-pass').check();
        await p.getByTestId('field-photos').setInputFiles(photo);
      },
      'verified',
    );
    await shot(g.page, 'journey-1-grid-verified');

    // The operator closes it.
    await op.page.reload();
    await op.page.getByTestId('case-detail').waitFor();
    await step(op.page, 'close', undefined, 'closed');

    // The resident sees the timeline and rates the result.
    await r.page.goto('/my/reports');
    await r.page.getByTestId('my-reports').waitFor();
    await r.page.getByTestId('case-row').filter({ hasText: publicId }).getByRole('link').click();
    await r.page.waitForURL((u) => u.pathname === caseUrl);
    await r.page.getByTestId('case-detail').waitFor();
    await expect.poll(() => r.page.getByTestId('timeline').locator('li').count()).toBeGreaterThanOrEqual(5);
    await step(r.page, 'callback', async (p) => p.getByTestId('satisfaction-satisfied').check(), 'evaluated');
    await shot(r.page, 'journey-1-resident-rated');

    // The command-centre screen of 西山区 counts today's intake.
    const s = await newPage(browser, WALL);
    await loginAs(s.page, DEMO.supervisor);
    await s.page.goto(`/screen/${XISHAN}`);
    await expect.poll(async () => Number((await s.page.getByTestId('kpi-intakeToday').locator('.kpi-value').textContent())?.replace(/\D/g, '') || 0)).toBeGreaterThanOrEqual(1);
    await s.page.waitForTimeout(500);
    await shot(s.page, 'journey-1-screen');
    for (const x of [r, op, h, g, s]) await x.context.close();
  });

  it('a handler returns a case with a reason and the operator re-dispatches it', async () => {
    const resident = await apiLogin(DEMO.resident);
    const c = await report(resident, gridPoint, '路边污水横流，气味很大');
    const opApi = await apiLogin(DEMO.streetOperator);
    await api(opApi, 'POST', `/api/cases/${c.id}/accept`, {});
    await api(opApi, 'POST', `/api/cases/${c.id}/dispatch`, {});

    const h = await newPage(browser, DESKTOP);
    await loginAs(h.page, DEMO.handler);
    await h.page.goto(`/cases/${c.id}`);
    await h.page.getByTestId('case-detail').waitFor();
    await step(h.page, 'return', async (p) => p.getByTestId('field-reason').fill('不属于城管职责，应由住建部门处理'));
    // After returning it the department no longer holds the case.
    await expect.poll(() => h.page.getByTestId('flash').isVisible()).toBe(true);

    const op = await newPage(browser, DESKTOP);
    await loginAs(op.page, DEMO.streetOperator);
    await openFromQueue(op.page, '/ops', 'returned', c.publicId);
    expect(await stateOf(op.page)).toBe('returned');
    await expect.poll(() => op.page.getByTestId('timeline').textContent()).toContain('不属于城管职责');
    await step(
      op.page,
      'dispatch',
      async (p) => {
        await p.getByTestId('field-leadDepartmentId').selectOption({ label: '西山区住房和城乡建设局' });
      },
      'dispatched',
    );
    await shot(op.page, 'journey-2-redispatched');
    await h.context.close();
    await op.context.close();
  });

  it('a dissatisfied rating reopens the case (发回重办)', async () => {
    const resident = await apiLogin(DEMO.resident);
    const c = await report(resident, gridPoint, '绿化带垃圾长期无人清理');
    const opApi = await apiLogin(DEMO.streetOperator);
    const hApi = await apiLogin(DEMO.handler);
    await api(opApi, 'POST', `/api/cases/${c.id}/accept`, {});
    await api(opApi, 'POST', `/api/cases/${c.id}/dispatch`, {});
    await api(hApi, 'POST', `/api/cases/${c.id}/sign-for`, {});
    await api(hApi, 'POST', `/api/cases/${c.id}/handle`, { summary: '已清理' });
    await api(opApi, 'POST', `/api/cases/${c.id}/verify`, { result: 'pass' });
    await api(opApi, 'POST', `/api/cases/${c.id}/close`, {});

    const r = await newPage(browser, PHONE);
    await loginAs(r.page, DEMO.resident);
    await r.page.goto(`/cases/${c.id}`);
    await r.page.getByTestId('case-detail').waitFor();
    await step(
      r.page,
      'callback',
      async (p) => {
        await p.getByTestId('satisfaction-dissatisfied').check();
        await p.getByTestId('field-comment').fill('垃圾还在，没有清理干净');
      },
      'dispatched',
    );
    await shot(r.page, 'journey-3-reopened');
    await r.context.close();
  });

  it("an operator of one district cannot see another district's cases", async () => {
    const resident = await apiLogin(DEMO.resident);
    const wuhua = await api<{ centroid: [number, number] }>(null, 'GET', `/api/regions/${WUHUA}`);
    const theirs = await report(resident, wuhua.centroid, '五华区某路口井盖松动');
    const ours = await report(resident, gridPoint, '西山区某小区门口垃圾桶满溢');

    const op = await newPage(browser, DESKTOP);
    await loginAs(op.page, DEMO.districtOperator);
    await op.page.goto('/cases');
    await op.page.getByTestId('tab-everything').click();
    await op.page.getByTestId('queue').waitFor();
    const list = await op.page.getByTestId('queue').textContent();
    expect(list).toContain(ours.publicId);
    expect(list).not.toContain(theirs.publicId);
    // A direct link answers like a missing case.
    await op.page.goto(`/cases/${theirs.id}`);
    await expect.poll(() => op.page.getByRole('alert').textContent()).toMatch(/未找到|不存在/);
    await shot(op.page, 'journey-4-out-of-scope');
    await op.context.close();
  });
});
