export { type Caller, isAdmin, isSelfOrAdmin, type Role } from './caller';
