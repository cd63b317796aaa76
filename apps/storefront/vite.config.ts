import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import {
  isPicturePath,
  PICTURE_HEADERS,
  parsePictureRequest,
  renderProductPicture,
} from './server/product-picture';
import { parseRequestTarget } from './server/request-target';

// `npm run dev -w apps/storefront`: hot reload against the gateway of `npm start` (:4000).
const DEV_GATEWAY_URL = 'http://localhost:4000/graphql';

export default defineConfig({
  plugins: [
    react(),
    {
      name: 'shop-gateway-url',
      apply: 'serve',
      transformIndexHtml: (html) => html.replace('%SHOP_GATEWAY_URL%', DEV_GATEWAY_URL),
    },
    {
      // Hot reload draws products' pictures as the storefront's server does.
      name: 'shop-product-pictures',
      apply: 'serve',
      configureServer: (server) =>
        server.middlewares.use((request, response, next) => {
          const target = parseRequestTarget(request.url);
          if (!target || !isPicturePath(target.path)) return next();
          const parsed = parsePictureRequest(target.path, target.query);
          if ('error' in parsed) response.writeHead(400).end(parsed.error);
          else response.writeHead(200, PICTURE_HEADERS).end(renderProductPicture(parsed.picture));
        }),
    },
  ],
  // The root node_modules holds React 18 (GraphiQL's); Apollo Client, hoisted there, must get this app's React 19.
  resolve: { dedupe: ['react', 'react-dom'] },
  server: { port: 3000, strictPort: true },
  build: { outDir: 'dist', assetsDir: 'assets', sourcemap: false },
});
