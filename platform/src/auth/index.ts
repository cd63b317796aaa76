export { type Caller, isAdmin, isSelfOrAdmin, type Role } from './caller';
export { requireCaller, requireScope } from './require';
export { hasScope, ROLE_SCOPES, Scope } from './scopes';
