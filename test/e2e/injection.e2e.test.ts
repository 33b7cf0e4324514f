/**
 * HTML and script injection through a report renders inert: the text a resident typed is shown as
 * text to the operator (queue and case detail), to the resident (my reports) and on the public
 * map's list — never parsed as markup, never run.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, apiLogin, firstDescendant, report } from './api.js';
import { DEMO, DESKTOP, PHONE, js, launch, loginAs, newPage, shot } from './browser.js';
import { XISHAN } from './server.js';

const PAYLOAD = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b id="injected">粗体</b>"'><svg onload=window.__pwned=3>`;

let browser: Browser;
let gridPoint: [number, number];
beforeAll(async () => {
  browser = await launch();
  gridPoint = (await firstDescendant(XISHAN, 3)).centroid!;
});
afterAll(async () => {
  await browser?.close();
});

async function expectInert(page: Page): Promise<void> {
  // The literal text is on the page; none of it became an element or ran.
  await expect.poll(() => page.locator('body').innerText()).toContain('<script>window.__pwned=2</script>');
  expect(await page.locator('#injected').count()).toBe(0);
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await js(page, 'typeof window.__pwned')).toBe('undefined');
}

describe('injection strings render inert', () => {
  it('in the operator queue and case detail, the resident’s reports and the public map list', async () => {
    const resident = await apiLogin(DEMO.resident);
    const k = await report(resident, gridPoint, `井盖缺失 ${PAYLOAD}`);
    // Public only from acceptance on: the street centre accepts it.
    const op = await apiLogin(DEMO.streetOperator);
    await api(op, 'POST', `/api/cases/${k.id}/accept`, {});

    const ops = await newPage(browser, DESKTOP);
    await loginAs(ops.page, DEMO.streetOperator);
    await ops.page.goto(`/cases/${k.id}`);
    await expectInert(ops.page);
    await shot(ops.page, 'injection-1-case-detail');
    await ops.context.close();

    const mine = await newPage(browser, PHONE);
    await loginAs(mine.page, DEMO.resident);
    await mine.page.goto(`/my/reports`);
    await expectInert(mine.page);
    await mine.context.close();

    const pub = await newPage(browser, DESKTOP);
    await pub.page.goto(`/map?at=${gridPoint[0]},${gridPoint[1]}&z=16`);
    await expectInert(pub.page);
    await shot(pub.page, 'injection-2-public-map');
    await pub.context.close();
  });
});
