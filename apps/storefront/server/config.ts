import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The storefront server's settings, read once. */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** The gateway's GraphQL endpoint as the browser reaches it: a URL, or a path behind the same host (`/graphql`). */
  GATEWAY_URL: z
    .string()
    .regex(/^(https?:\/\/|\/)\S*$/, 'must be an http(s) URL or a path such as /graphql')
    .default('http://localhost:4000/graphql'),
  /** The built app (`npm run build -w apps/storefront`). */
  STOREFRONT_DIST: z
    .string()
    .min(1)
    .default(fileURLToPath(new URL('../dist', import.meta.url))),
});

export type StorefrontConfig = z.infer<typeof schema>;

export function loadStorefrontConfig(env: NodeJS.ProcessEnv = process.env): StorefrontConfig {
  return schema.parse(env);
}
