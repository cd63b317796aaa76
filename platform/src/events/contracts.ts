import { type DescFile, type DescMessage, getOption } from '@bufbuild/protobuf';
import { file_inventory } from './__generated__/inventory_pb';
import { event_type } from './__generated__/options_pb';
import { file_orders } from './__generated__/orders_pb';
import { file_payments } from './__generated__/payments_pb';
import { file_products } from './__generated__/products_pb';

/** A generated message schema (`OrderPlacedSchema`): what `eventNamed` takes. */
export type EventSchema = DescMessage;

/** Which event a message of schema/events is: who writes it, its name on the bus, its version. */
export interface EventName {
  producer: string;
  type: string;
  version: number;
}

// shop.<producer>.v<version>: the package a producing service's events live in.
const EVENT_PACKAGE = /^shop\.([a-z][a-z0-9-]*)\.v([1-9][0-9]*)$/;

/**
 * The event a generated message describes, or undefined when it is no event (a part of one,
 * like Money): its `(shop.events.v1.event_type)` option names it, its package gives the producer
 * and the version.
 */
export function eventOf(schema: DescMessage): EventName | undefined {
  const type = getOption(schema, event_type);
  if (type === '') return undefined;
  const match = EVENT_PACKAGE.exec(schema.file.proto.package);
  if (!match?.[1] || !match[2])
    throw new Error(`${schema.typeName} is an event outside a shop.<producer>.v<version> package`);
  return { producer: match[1], type, version: Number(match[2]) };
}

/** The files of schema/events that hold events, one per producing service. */
const EVENT_FILES: readonly DescFile[] = [file_products, file_inventory, file_orders, file_payments];

/** Every event message of schema/events, with its name. */
export const EVENT_CONTRACTS: readonly { schema: DescMessage; event: EventName }[] = EVENT_FILES.flatMap(
  (file) =>
    file.messages.flatMap((schema) => {
      const event = eventOf(schema);
      return event ? [{ schema, event }] : [];
    }),
);

/**
 * The name of the event `schema` describes and the message itself, for `defineEvent`; a message
 * that is no event is a mistake caught at start.
 */
export function eventNamed(schema: DescMessage): EventName & { schema: DescMessage } {
  const event = eventOf(schema);
  if (!event) throw new Error(`${schema.typeName} is no event: it has no (shop.events.v1.event_type) option`);
  return { ...event, schema };
}
