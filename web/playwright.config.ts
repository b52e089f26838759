import { defineConfig } from '@playwright/test';
import { chromiumLaunch } from './chromium.mjs';

const api = (process.env.TIDINGS_API ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');

export default defineConfig({
  testDir: 'tests',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: 'list',
  // Failure screenshots and traces, out of the source tree.
  outputDir: '../target/web/test-results',
  use: {
    baseURL: `${api}/app/`,
    browserName: 'chromium',
    headless: true,
    trace: 'off',
    screenshot: 'only-on-failure',
    // The accessibility scan injects axe-core as a script of the page.
    bypassCSP: true,
    launchOptions: chromiumLaunch,
  },
});
