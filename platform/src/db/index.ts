export { type ConstraintViolation, constraintViolation } from './constraint-violation';
export { connectDatabase, type Database, type DatabaseHandle, describeConnectionError } from './database';
export { afterKey } from './keyset';
export { applyMigrations } from './migrate';
export { provisionServiceDatabase, serviceDatabaseUrl } from './provision';
