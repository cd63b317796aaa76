// The schema history page: the registry's changelog and who used which field, read through
// this gateway (/playground/history/*). Plain DOM, served as written; every text from the
// registry goes in as a text node, so nothing it holds is ever parsed as HTML.

import { logIn, pastedToken } from './log-in.js';

const LEVELS = ['breaking', 'dangerous', 'safe'];

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

// Log in ------------------------------------------------------------------------------------
// In production the gateway serves the history to admins only: the page sends the token of the
// admin who logged in here (kept in this tab only, sessionStorage) as a bearer token.

const TOKEN_KEY = 'shop-history-token';
const loginSection = document.getElementById('login');
const loginForm = document.getElementById('login-form');
const loginMessage = document.getElementById('login-message');

loginForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const { email, password, token } = loginForm.elements;
  try {
    const bearer = pastedToken(token.value) || (await logIn(email.value, password.value));
    sessionStorage.setItem(TOKEN_KEY, bearer);
    loginForm.reset();
    loginMessage.textContent = '';
    loginSection.hidden = true;
    void loadVersions();
    void loadCoordinates();
  } catch (error) {
    loginMessage.textContent = `Could not log in: ${error.message}`;
  }
});

/** The gateway's JSON, or an Error whose message is the one the gateway gave (said plainly on the page). */
async function getJson(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  let response;
  try {
    response = await fetch(path, {
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  } catch {
    throw new Error('The gateway cannot be reached.');
  }
  const body = await response.json().catch(() => null);
  // Not an admin, or a token gone stale: ask for a log-in.
  if (response.status === 401 || response.status === 403) loginSection.hidden = false;
  const message = body?.error ?? body?.errors?.[0]?.message;
  if (!response.ok) throw new Error(message ?? `The gateway answered ${response.status}.`);
  return body;
}

const errorBox = (message) =>
  el('p', { class: 'error', role: 'alert', 'data-testid': 'registry-error' }, message);
const plural = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`;
const formatWindow = (hours) =>
  hours % 24 === 0 ? `the last ${plural(hours / 24, 'day')}` : `the last ${plural(hours, 'hour')}`;

// Changelog ---------------------------------------------------------------------------------

const changelog = document.getElementById('changelog');
const olderButton = document.getElementById('older');
let oldestShown;

function versionView(version) {
  const counts = LEVELS.map((level) => [
    level,
    version.changes.filter((change) => change.level === level).length,
  ])
    .filter(([, count]) => count > 0)
    .map(([level, count]) => `${count} ${level}`);
  const when = new Date(version.createdAt);
  return el(
    'article',
    { class: 'version', 'data-version': version.id },
    el('h3', null, `Version ${version.id}`),
    el(
      'p',
      { class: 'meta' },
      el('time', { datetime: when.toISOString() }, when.toLocaleString()),
      ` · ${version.subgraph} published by ${version.publisher}`,
      version.commit ? ` · commit ${version.commit.slice(0, 12)}` : ' · no commit given',
      counts.length > 0 ? ` · ${counts.join(', ')}` : '',
    ),
    version.changes.length === 0
      ? el(
          'p',
          null,
          version.id === 1
            ? 'The first version: nothing before it to compare with.'
            : 'No change to the API clients see (the subgraph changed only what the gateway uses, or its URL).',
        )
      : el(
          'ul',
          { class: 'changes' },
          version.changes.map((change) =>
            el(
              'li',
              { 'data-level': change.level },
              el('span', { class: `level level-${change.level}` }, change.level),
              el('span', null, change.message),
              change.path &&
                el(
                  'button',
                  {
                    type: 'button',
                    class: 'coordinate',
                    title: 'Who uses it',
                    onclick: () => showUsage(change.path),
                  },
                  change.path,
                ),
            ),
          ),
        ),
  );
}

async function loadVersions(before) {
  olderButton.hidden = true;
  try {
    const { versions } = await getJson(
      `/playground/history/versions${before === undefined ? '' : `?before=${before}`}`,
    );
    if (before === undefined) changelog.replaceChildren();
    if (versions.length === 0 && before === undefined)
      changelog.append(el('p', null, 'Nothing has been published to the schema registry yet.'));
    changelog.append(...versions.map(versionView));
    oldestShown = versions.at(-1)?.id;
    // Versions are numbered from 1: anything above it has older ones.
    olderButton.hidden = oldestShown === undefined || oldestShown <= 1;
  } catch (error) {
    if (before === undefined) changelog.replaceChildren(errorBox(error.message));
    else changelog.append(errorBox(error.message));
  }
}
olderButton.addEventListener('click', () => loadVersions(oldestShown));

// Field usage -------------------------------------------------------------------------------

const form = document.getElementById('usage-form');
const fieldUsage = document.getElementById('field-usage');
const coordinatesView = document.getElementById('coordinates');
const windowHours = () => Number(form.elements.windowHours.value);

const table = (headings, rows) =>
  el(
    'table',
    null,
    el(
      'thead',
      null,
      el(
        'tr',
        null,
        headings.map(([text, className]) => el('th', { class: className }, text)),
      ),
    ),
    el('tbody', null, rows),
  );

async function showUsage(coordinate) {
  form.elements.coordinate.value = coordinate;
  const hours = windowHours();
  fieldUsage.replaceChildren(el('p', null, `Loading usage of ${coordinate}…`));
  try {
    const { usage } = await getJson(
      `/playground/history/usage?${new URLSearchParams({ coordinate, windowHours: String(hours) })}`,
    );
    const title = el('h3', null, `${coordinate} over ${formatWindow(hours)}`);
    fieldUsage.replaceChildren(
      title,
      usage.length === 0
        ? el(
            'p',
            { 'data-testid': 'no-usage' },
            `No operation used ${coordinate} over ${formatWindow(hours)}.`,
          )
        : table(
            [['Operation'], ['Client'], ['Version'], ['Requests', 'number']],
            usage.map((row) =>
              el(
                'tr',
                { 'data-operation': row.operationName ?? '', 'data-client': row.clientName },
                el(
                  'td',
                  { title: row.operationHash },
                  row.operationName ?? `(anonymous ${row.operationHash.slice(0, 8)})`,
                ),
                el('td', null, row.clientName || '(no client name)'),
                el('td', null, row.clientVersion || '(no version)'),
                el('td', { class: 'number' }, String(row.count)),
              ),
            ),
          ),
    );
  } catch (error) {
    fieldUsage.replaceChildren(errorBox(error.message));
  }
}

async function loadCoordinates() {
  const hours = windowHours();
  try {
    const { coordinates } = await getJson(`/playground/history/coordinates?windowHours=${hours}`);
    coordinatesView.replaceChildren(
      coordinates.length === 0
        ? el('p', null, `No usage was reported over ${formatWindow(hours)}.`)
        : table(
            [['Field'], ['Requests', 'number'], ['Operations', 'number'], ['Client versions', 'number']],
            coordinates.map((row) =>
              el(
                'tr',
                null,
                el(
                  'td',
                  null,
                  el(
                    'button',
                    { type: 'button', class: 'coordinate', onclick: () => showUsage(row.coordinate) },
                    row.coordinate,
                  ),
                ),
                el('td', { class: 'number' }, String(row.count)),
                el('td', { class: 'number' }, String(row.operations)),
                el('td', { class: 'number' }, String(row.clients)),
              ),
            ),
          ),
    );
  } catch (error) {
    coordinatesView.replaceChildren(errorBox(error.message));
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const coordinate = form.elements.coordinate.value.trim();
  if (coordinate) void showUsage(coordinate);
});
form.elements.windowHours.addEventListener('change', () => {
  void loadCoordinates();
  const coordinate = form.elements.coordinate.value.trim();
  if (coordinate && fieldUsage.childElementCount > 0) void showUsage(coordinate);
});

void loadVersions();
void loadCoordinates();

// In production the page may be served while the playground is off: link it only when it is there.
void fetch('/playground/operations.json').then((response) => {
  if (response.ok) document.getElementById('back').hidden = false;
});
