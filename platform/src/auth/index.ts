export {
  ACCESS_TOKEN_ALGORITHM,
  type AccessTokenClaims,
  accessTokenClaims,
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_TOKEN_AUDIENCE,
  DEFAULT_TOKEN_ISSUER,
  JWKS_PATH,
} from './access-token';
export { type Caller, isAdmin, isSelfOrAdmin, type Role } from './caller';
export {
  GATEWAY_PROOF_WINDOW_MS,
  GatewayProofError,
  GatewayProofHeader,
  type GatewayRequest,
  hmacSecretsEnv,
  MIN_GATEWAY_SECRET_LENGTH,
  signGatewayRequest,
  type VerifiedGatewayRequest,
  verifyGatewayRequest,
} from './gateway-proof';
export { requireCaller, requireScope } from './require';
export { hasScope, ROLE_SCOPES, Scope } from './scopes';
export { SeenNonces } from './seen-nonces';
