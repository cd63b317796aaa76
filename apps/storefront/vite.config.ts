import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

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
  ],
  // The root node_modules holds React 18 (GraphiQL's); Apollo Client, hoisted there, must get this app's React 19.
  resolve: { dedupe: ['react', 'react-dom'] },
  server: { port: 3000, strictPort: true },
  build: { outDir: 'dist', assetsDir: 'assets', sourcemap: false },
});
