export { type ChangeListener, ChangeNotifications, notifyOnCommit } from './change-notifications';
export { type ConstraintViolation, constraintViolation } from './constraint-violation';
export { connectDatabase, type Database, type DatabaseHandle, describeConnectionError } from './database';
export { type FirstPerParentQuery, firstPerParent } from './first-per-parent';
export { afterKey } from './keyset';
export { applyMigrations, migrateDatabase } from './migrate';
export { provisionServiceDatabase, serviceDatabaseUrl } from './provision';
export { lockUntilCommit } from './transaction-lock';
