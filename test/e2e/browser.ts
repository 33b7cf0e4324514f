/** Browser helpers for the journeys: Debian's chromium through playwright-core, headless. */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';

export const SHOTS = path.resolve('test-results/e2e');

export const baseUrl = (): string => inject('gongzhiE2eUrl');

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1366, height: 860 };
export const WALL = { width: 1920, height: 1080 };

export async function newPage(browser: Browser, viewport = DESKTOP, opts: { locale?: string; geolocation?: { longitude: number; latitude: number } } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: baseUrl(),
    viewport,
    locale: opts.locale ?? 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    ...(opts.geolocation ? { geolocation: opts.geolocation, permissions: ['geolocation'] } : {}),
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  // A page error is a failed journey, even when the page still looks fine.
  page.on('pageerror', (e) => {
    throw e;
  });
  return { context, page };
}

export async function shot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** Log in from the login page by picking the demo user of a role (the login page lists them). */
export async function loginAs(page: Page, phone: string): Promise<void> {
  await page.goto('/login');
  await page.getByTestId('demo-users').waitFor();
  await page.locator(`[data-testid^="demo-"]`, { hasText: '' }).first().waitFor();
  await page.getByLabel(/手机号|Phone number/).fill(phone);
  await page.getByLabel(/^密码$|^Password$/).fill('demo-password');
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** The demo users (src/modules/identity/demo.ts). */
export const DEMO = {
  resident: '13800000001',
  gridWorker: '13800000002',
  cityOperator: '13800000003',
  districtOperator: '13800000004',
  streetOperator: '13800000005',
  communityOperator: '13800000006',
  handler: '13800000007',
  mediator: '13800000008',
  supervisor: '13800000009',
  volunteerAdmin: '13800000010',
  analyst: '13800000011',
  admin: '13800000012',
} as const;

/**
 * Evaluate an expression in the page. Written as a string because the server's tsconfig has no
 * DOM types (adding them would hide misuse of `window` in server code).
 */
export const js = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;
