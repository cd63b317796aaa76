// The end-to-end check CI runs the way a user would: `npm start` in a fresh clone, wait for the
// gateway, query three subgraphs at once, see the registry hold the six subgraphs and feed the
// gateway, Ctrl-C, start again and see the same data, not reseeded, nothing republished.
// Prints one `ok`/`not ok` line per check and exits non-zero if any failed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

const GATEWAY = 'http://127.0.0.1:4000';
const REGISTRY = 'http://127.0.0.1:4010';
const SUBGRAPHS = ['accounts', 'inventory', 'orders', 'payments', 'products', 'reviews'];
const DATA_DIR = process.env.DATA_DIR ?? new URL('../.data', import.meta.url).pathname;
const QUERY = `{ products(first: 5) { totalCount edges { node { name sku price { amount currency }
  reviews(first: 3) { edges { node { rating body author { name } } } } } } } }`;
const results = [];
const check = (name, ok, detail = '') => {
  results.push(ok);
  console.log(`${ok ? 'ok' : 'not ok'} - ${name}${detail ? ` (${detail})` : ''}`);
};

function start() {
  const output = [];
  const child = spawn('npm', ['start'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (chunk) => output.push(chunk.toString()));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return { child, output, exited };
}

async function waitForGateway(run, seconds) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (run.child.exitCode !== null) return false;
    try {
      if ((await fetch(`${GATEWAY}/health`)).ok && run.output.join('').includes('ready in')) return true;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

async function graphql(text, variables = {}, token = '') {
  const response = await fetch(`${GATEWAY}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: text, variables }),
  });
  return response.json();
}
const query = () => graphql(QUERY);

// The README's checkout, over the embedded bus (pg-boss): log in, order, wait for CONFIRMED.
async function checkout() {
  const login = await graphql(
    'mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { token } }',
    { email: 'alice@shop.test', password: 'customer-password' },
  );
  const token = login.data?.logIn?.token;
  if (!token) return { ok: false, detail: JSON.stringify(login.errors) };
  const products = await graphql('{ products(first: 1) { edges { node { id } } } }');
  const productId = products.data?.products?.edges?.[0]?.node?.id;
  const placed = await graphql(
    'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }',
    {
      input: {
        lines: [{ productId, quantity: 1 }],
        paymentToken: 'tok_ok',
        idempotencyKey: `start-check-${Date.now()}`,
      },
    },
    token,
  );
  const id = placed.data?.placeOrder?.id;
  if (!id) return { ok: false, detail: JSON.stringify(placed.errors) };
  const deadline = Date.now() + 30_000;
  let order;
  while (Date.now() < deadline) {
    order = (
      await graphql('query ($id: ID!) { order(id: $id) { status payment { status } } }', { id }, token)
    ).data?.order;
    if (order?.status !== 'PENDING') break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    ok: order?.status === 'CONFIRMED' && order.payment?.status === 'CHARGED',
    detail: JSON.stringify(order),
  };
}

async function registryGet(path, token = '') {
  try {
    const response = await fetch(`${REGISTRY}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const text = await response.text();
    return {
      status: response.status,
      text,
      json: response.ok && text.startsWith('{') ? JSON.parse(text) : null,
    };
  } catch (error) {
    return { status: 0, text: String(error.cause?.code ?? error.message), json: null };
  }
}
// The admin token npm start made for its registry, kept with its other secrets.
const adminToken = () => JSON.parse(readFileSync(`${DATA_DIR}/secrets.json`, 'utf8')).registryAdminToken;
const liveLauncherTokens = async () =>
  ((await registryGet('/tokens', adminToken())).json?.tokens ?? []).filter(
    (token) => token.revokedAt === null && token.label === 'npm start',
  );

// The registry and the gateway's supergraph: up, printed, the six subgraphs in, and served to the gateway.
async function checkRegistry(run) {
  const health = await registryGet('/health');
  check(
    'the registry is up (its /health)',
    health.status === 200,
    `${health.status} ${health.text.slice(0, 80)}`,
  );
  check('npm start prints the registry URL', /Registry\s+http:\/\/localhost:4010/.test(run.output.join('')));
  const live = await registryGet('/version?id=latest');
  const names = (live.json?.version?.subgraphs ?? []).map((subgraph) => subgraph.name).sort();
  check(
    "the registry's live version holds the six subgraphs, published by npm start",
    JSON.stringify(names) === JSON.stringify(SUBGRAPHS),
    names.join(','),
  );
  const metrics = await registryGet('/metrics');
  const served = /http_requests_total\{[^}]*route="\/supergraph"[^}]*status="200"[^}]*\} ([1-9]\d*)/.exec(
    metrics.text,
  );
  const fellBack = run.output.join('').includes('starting from SUPERGRAPH_FALLBACK_PATH');
  check(
    'the gateway took its supergraph from the registry, not the fallback file',
    served !== null && !fellBack,
    `GET /supergraph answered 200 ${served?.[1] ?? 0} times${fellBack ? ', the gateway fell back to the file' : ''}`,
  );
}

// The gateway reports every USAGE_REPORT_INTERVAL_SECONDS (20): the query above shows up within 30 s.
async function checkUsage() {
  const deadline = Date.now() + 30_000;
  let usage = [];
  while (Date.now() < deadline) {
    usage =
      (await registryGet('/usage?coordinate=Query.products&windowHours=1', adminToken())).json?.usage ?? [];
    if (usage.length > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  check(
    'the gateway reports usage to the registry (signed)',
    usage.length > 0,
    `${usage.reduce((sum, row) => sum + row.count, 0)} requests using Query.products`,
  );
}

const listening = (port) =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket.end() && true));
    socket.once('error', () => resolve(false));
  });

// Ctrl-C in a terminal signals the whole process group. npm itself then ends by the signal (as in
// a terminal); what counts is that the launcher stopped everything: no service, no Postgres left.
const signalGroup = (run, signal) => {
  try {
    process.kill(-run.child.pid, signal);
  } catch {}
};

async function stoppedCleanly(run) {
  signalGroup(run, 'SIGINT');
  const timer = setTimeout(() => signalGroup(run, 'SIGKILL'), 30_000);
  await run.exited;
  clearTimeout(timer);
  const left = [];
  for (const port of [4000, 4001, 4002, 4003, 4004, 4005, 4006, 4010, 4050, 54329])
    if (await listening(port)) left.push(port);
  return { ok: run.output.join('').includes('stopped') && left.length === 0, left };
}

const first = start();
const began = Date.now();
const up = await waitForGateway(first, 120);
const seconds = (Date.now() - began) / 1000;
check('npm start brings the gateway up', up, `${seconds.toFixed(1)} s`);
check('npm start is ready in under a minute', up && seconds < 60, `${seconds.toFixed(1)} s`);
let firstAnswer;
if (up) {
  firstAnswer = await query();
  const edges = firstAnswer.data?.products?.edges ?? [];
  const authors = edges.flatMap((edge) => edge.node.reviews.edges.map((review) => review.node.author.name));
  check(
    'the three-subgraph query returns data and no errors',
    !firstAnswer.errors && edges.length === 5 && authors.length > 0,
    JSON.stringify(firstAnswer.errors ?? `${edges.length} products, ${authors.length} reviews`),
  );
  check('the first start seeded demo data', first.output.join('').includes('demo data seeded'));
  const started = Date.now();
  const order = await checkout();
  check(
    'a customer checks out and the order becomes CONFIRMED (embedded bus)',
    order.ok,
    `${order.detail}, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  await checkRegistry(first);
  await checkUsage();
}
const firstVersions = up ? (await registryGet('/versions?limit=500')).json?.versions?.length : undefined;
const firstStop = await stoppedCleanly(first);
check(
  'Ctrl-C stops everything cleanly',
  firstStop.ok,
  firstStop.left.length ? `still listening: ${firstStop.left}` : '',
);

const second = start();
const upAgain = await waitForGateway(second, 120);
check('a second npm start comes up', upAgain);
if (upAgain && firstAnswer) {
  const secondAnswer = await query();
  check(
    'the second start serves the same data',
    JSON.stringify(secondAnswer) === JSON.stringify(firstAnswer),
  );
  check('the second start does not reseed', !second.output.join('').includes('demo data seeded'));
  const versions = (await registryGet('/versions?limit=500')).json?.versions?.length;
  const tokens = await liveLauncherTokens();
  check(
    'the second start publishes nothing new and keeps one live token per subgraph',
    versions === firstVersions &&
      JSON.stringify(tokens.map((token) => token.subgraph).sort()) === JSON.stringify(SUBGRAPHS),
    `${firstVersions} then ${versions} versions, ${tokens.length} live npm start tokens`,
  );
}
const secondStop = await stoppedCleanly(second);
check(
  'Ctrl-C stops the second start cleanly',
  secondStop.ok,
  secondStop.left.length ? `still listening: ${secondStop.left}` : '',
);

if (results.includes(false)) {
  console.log('--- npm start output (second run) ---');
  console.log(second.output.join('').slice(-6000));
  console.log('--- npm start output (first run) ---');
  console.log(first.output.join('').slice(-6000));
}
console.log(
  `start-check: ${results.filter(Boolean).length} passed, ${results.filter((ok) => !ok).length} failed`,
);
process.exit(results.includes(false) ? 1 : 0);
