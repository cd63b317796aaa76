import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EventName } from '@shop/platform/events';
import type { ServiceSpec } from '../services';
import { capped, plural, type StepResult } from './report';

/** What one service says it writes and reads, from its src/events.ts. */
export interface ServiceEventNames {
  service: string;
  publishes: EventName[];
  consumes: EventName[];
}

const named = (event: EventName) => `${event.producer}/${event.type}@${event.version}`;

/**
 * Every event a service consumes is published by its producer, and every event published or
 * consumed has its message in schema/events: a consumer waiting for an event nobody sends, or
 * an event without a contract, fails.
 */
export function checkEventProducers(
  services: readonly ServiceEventNames[],
  contracts: readonly EventName[],
  verbose: boolean,
): StepResult {
  const name = 'event schemas: producers';
  const contracted = new Set(contracts.map(named));
  const published = new Map<string, string>();
  for (const { service, publishes } of services)
    for (const event of publishes) published.set(named(event), service);
  const problems: string[] = [];
  for (const { service, publishes, consumes } of services) {
    for (const event of publishes)
      if (!contracted.has(named(event)))
        problems.push(`${service} publishes ${named(event)}, which has no message in schema/events`);
    for (const event of consumes) {
      if (!contracted.has(named(event)))
        problems.push(`${service} consumes ${named(event)}, which has no message in schema/events`);
      if (published.get(named(event)) !== event.producer)
        problems.push(`${service} consumes ${named(event)}, which ${event.producer} does not publish`);
    }
  }
  const consumed = services.reduce((count, service) => count + service.consumes.length, 0);
  if (problems.length === 0)
    return {
      name,
      status: 'pass',
      summary: `${plural(published.size, 'published event')}, each in schema/events; ${plural(consumed, 'consumed event')}, each published by its producer`,
      details: [],
    };
  return {
    name,
    status: 'fail',
    summary: plural(problems.length, 'problem'),
    details: verbose ? problems : capped(problems, 20, 'problems'),
  };
}

interface EventsModule {
  publishes?: readonly EventName[];
  consumes?: readonly { event: EventName }[];
  /** A service whose handlers need its dependencies builds them; building them calls nothing. */
  consumersWith?: (...dependencies: never[]) => readonly { event: EventName }[];
}

/** Each service's src/events.ts, imported: its `publishes` and its handlers' events. */
export async function readServiceEventNames(
  root: string,
  specs: readonly ServiceSpec[],
): Promise<ServiceEventNames[]> {
  const services: ServiceEventNames[] = [];
  for (const spec of specs) {
    const file = join(root, spec.dir, 'src/events.ts');
    if (!existsSync(file)) continue;
    const module = (await import(pathToFileURL(file).href)) as EventsModule;
    const handlers = module.consumes ?? module.consumersWith?.() ?? [];
    services.push({
      service: spec.name,
      publishes: (module.publishes ?? []).map(({ producer, type, version }) => ({ producer, type, version })),
      consumes: handlers.map(({ event: { producer, type, version } }) => ({ producer, type, version })),
    });
  }
  return services;
}
