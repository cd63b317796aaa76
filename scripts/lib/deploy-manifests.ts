import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Adds a subgraph to the Kubernetes base (`deploy/base`) by copying another subgraph's manifest
 * (its Deployment and Service) with the name and port rewritten, listing it in
 * `kustomization.yaml` and telling the gateway where it is (`SUBGRAPH_<NAME>_URL`).
 */
export function addDeployService(
  baseDir: string,
  template: { name: string; port: number },
  added: { name: string; port: number },
): void {
  const manifest = join(baseDir, `${added.name}.yaml`);
  if (existsSync(manifest)) throw new Error(`deploy/base already has ${added.name}.yaml`);
  const templateText = readFileSync(join(baseDir, `${template.name}.yaml`), 'utf8');
  const copied = templateText
    // The template's description (its first comment line) is not the new service's.
    .replace(/^# .*$/m, `# The ${added.name} subgraph.`)
    .replace(new RegExp(`\\b${template.name}\\b`, 'g'), added.name)
    .replace(new RegExp(`\\b${template.port}\\b`, 'g'), String(added.port));
  writeFileSync(manifest, copied);

  const kustomization = join(baseDir, 'kustomization.yaml');
  const resources = readFileSync(kustomization, 'utf8');
  const templateEntry = new RegExp(`^(\\s*)- ${template.name}\\.yaml$`, 'm');
  if (!templateEntry.test(resources))
    throw new Error(`kustomization.yaml does not list ${template.name}.yaml`);
  writeFileSync(
    kustomization,
    resources.replace(templateEntry, (line, indent) => `${line}\n${indent}- ${added.name}.yaml`),
  );

  const gateway = join(baseDir, 'gateway.yaml');
  const variable = (name: string) => `SUBGRAPH_${name.toUpperCase().replaceAll('-', '_')}_URL`;
  const gatewayText = readFileSync(gateway, 'utf8');
  const templateUrl = new RegExp(`^(\\s*)- name: ${variable(template.name)}\\n\\s*value: .*$`, 'm');
  if (!templateUrl.test(gatewayText)) throw new Error(`gateway.yaml does not set ${variable(template.name)}`);
  writeFileSync(
    gateway,
    gatewayText.replace(
      templateUrl,
      (entry, indent) =>
        `${entry}\n${indent}- name: ${variable(added.name)}\n${indent}  value: http://${added.name}:${added.port}/graphql`,
    ),
  );
}
