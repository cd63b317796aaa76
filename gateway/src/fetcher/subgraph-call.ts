import { AsyncLocalStorage } from 'node:async_hooks';
import type { Caller } from '@shop/platform/auth';

/** What the layers under a data source must know of the call being sent, which a fetch's (url, init) cannot carry. */
export interface SubgraphCall {
  /** A query (safe to retry, to share with an identical one in flight); false for a mutation. */
  idempotent: boolean;
  /** On whose behalf the gateway asks: signed into the gateway's proof. */
  caller: Caller | null;
  clientAddress: string | null;
}

// One store for every subgraph and every version of the supergraph: each AsyncLocalStorage in
// use adds to the cost of every promise the process makes, for as long as the process lives.
const calls = new AsyncLocalStorage<SubgraphCall>();

/** Loading a subgraph's SDL and health checks: reads, on nobody's behalf. */
const GATEWAY_OWN_CALL: SubgraphCall = { idempotent: true, caller: null, clientAddress: null };

export function withSubgraphCall<T>(call: SubgraphCall, send: () => T): T {
  return calls.run(call, send);
}

export function currentSubgraphCall(): SubgraphCall {
  return calls.getStore() ?? GATEWAY_OWN_CALL;
}
