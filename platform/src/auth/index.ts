export { type Caller, isAdmin, isSelfOrAdmin, type Role } from './caller';
export { hasScope, ROLE_SCOPES, Scope } from './scopes';
