import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { encodeCursor, readPageArgs, toConnection } from '../src/pagination';

const cursor = z.tuple([z.number(), z.string()]);

describe('readPageArgs', () => {
  it('defaults first and accepts a well-formed cursor', () => {
    expect(readPageArgs({}, cursor)).toEqual({ first: 20, after: null });
    expect(readPageArgs({ first: 100, after: encodeCursor([5, 'a']) }, cursor)).toEqual({
      first: 100,
      after: [5, 'a'],
    });
  });

  it('names the argument that is wrong', () => {
    for (const [args, field] of [
      [{ first: 101 }, 'first'],
      [{ first: -1 }, 'first'],
      [{ after: '%%%' }, 'after'],
      [{ after: encodeCursor({ id: 1 }) }, 'after'],
      [{ after: encodeCursor(['5', 'a']) }, 'after'],
    ] as const) {
      expect(() => readPageArgs(args, cursor)).toThrowError(
        expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field } }),
      );
    }
  });
});

describe('toConnection', () => {
  it('uses the extra row only to tell that a next page exists', () => {
    const page = { first: 2, after: null };
    const connection = toConnection([{ id: 1 }, { id: 2 }, { id: 3 }], page, (row) => [row.id], 3);
    expect(connection.edges.map((edge) => edge.node.id)).toEqual([1, 2]);
    expect(connection.pageInfo).toMatchObject({
      hasNextPage: true,
      hasPreviousPage: false,
      endCursor: encodeCursor([2]),
    });
    expect(toConnection([], page, () => [], 0).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });
});
