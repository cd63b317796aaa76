/** The Postgres error codes a domain function may turn into a client error. */
const CONSTRAINT_VIOLATIONS = {
  '23505': 'unique',
  '23503': 'foreign-key',
  '23514': 'check',
} as const;

export interface ConstraintViolation {
  kind: (typeof CONSTRAINT_VIOLATIONS)[keyof typeof CONSTRAINT_VIOLATIONS];
  constraint: string;
}

/**
 * The constraint a failed statement violated, if that is why it failed. Lets a domain function
 * answer a race the database settled (two sign-ups, two reviews) with CONFLICT instead of a
 * check-then-insert that races. Looks through Drizzle's wrapper to the driver's error.
 */
export function constraintViolation(error: unknown): ConstraintViolation | null {
  for (let current = error, depth = 0; current && depth < 3; depth += 1) {
    const { code, constraint_name: constraint } = current as { code?: unknown; constraint_name?: unknown };
    if (typeof code === 'string' && code in CONSTRAINT_VIOLATIONS && typeof constraint === 'string') {
      return { kind: CONSTRAINT_VIOLATIONS[code as keyof typeof CONSTRAINT_VIOLATIONS], constraint };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
