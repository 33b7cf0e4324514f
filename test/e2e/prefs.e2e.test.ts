/** Elder mode and the English switch: on every page, persisted, and the document says its language. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, PHONE, js, launch, loginAs, newPage, shot } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const fontSize = (page: import('playwright-core').Page) => js<number>(page, 'parseFloat(getComputedStyle(document.body).fontSize)');

describe('preferences', () => {
  it('English switch: the texts change, <html lang> follows, and it survives a reload', async () => {
    const { context, page } = await newPage(browser);
    await page.goto('/login');
    await page.getByRole('heading', { name: '登录' }).waitFor();
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.getByTestId('login-submit').textContent()).toBe('Log in');
    expect(await page.title()).toContain('gongzhi');
    await page.reload();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    // Errors are translated from the API's code too.
    await page.getByLabel('Phone number').fill(DEMO.resident);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toBe('Wrong phone number or password');
    await shot(page, 'login-english');
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: '登录' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await context.close();
  });

  it('elder mode: larger type and targets, simpler layout, on every page, persisted', async () => {
    const { context, page } = await newPage(browser, PHONE);
    await loginAs(page, DEMO.resident);
    await page.waitForURL(/\/report$/);
    const before = await fontSize(page);
    const btnBefore = (await page.getByTestId('submit-report').boundingBox())!.height;
    await page.getByTestId('elder-switch').click();
    expect(await page.locator('html').getAttribute('data-elder')).toBe('true');
    expect(await page.getByTestId('elder-switch').getAttribute('aria-pressed')).toBe('true');
    const after = await fontSize(page);
    expect(after).toBeGreaterThanOrEqual(before * 1.25);
    expect((await page.getByTestId('submit-report').boundingBox())!.height).toBeGreaterThan(btnBefore);
    // Simpler: the intro line is hidden.
    expect(await page.locator('.report-page > p.muted').isVisible()).toBe(false);
    await shot(page, 'report-elder-phone');
    await page.goto('/my/reports');
    expect(await page.locator('html').getAttribute('data-elder')).toBe('true');
    await page.reload();
    expect(await fontSize(page)).toBe(after);
    await page.getByTestId('elder-switch').click();
    expect(await fontSize(page)).toBe(before);
    await context.close();
  });

  it('keyboard: the skip link and the switches are reachable with Tab', async () => {
    const { context, page } = await newPage(browser);
    await loginAs(page, DEMO.admin);
    await page.goto('/admin');
    await page.getByRole('heading', { name: '系统管理' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await js<string>(page, 'document.activeElement?.className ?? ""')).toContain('skip-link');
    const seen = new Set<string>();
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press('Tab');
      const id = await js<string>(page, 'document.activeElement?.getAttribute("data-testid") ?? ""');
      if (id) seen.add(id);
    }
    expect(seen.has('lang-switch')).toBe(true);
    expect(seen.has('elder-switch')).toBe(true);
    await context.close();
  });
});
