import type { Attributes } from '@opentelemetry/api';
import { endWhenSettled, tracer } from './propagation';

/**
 * A step inside one service (the gateway's fetch of one subgraph, for instance) as a span of its
 * own, active while `work` runs so the calls it makes are its children; an error status when it throws.
 */
export function traceStep<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, (span) => endWhenSettled(span, work));
}
