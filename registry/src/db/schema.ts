import type { SchemaChange } from '@shop/platform/schema';
import { bigint, index, jsonb, pgTable, primaryKey, serial, text, timestamp } from 'drizzle-orm/pg-core';

/** A subgraph the registry knows: made when its first token is created; only its tokens publish it. */
export const subgraphs = pgTable('subgraphs', {
  name: text('name').primaryKey(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/** Publish tokens, one subgraph each; only a sha256 of the token is kept. */
export const tokens = pgTable(
  'tokens',
  {
    id: serial('id').primaryKey(),
    subgraph: text('subgraph')
      .notNull()
      .references(() => subgraphs.name),
    label: text('label').notNull(),
    hash: text('hash').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
  },
  (table) => [index('tokens_subgraph_idx').on(table.subgraph)],
);

/** One subgraph as a version holds it. */
export interface PublishedSubgraph {
  name: string;
  url: string;
  sdl: string;
}

/** Every supergraph the registry composed, newest last: the history, and the live one (the last). */
export const versions = pgTable('versions', {
  id: serial('id').primaryKey(),
  /** sha256 of the supergraph SDL: its ETag. */
  hash: text('hash').notNull(),
  supergraphSdl: text('supergraph_sdl').notNull(),
  apiSdl: text('api_sdl').notNull(),
  subgraphs: jsonb('subgraphs').$type<PublishedSubgraph[]>().notNull(),
  /** The subgraph whose publish made this version. */
  subgraph: text('subgraph').notNull(),
  /** Who published: the token's label. */
  publisher: text('publisher').notNull(),
  /** The commit the SDL came from, when the publisher said. */
  commit: text('commit'),
  /** The API schema's changes from the previous version. */
  changes: jsonb('changes').$type<SchemaChange[]>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/** An operation clients sent (or the CLI recorded), by its signature's hash, with the coordinates it uses. */
export const operations = pgTable(
  'operations',
  {
    hash: text('hash').primaryKey(),
    name: text('name'),
    signature: text('signature').notNull(),
    coordinates: text('coordinates').array().notNull(),
    lastSeen: timestamp('last_seen', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [index('operations_coordinates_idx').using('gin', table.coordinates)],
);

/** Requests per operation, client and hour: what checks weigh changes by; pruned after USAGE_RETENTION_DAYS. */
export const usageHourly = pgTable(
  'usage_hourly',
  {
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    operationHash: text('operation_hash')
      .notNull()
      .references(() => operations.hash, { onDelete: 'cascade' }),
    clientName: text('client_name').notNull(),
    clientVersion: text('client_version').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    errors: bigint('errors', { mode: 'number' }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.hour, table.operationHash, table.clientName, table.clientVersion] }),
    index('usage_hourly_operation_idx').on(table.operationHash),
  ],
);

export const tables = { subgraphs, tokens, versions, operations, usageHourly };
export type Tables = typeof tables;
