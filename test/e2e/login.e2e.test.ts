/** Every demo role logs in from the login page (demo list, one-click fill) and lands on its home. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, DESKTOP, PHONE, launch, newPage, shot } from './browser.js';
import { CITY, XISHAN } from './server.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const HOMES: Array<[keyof typeof DEMO, RegExp]> = [
  ['resident', /^\/report$/],
  ['gridWorker', /^\/grid$/],
  ['cityOperator', /^\/ops$/],
  ['districtOperator', /^\/ops$/],
  ['handler', /^\/inbox$/],
  ['mediator', new RegExp(`^/screen/${XISHAN}$`)],
  ['supervisor', new RegExp(`^/screen/${CITY}$`)],
  ['volunteerAdmin', new RegExp(`^/screen/${XISHAN}$`)],
  ['analyst', /^\/kpi$/],
  ['admin', /^\/admin$/],
];

describe('login page', () => {
  it('lists the demo users in demo mode', async () => {
    const { context, page } = await newPage(browser, PHONE);
    await page.goto('/login');
    const list = page.getByTestId('demo-users');
    await list.waitFor();
    expect(await list.locator('button').count()).toBe(12);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await shot(page, 'login-phone');
    await context.close();
  });

  it('says the password is wrong, in Chinese, from the API error code', async () => {
    const { context, page } = await newPage(browser);
    await page.goto('/login');
    await page.getByLabel('手机号').fill(DEMO.resident);
    await page.getByLabel('密码').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toBe('手机号或密码错误');
    await context.close();
  });

  it.each(HOMES)('%s: one click fills the form, and login lands on the role home', async (who, home) => {
    const { context, page } = await newPage(browser, DESKTOP);
    await page.goto('/login');
    await page.getByTestId(`demo-${DEMO[who]}`).click();
    expect(await page.getByLabel('手机号').inputValue()).toBe(DEMO[who]);
    await page.getByTestId('login-submit').click();
    await page.waitForURL((u) => home.test(u.pathname));
    if (!home.source.includes('screen')) {
      // The shell shows who is logged in and under which role.
      await expect.poll(() => page.getByTestId('user-name').textContent()).toBeTruthy();
    }
    if (who === 'districtOperator' || who === 'resident') await shot(page, `home-${who}`);
    await context.close();
  });

  it('a deep link asks for login first, then goes where it pointed', async () => {
    const { context, page } = await newPage(browser);
    await page.goto('/my/reports');
    await page.waitForURL(/\/login\?next=/);
    await page.getByTestId(`demo-${DEMO.resident}`).click();
    await page.getByTestId('login-submit').click();
    await page.waitForURL((u) => u.pathname === '/my/reports');
    await context.close();
  });
});
