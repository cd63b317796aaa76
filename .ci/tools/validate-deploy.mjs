// CI's check of the deployment files, with no Docker engine and no cluster: the Dockerfile
// through a linter (dockerfile-utils, the rules of VS Code's Docker support) and this project's
// image rules; deploy/base built as kustomize builds it and every object validated against the
// Kubernetes API schemas (kubernetes-models, offline), plus the wiring a deployment needs.
// compose.yaml goes through Debian's docker-compose in .ci/run. Prints one `ok`/`not ok` line
// per check; exits non-zero if any failed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const results = [];
const check = (name, ok, detail = '') => {
  results.push(ok);
  console.log(`${ok ? 'ok' : 'not ok'} - ${name}${detail && !ok ? ` (${detail})` : ''}`);
};
const read = (path) => readFileSync(join(ROOT, path), 'utf8');

// The services, from the one list the launcher and composition read.
const servicesSource = read('scripts/lib/services.ts');
const subgraphList = /export const SUBGRAPHS[^=]*= \[([\s\S]*?)\];/.exec(servicesSource)?.[1] ?? '';
const subgraphs = [...subgraphList.matchAll(/\{ name: '([a-z0-9-]+)', port: (\d+), dir: '([^']+)' \}/g)].map(
  ([, name, port, dir]) => ({ name, port: Number(port), dir }),
);
const gateway = { name: 'gateway', port: 4000, dir: 'gateway' };
const storefront = { name: 'storefront', port: 3000, dir: 'apps/storefront' };
check('scripts/lib/services.ts lists the subgraphs', subgraphs.length >= 4, `${subgraphs.length} found`);

// --- Dockerfile
const dockerfile = read('Dockerfile');
const ERROR = 2; // dockerfile-utils' ValidationSeverity.ERROR: every rule fails the check
const problems = lintDockerfile(dockerfile, {
  deprecatedMaintainer: ERROR,
  directiveCasing: ERROR,
  emptyContinuationLine: ERROR,
  instructionCasing: ERROR,
  instructionCmdMultiple: ERROR,
  instructionEntrypointMultiple: ERROR,
  instructionHealthcheckMultiple: ERROR,
  instructionJSONInSingleQuotes: ERROR,
  instructionWorkdirRelative: ERROR,
});
check(
  'Dockerfile: the linter finds nothing',
  problems.length === 0,
  problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`).join('; '),
);
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const stages = instructions.filter((line) => /^FROM\s/i.test(line));
const finalStage = instructions.slice(instructions.lastIndexOf(stages.at(-1)));
// A stage named `*-build` (the storefront's Vite build) needs development dependencies; only its output ships.
let inBuildStage = false;
const shippedInstructions = instructions.filter((line) => {
  if (/^FROM\s/i.test(line)) inBuildStage = /\sAS\s+\S+-build$/i.test(line);
  return !inBuildStage;
});
check('Dockerfile: multi-stage', stages.length >= 2, `${stages.length} stage(s)`);
check(
  'Dockerfile: Node 20 on Debian bookworm slim',
  /^ARG NODE_IMAGE=node:20-bookworm-slim$/m.test(dockerfile) &&
    stages.every((line) => /\$\{NODE_IMAGE\}/.test(line)),
);
check(
  'Dockerfile: the image runs as the unprivileged node user',
  finalStage.filter((line) => /^USER\s/i.test(line)).at(-1) === 'USER node',
);
check(
  'Dockerfile: production dependencies only, from the lock file',
  instructions.some((line) => /npm ci\b.*--omit=dev/.test(line)) &&
    !shippedInstructions.some((line) => /npm (ci|install)\b(?!.*--omit=dev)(?!.*--prefix)/.test(line)),
);
check(
  'Dockerfile: an entrypoint, in exec form',
  finalStage.some((line) => /^ENTRYPOINT \[/.test(line)),
);
const ignored = read('.dockerignore');
check(
  '.dockerignore keeps node_modules, .git and local data out of the build context',
  ['**/node_modules', '.git', '**/.data'].every((pattern) => ignored.split('\n').includes(pattern)),
);

// --- Kubernetes: build deploy/base as kustomize does for what it uses (resources and labels).
const baseDir = 'deploy/base';
const kustomization = parseYaml(read(`${baseDir}/kustomization.yaml`));
const understood = new Set(['apiVersion', 'kind', 'resources', 'labels']);
const unknownKeys = Object.keys(kustomization).filter((key) => !understood.has(key));
check('kustomization.yaml uses what this check builds', unknownKeys.length === 0, unknownKeys.join(', '));
const objects = [];
for (const resource of kustomization.resources ?? [])
  for (const document of parseAllDocuments(read(`${baseDir}/${resource}`))) {
    if (document.errors.length) check(`${resource} parses`, false, document.errors[0].message);
    const object = document.toJSON();
    if (object) objects.push({ resource, object });
  }
for (const { object } of objects)
  for (const { pairs } of kustomization.labels ?? [])
    object.metadata = { ...object.metadata, labels: { ...object.metadata?.labels, ...pairs } };
// Where kubectl is at hand (not a requirement), its own kustomize must build the base too.
const kubectl = spawnSync('kubectl', ['kustomize', join(ROOT, baseDir)], { encoding: 'utf8' });
if (!kubectl.error) check('kubectl kustomize builds deploy/base', kubectl.status === 0, kubectl.stderr);

for (const { resource, object } of objects) {
  const name = `${resource}: ${object.kind} ${object.metadata?.name}`;
  // kubernetes-models/<group>/<version> (core: kubernetes-models/v1) exports a model per kind.
  const group = await import(`kubernetes-models/${object.apiVersion}`).catch(() => ({}));
  const Model = group[object.kind];
  if (!Model) {
    check(`${name} is a known Kubernetes kind`, false, `${object.apiVersion} ${object.kind}`);
    continue;
  }
  try {
    new Model(object).validate();
    check(`${name} matches the Kubernetes schema`, true);
  } catch (error) {
    check(`${name} matches the Kubernetes schema`, false, error.message);
  }
}

const find = (kind, name) =>
  objects.find(({ object }) => object.kind === kind && object.metadata?.name === name)?.object;
for (const spec of [...subgraphs, gateway, storefront]) {
  const deployment = find('Deployment', spec.name);
  const service = find('Service', spec.name);
  const container = deployment?.spec?.template?.spec?.containers?.[0];
  const port = container?.ports?.find((p) => p.name === 'http')?.containerPort;
  check(
    `${spec.name}: a Deployment and a Service on port ${spec.port}`,
    Boolean(deployment && service && port === spec.port && service.spec.ports?.[0]?.port === spec.port),
  );
  check(
    `${spec.name}: liveness on /health, readiness on /ready`,
    container?.livenessProbe?.httpGet?.path === '/health' &&
      container?.readinessProbe?.httpGet?.path === '/ready',
  );
  check(
    `${spec.name}: CPU and memory requests`,
    Boolean(container?.resources?.requests?.cpu && container?.resources?.requests?.memory),
  );
  check(
    `${spec.name}: runs as non-root`,
    deployment?.spec?.template?.spec?.securityContext?.runAsNonRoot === true &&
      container?.securityContext?.allowPrivilegeEscalation === false,
  );
  if (subgraphs.includes(spec)) {
    const env = Object.fromEntries(
      (find('Deployment', 'gateway')?.spec?.template?.spec?.containers?.[0]?.env ?? []).map((e) => [
        e.name,
        e.value,
      ]),
    );
    const variable = `SUBGRAPH_${spec.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;
    check(
      `gateway reaches ${spec.name} through its Service`,
      env[variable] === `http://${spec.name}:${spec.port}/graphql`,
      `${variable}=${env[variable]}`,
    );
  }
}
const hpa = objects.find(({ object }) => object.kind === 'HorizontalPodAutoscaler')?.object;
check(
  'a HorizontalPodAutoscaler scales the gateway Deployment',
  hpa?.spec?.scaleTargetRef?.kind === 'Deployment' && hpa?.spec?.scaleTargetRef?.name === 'gateway',
);

const failed = results.filter((ok) => !ok).length;
console.log(`validate-deploy: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
