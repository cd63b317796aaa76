import { loadStorefrontConfig } from './config';
import { startStorefrontServer } from './static-server';

// `npm start -w apps/storefront` and the storefront image: the built app behind a small static server.
const config = loadStorefrontConfig();
const server = await startStorefrontServer({
  distDir: config.STOREFRONT_DIST,
  gatewayUrl: config.GATEWAY_URL,
  port: config.PORT,
});
console.info(
  JSON.stringify({ level: 'info', msg: `storefront on ${server.url}, gateway ${config.GATEWAY_URL}` }),
);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
