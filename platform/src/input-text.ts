import { defaultFieldResolver, type GraphQLSchema, isObjectType } from 'graphql';
import { badUserInput } from './errors';

// C0 controls but tab, line feed and carriage return (free text has lines), DEL and C1 controls:
// nothing a person types, and NUL fails in Postgres.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** Where in `value` (arguments, as coerced) a string holds a control character: `input.lines[2].productId`, or null. */
export function controlCharacterField(value: unknown, field = ''): string | null {
  if (typeof value === 'string') return CONTROL_CHARACTER.test(value) ? field : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = controlCharacterField(item, `${field}[${index}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = controlCharacterField(item, field === '' ? key : `${field}.${key}`);
      if (found !== null) return found;
    }
  }
  return null;
}

/**
 * Every field of `schema` that takes arguments refuses a control character in any of them,
 * before its resolver runs, as BAD_USER_INPUT naming the argument: such text never reaches a
 * domain function, a database or a log line. Changes `schema` in place and returns it.
 */
export function refuseControlCharacters(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        const where = controlCharacterField(args);
        if (where !== null) throw badUserInput(where, `${where} must not contain control characters.`);
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
