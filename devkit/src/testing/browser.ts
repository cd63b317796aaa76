import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { inject } from 'vitest';
import { testSystemChromium } from './env';

/** Headless without a sandbox or a GPU (containers, CI), and no calls home during tests. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/**
 * The Chromium binary the browser tests drive: the system's when installed, else the one inside the
 * @sparticuz/chromium npm package (inflated once into the temp folder), so a fresh machine needs
 * nothing but npm. Never a browser downloaded by Playwright. Called once per run (global setup).
 */
export async function chromiumExecutable(): Promise<string> {
  const system = testSystemChromium();
  if (existsSync(system)) return system;
  const { default: bundled } = await import('@sparticuz/chromium');
  return bundled.executablePath();
}

/** A headless Chromium through playwright-core, the binary the global setup chose. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: inject('chromiumPath'), headless: true, args: CHROMIUM_ARGS });
}
