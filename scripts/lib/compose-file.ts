import { type Document, isMap, isScalar, isSeq, type Node, parseDocument, type YAMLMap } from 'yaml';

/**
 * Adds a service to a Docker Compose file by copying an existing subgraph's entry: every
 * mention of the template (its name, its port, its upper-case variables) is rewritten for the
 * new subgraph, and wherever another entry mentions the template (the gateway's
 * SUBGRAPH_<NAME>_URL, its depends_on, a volume) a matching mention of the new one is added.
 * Comments and layout of the rest of the file are kept.
 */
export function addComposeService(
  text: string,
  template: { name: string; port: number },
  added: { name: string; port: number },
): string {
  const document = parseDocument(text);
  const services = document.get('services', true);
  if (!isMap(services)) throw new Error('compose.yaml has no services map');
  const templateService = services.get(template.name, true);
  if (!isMap(templateService)) throw new Error(`compose.yaml has no service named ${template.name} to copy`);
  if (services.has(added.name)) throw new Error(`compose.yaml already has a service named ${added.name}`);
  const rewrite = rewriter(template, added);

  for (const pair of [...services.items]) {
    if (pair.value === templateService || !isMap(pair.value)) continue;
    addMentions(pair.value, rewrite, document);
  }
  for (const key of ['volumes', 'secrets', 'configs']) {
    const section = document.get(key, true);
    if (isMap(section)) addMentions(section, rewrite, document);
  }
  services.set(added.name, withoutTemplateOnly(cloneWith(templateService, rewrite, document)));
  // No folding of long lines, no padding in [flow, lists]: the rest of the file keeps its layout.
  return document.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/**
 * Settings that belong to one service and are not copied with it: accounts' signing keys and
 * its demo admin's password (the first subgraph in the file, accounts, is usually the template).
 */
const TEMPLATE_ONLY = /^(JWT_SIGNING_KEYS|SEED_ADMIN_PASSWORD)(_FILE)?$/;

function withoutTemplateOnly(service: Node): Node {
  const environment = isMap(service) ? service.get('environment', true) : undefined;
  if (isMap(environment))
    for (const pair of [...environment.items])
      if (isScalar(pair.key) && TEMPLATE_ONLY.test(String(pair.key.value))) environment.delete(pair.key);
  return service;
}

type Rewrite = (value: string) => string;

function rewriter(template: { name: string; port: number }, added: { name: string; port: number }): Rewrite {
  const variants: [RegExp, string][] = [
    [new RegExp(`\\b${template.port}\\b`, 'g'), String(added.port)],
    [
      wordPattern(template.name.toUpperCase().replace(/-/g, '_')),
      added.name.toUpperCase().replace(/-/g, '_'),
    ],
    [wordPattern(template.name.replace(/-/g, '_')), added.name.replace(/-/g, '_')],
    [wordPattern(template.name), added.name],
  ];
  return (value) =>
    variants.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), value);
}

// Names inside identifiers too (SUBGRAPH_PRODUCTS_URL, products-db), but not inside other words.
function wordPattern(word: string): RegExp {
  return new RegExp(`(?<![A-Za-z0-9])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`, 'g');
}

function mentions(node: unknown, rewrite: Rewrite): boolean {
  if (isScalar(node)) return typeof node.value === 'string' && rewrite(node.value) !== node.value;
  if (isMap(node))
    return node.items.some((pair) => mentions(pair.key, rewrite) || mentions(pair.value, rewrite));
  if (isSeq(node)) return node.items.some((item) => mentions(item, rewrite));
  return false;
}

function cloneWith(node: Node, rewrite: Rewrite, document: Document): Node {
  return document.createNode(rewriteValue(node.toJSON(), rewrite));
}

function rewriteValue(value: unknown, rewrite: Rewrite): unknown {
  if (typeof value === 'string') return rewrite(value);
  if (Array.isArray(value)) return value.map((item) => rewriteValue(item, rewrite));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [rewrite(key), rewriteValue(item, rewrite)]),
    );
  return value;
}

/** In a map of another service (or a top-level section), copy each entry that mentions the template. */
function addMentions(map: YAMLMap, rewrite: Rewrite, document: Document): void {
  for (const pair of [...map.items]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key !== undefined && rewrite(key) !== key) {
      if (!map.has(rewrite(key))) map.set(rewrite(key), cloneWith(pair.value as Node, rewrite, document));
      continue;
    }
    if (isMap(pair.value)) addMentions(pair.value, rewrite, document);
    else if (isSeq(pair.value)) {
      const items = [...pair.value.items];
      for (const item of items) {
        if (!mentions(item, rewrite)) continue;
        const copy = cloneWith(item as Node, rewrite, document);
        if (
          !items.some(
            (existing) => JSON.stringify((existing as Node).toJSON()) === JSON.stringify(copy.toJSON()),
          )
        )
          pair.value.add(copy);
      }
    }
  }
}
