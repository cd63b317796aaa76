/** The one setting of the test suite: an existing Postgres server to create test databases on. */
export function testDatabaseUrlFromEnv(): string | undefined {
  return process.env.TEST_DATABASE_URL || undefined;
}

/** Service logs during tests: silent unless TEST_LOG_LEVEL asks for them. */
export function testLogLevel(): 'silent' | 'fatal' | 'error' | 'warn' | 'info' | 'debug' {
  const level = process.env.TEST_LOG_LEVEL;
  return level === 'fatal' || level === 'error' || level === 'warn' || level === 'info' || level === 'debug'
    ? level
    : 'silent';
}

/** The NATS server the tests that need one run against: NATS_URL, or the local default. */
export function testNatsUrl(): string {
  return process.env.NATS_URL || 'nats://127.0.0.1:4222';
}

/** The Redis server the tests that need one run against: REDIS_URL, or the local default. */
export function testRedisUrl(): string {
  return process.env.REDIS_URL || 'redis://127.0.0.1:6379';
}

/** CI=true: a service the tests need must be there; nothing is skipped for want of it. */
export function testRunsInCi(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/**
 * The bus of an end-to-end stack whose test names none (`E2E_BUS`): `pg-boss` (the embedded
 * default) or `nats` (the machine's NATS: the distributed mode, as CI runs the suite).
 */
export function testEventBus(): 'pg-boss' | 'nats' {
  const bus = process.env.E2E_BUS ?? 'pg-boss';
  if (bus === 'pg-boss' || bus === 'nats') return bus;
  throw new Error(`E2E_BUS must be pg-boss or nats, not "${bus}"`);
}

/**
 * The system's Chromium for the browser tests: TEST_SYSTEM_CHROMIUM, else /usr/bin/chromium. Where
 * that file is missing (a fresh machine; `TEST_SYSTEM_CHROMIUM=none` plays one) @sparticuz/chromium's is used.
 */
export function testSystemChromium(): string {
  return process.env.TEST_SYSTEM_CHROMIUM || '/usr/bin/chromium';
}
