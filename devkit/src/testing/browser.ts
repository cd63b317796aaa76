import { type Browser, chromium } from 'playwright-core';
import { inject } from 'vitest';
import { CHROMIUM_ARGS } from '../chromium';

export { chromiumExecutable } from '../chromium';

/** A headless Chromium through playwright-core, the binary the global setup chose (chromiumExecutable). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: inject('chromiumPath'), headless: true, args: CHROMIUM_ARGS });
}
