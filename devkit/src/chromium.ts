import { existsSync } from 'node:fs';
import { testSystemChromium } from './testing/env';

/** Headless without a sandbox or a GPU (containers, CI), and no calls home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];

/**
 * The Chromium binary the browser tests and the storefront screenshot drive: the system's when
 * installed, else the one inside the @sparticuz/chromium npm package (inflated once into the temp
 * folder), so a fresh machine needs nothing but npm. Never a browser downloaded by Playwright.
 */
export async function chromiumExecutable(): Promise<string> {
  const system = testSystemChromium();
  if (existsSync(system)) return system;
  const { default: bundled } = await import('@sparticuz/chromium');
  return bundled.executablePath();
}
