import { GraphQLError } from 'graphql';

/** The codes of the planning budget, named as the operation limits' (`MAX_DEPTH_LIMIT`, …). */
export const PLANNING_LIMIT_CODES = ['MAX_PLANNING_TIME_LIMIT', 'MAX_PLAN_SIZE_LIMIT'] as const;
export type PlanningLimitCode = (typeof PLANNING_LIMIT_CODES)[number];

/** When every planner is busy and the queue is full: the gateway's state, not the operation's fault. */
export const PLANNER_BUSY_CODE = 'QUERY_PLANNER_BUSY';

/** An operation whose plan went over the planning budget: the client's to change, so a 400. */
export class PlanRefused extends GraphQLError {
  constructor(
    readonly code: PlanningLimitCode,
    message: string,
    readonly limit: number,
  ) {
    super(message, { extensions: { code, limit, http: { status: 400 } } });
  }

  static overTime(limitMs: number): PlanRefused {
    return new PlanRefused(
      'MAX_PLANNING_TIME_LIMIT',
      `Planning the operation took longer than ${limitMs} ms, the most allowed. Ask for fewer fields or fewer levels.`,
      limitMs,
    );
  }

  static overSize(limitBytes: number): PlanRefused {
    return new PlanRefused(
      'MAX_PLAN_SIZE_LIMIT',
      `The operation's query plan is larger than ${limitBytes} bytes, the most allowed. Ask for fewer fields or fewer levels.`,
      limitBytes,
    );
  }
}

/** No planner could take the operation now; asking again later may work. */
export function plannerBusy(): GraphQLError {
  return new GraphQLError('The gateway is planning too many operations; try again shortly.', {
    extensions: { code: PLANNER_BUSY_CODE, http: { status: 503 } },
  });
}
