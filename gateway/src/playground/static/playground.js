// The playground page: GraphiQL (from the gateway's node_modules, loaded as browser globals by
// index.html) with three panels of our own. Plain JavaScript with React.createElement, so it
// is served as written, with no build step. A module script: nothing here leaks into globals.
/* global React, ReactDOM, GraphiQL */
import { logIn, pastedToken } from './log-in.js';

const h = React.createElement;
const { useEffect, useState, useSyncExternalStore } = React;
const { useEditorContext } = GraphiQL.React;

const ENDPOINT = '/graphql';
const DEFAULT_QUERY = `# The shop's GraphQL API. One operation can span every service:
# products and prices come from products, ratings and reviews from reviews,
# and review authors' names from accounts. The gateway plans who answers what
# (open "Query plan" on the left). Ready-made operations are under "Operations".

query Storefront {
  products(first: 5, orderBy: PRICE_ASC) {
    totalCount
    edges {
      node {
        name
        price { amount currency }
        averageRating
        reviews(first: 2) {
          edges { node { rating body author { name } } }
        }
      }
    }
  }
}
`;

// The caller's token lives in this tab only (sessionStorage) and goes out as a bearer token.
const session = (() => {
  const KEY = 'shop-playground-session';
  const listeners = new Set();
  let current = null;
  try {
    current = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {}
  return {
    get: () => current,
    set(next) {
      current = next;
      if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
      else sessionStorage.removeItem(KEY);
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
})();
const useSession = () => useSyncExternalStore(session.subscribe, session.get);

// Subscriptions over graphql-ws on the same origin (wss:// on an https page); the headers below,
// Authorization included, become the socket's connection_init payload, which the gateway reads.
const SUBSCRIPTION_URL = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${ENDPOINT}`;
// An operation with @defer comes back in parts, in the format GraphiQL merges (deferSpec=20220824).
const baseFetcher = GraphiQL.createFetcher({
  url: ENDPOINT,
  subscriptionUrl: SUBSCRIPTION_URL,
  headers: { accept: 'multipart/mixed;deferSpec=20220824, application/json' },
});
/** Every request carries the session's token, unless the Headers editor sets Authorization itself. */
const fetcher = (params, options = {}) => {
  const headers = { ...(options.headers ?? {}) };
  const token = session.get()?.token;
  const hasAuthorization = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
  if (token && !hasAuthorization) headers.Authorization = `Bearer ${token}`;
  return baseFetcher(params, { ...options, headers });
};

const icon = (path) => () =>
  h(
    'svg',
    {
      viewBox: '0 0 24 24',
      width: '1em',
      height: '1em',
      fill: 'none',
      stroke: 'currentColor',
      strokeWidth: 1.5,
    },
    h('path', { d: path, strokeLinecap: 'round', strokeLinejoin: 'round' }),
  );

// Operations: the persisted operation manifest's, by type, each operation opened in a new tab.
const TYPE_HEADINGS = { query: 'Queries', mutation: 'Mutations', subscription: 'Subscriptions' };

function OperationsPanel() {
  const editor = useEditorContext({ nonNull: true });
  const [state, setState] = useState({ loading: true, operations: [], error: null });
  useEffect(() => {
    fetch('/playground/operations.json')
      .then((response) => response.json())
      .then(({ operations }) => setState({ loading: false, operations, error: null }))
      .catch((error) => setState({ loading: false, operations: [], error: String(error) }));
  }, []);
  const open = (operation) => {
    editor.addTab();
    // The new tab is made when React renders; fill it after that.
    setTimeout(() => {
      editor.queryEditor?.setValue(operation.query);
      editor.variableEditor?.setValue(operation.variables);
      editor.setOperationName(operation.name);
    }, 0);
  };
  const types = ['query', 'mutation', 'subscription'].filter((type) =>
    state.operations.some((operation) => operation.type === type),
  );
  return h(
    'section',
    { className: 'playground-panel', 'aria-label': 'Operations' },
    h('div', { className: 'graphiql-doc-explorer-title' }, 'Operations'),
    h(
      'p',
      null,
      'The client operations of the persisted operation manifest (the storefront’s and the others’), ready to run. Each opens in a new tab.',
    ),
    state.loading && h('p', null, 'Loading…'),
    state.error && h('p', { className: 'playground-error' }, state.error),
    !state.loading &&
      !state.error &&
      types.length === 0 &&
      h(
        'p',
        null,
        'None yet: npm run codegen writes the manifest from the .graphql files; then restart the gateway.',
      ),
    ...types.map((type) =>
      h(
        'div',
        { key: type },
        h('h3', null, TYPE_HEADINGS[type]),
        h(
          'ul',
          { className: 'playground-operations' },
          ...state.operations
            .filter((operation) => operation.type === type)
            .map((operation) =>
              h(
                'li',
                { key: operation.name },
                h(
                  'button',
                  { type: 'button', onClick: () => open(operation), 'data-operation': operation.name },
                  h('span', null, operation.name),
                  h('span', { className: 'playground-operation-type' }, operation.type),
                ),
              ),
            ),
        ),
      ),
    ),
  );
}

// Log in (log-in.js): email and password, or a token pasted as is.
function LoginPanel() {
  const current = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [pasted, setPasted] = useState('');
  const [message, setMessage] = useState(null);
  const submitLogIn = async (event) => {
    event.preventDefault();
    setMessage(null);
    try {
      session.set({ token: await logIn(email, password), who: email });
      setPassword('');
    } catch (error) {
      setMessage(`Could not log in: ${error.message}`);
    }
  };
  const applyPastedToken = (event) => {
    event.preventDefault();
    const token = pastedToken(pasted);
    if (!token) return;
    session.set({ token, who: 'a pasted token' });
    setPasted('');
  };
  return h(
    'section',
    { className: 'playground-panel', 'aria-label': 'Log in' },
    h('div', { className: 'graphiql-doc-explorer-title' }, 'Log in'),
    current
      ? h(
          'div',
          { className: 'playground-panel' },
          h('p', { 'data-testid': 'session' }, `Logged in as ${current.who}. Every request carries:`),
          h(
            'code',
            { className: 'playground-token' },
            `Authorization: Bearer ${current.token.slice(0, 12)}…${current.token.slice(-6)}`,
          ),
          h('p', null, 'An Authorization header typed in the Headers editor takes precedence.'),
          h('button', { type: 'button', onClick: () => session.set(null) }, 'Log out'),
        )
      : h('p', null, 'Requests are anonymous. Log in to act as a customer or an admin.'),
    h(
      'form',
      { onSubmit: submitLogIn },
      h('h3', null, 'Email and password'),
      h('input', {
        type: 'email',
        placeholder: 'alice@shop.test',
        autoComplete: 'username',
        value: email,
        required: true,
        onChange: (event) => setEmail(event.target.value),
      }),
      h('input', {
        type: 'password',
        placeholder: 'password',
        autoComplete: 'current-password',
        value: password,
        required: true,
        onChange: (event) => setPassword(event.target.value),
      }),
      h('button', { type: 'submit' }, 'Log in'),
    ),
    h(
      'form',
      { onSubmit: applyPastedToken },
      h('h3', null, 'Or paste a token'),
      h('textarea', {
        rows: 3,
        placeholder: 'eyJhbGciOi…',
        value: pasted,
        'aria-label': 'token',
        onChange: (event) => setPasted(event.target.value),
      }),
      h('button', { type: 'submit' }, 'Use this token'),
    ),
    message && h('p', { className: 'playground-error', role: 'alert' }, message),
  );
}

// Query plan: what the gateway would ask each subgraph for the operation being edited.
function QueryPlanPanel() {
  const { queryEditor } = useEditorContext({ nonNull: true });
  const [result, setResult] = useState({ plan: null, errors: null });
  useEffect(() => {
    if (!queryEditor) return undefined;
    let timer;
    let latest = 0;
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const request = ++latest;
        const query = queryEditor.getValue();
        if (!query.trim()) return setResult({ plan: null, errors: null });
        try {
          const response = await fetch('/playground/query-plan', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query, operationName: queryEditor.operationName ?? undefined }),
          });
          const body = await response.json();
          if (request === latest) setResult({ plan: body.plan ?? null, errors: body.errors ?? null });
        } catch (error) {
          if (request === latest) setResult({ plan: null, errors: [String(error)] });
        }
      }, 300);
    };
    refresh();
    queryEditor.on('change', refresh);
    queryEditor.on('cursorActivity', refresh);
    return () => {
      clearTimeout(timer);
      queryEditor.off('change', refresh);
      queryEditor.off('cursorActivity', refresh);
    };
  }, [queryEditor]);
  return h(
    'section',
    { className: 'playground-panel', 'aria-label': 'Query plan' },
    h('div', { className: 'graphiql-doc-explorer-title' }, 'Query plan'),
    h(
      'p',
      null,
      'How the gateway answers the operation in the editor: which subgraph it asks for what, in order.',
    ),
    result.errors && h('p', { className: 'playground-error' }, result.errors.join('\n')),
    result.plan && h('pre', { className: 'playground-plan', 'data-testid': 'query-plan' }, result.plan),
  );
}

// History: a link to the schema registry's changelog and field usage, a page of its own.
function HistoryPanel() {
  return h(
    'section',
    { className: 'playground-panel', 'aria-label': 'Schema history' },
    h('div', { className: 'graphiql-doc-explorer-title' }, 'Schema history'),
    h(
      'p',
      null,
      'Every version the schema registry published, what changed in each, and which operations and clients use a field.',
    ),
    h('a', { href: '/playground/history', target: '_blank', rel: 'noopener' }, 'Open the schema history'),
  );
}

const plugins = [
  {
    title: 'Operations',
    icon: icon('M4 6h16M4 12h16M4 18h10'),
    content: OperationsPanel,
  },
  {
    title: 'Log in',
    icon: icon('M15 12H3m0 0 4-4m-4 4 4 4M13 4h5a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-5'),
    content: LoginPanel,
  },
  {
    title: 'Query plan',
    icon: icon('M6 3v12m0 0a3 3 0 1 0 0 6 3 3 0 0 0 0-6Zm12-6a3 3 0 1 0 0-6 3 3 0 0 0 0 6Zm0 0c0 4-6 4-12 6'),
    content: QueryPlanPanel,
  },
  {
    title: 'Schema history',
    icon: icon('M12 8v4l3 2m6-2a9 9 0 1 1-18 0 9 9 0 0 1 18 0Z'),
    content: HistoryPanel,
  },
];

ReactDOM.createRoot(document.getElementById('playground')).render(
  h(
    GraphiQL,
    { fetcher, plugins, defaultQuery: DEFAULT_QUERY, defaultEditorToolsVisibility: true },
    GraphiQL.Logo ? h(GraphiQL.Logo, null, 'Shop supergraph') : null,
  ),
);
