export { discardBody, readBody, refuseRequest } from './body';
export { clientAddressOf } from './client-address';
export { freePort } from './free-port';
export {
  createGraphQLHandler,
  type GraphQLHandlerOptions,
  type GraphQLHttpServer,
  type ReceivedRequest,
} from './graphql-handler';
export { assertJsonDepth, MAX_JSON_DEPTH } from './json-depth';
export { operationalRoutes, type ReadinessCheck } from './operational-routes';
export { HttpError, sendGraphQLHttpError, sendJson } from './respond';
export { createHttpServer, type HttpServerOptions, listen, type RouteHandler, type Routes } from './server';
