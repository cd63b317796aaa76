import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CHROMIUM_ARGS, chromiumExecutable } from '@shop/devkit/chromium';
import { chromium } from 'playwright-core';
import { loadLauncherConfig, loadScreenshotConfig } from './config';
import { ROOT } from './lib/services';

/**
 * `npm run screenshot:storefront`: docs/images/storefront.png, the storefront's home page as a
 * shopper first sees it, for the README. Uses the storefront at STOREFRONT_URL (default the one
 * `npm start` serves) when it answers, else runs `npm start` for the time of the picture.
 */
const STOREFRONT_URL =
  loadScreenshotConfig().STOREFRONT_URL ?? `http://localhost:${loadLauncherConfig().STOREFRONT_PORT}/`;
const OUTPUT = join(ROOT, 'docs/images/storefront.png');
/** The README shows it: a picture larger than this weighs on every clone. */
const MAX_BYTES = 300 * 1024;
/** A first `npm start` creates the databases and the demo data before it serves. */
const START_TIMEOUT_MS = 10 * 60_000;

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(new URL('/health', url), { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

async function startShop(): Promise<ChildProcess> {
  console.error(`no storefront at ${STOREFRONT_URL}: running npm start for the picture`);
  const shop = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answers(STOREFRONT_URL))) {
    if (shop.exitCode !== null) throw new Error(`npm start ended with ${shop.exitCode}`);
    if (Date.now() > deadline) throw new Error(`the storefront did not answer within ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return shop;
}

async function stopShop(shop: ChildProcess): Promise<void> {
  if (shop.exitCode !== null) return;
  const exited = new Promise((resolve) => shop.once('exit', resolve));
  // The launcher stops the gateway, the services and Postgres in order on SIGINT.
  shop.kill('SIGINT');
  await exited;
}

async function screenshot(): Promise<void> {
  const browser = await chromium.launch({
    executablePath: await chromiumExecutable(),
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(STOREFRONT_URL);
    await page.getByRole('heading', { name: 'New arrivals' }).waitFor();
    // Every product picture drawn, so none is shown half loaded.
    const pictures = page.locator('.grid .card img');
    await pictures.first().waitFor();
    const allLoaded = () =>
      pictures.evaluateAll((images) =>
        images.every((image) => (image as unknown as { complete: boolean }).complete),
      );
    while (!(await allLoaded())) await page.waitForTimeout(100);
    mkdirSync(dirname(OUTPUT), { recursive: true });
    await page.screenshot({ path: OUTPUT, type: 'png' });
  } finally {
    await browser.close();
  }
  const { size } = statSync(OUTPUT);
  if (size > MAX_BYTES) throw new Error(`${OUTPUT} is ${size} bytes, over ${MAX_BYTES}`);
  console.error(`wrote ${OUTPUT} (${Math.round(size / 1024)} KB) from ${STOREFRONT_URL}`);
}

const shop = (await answers(STOREFRONT_URL)) ? undefined : await startShop();
try {
  await screenshot();
} finally {
  if (shop) await stopShop(shop);
}
