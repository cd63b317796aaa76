import type { GraphQLFormattedError } from 'graphql';

// graphql-js ends its messages with "Did you mean …?" wherever it knows similar names.
const SUGGESTION = / ?Did you mean [^?]*\?/g;

/** The message without its "Did you mean …?" hints: in production they spell out the schema to whoever probes it. */
export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * Apollo's `hideSchemaDetailsFromClientErrors` only cleans validation errors; a variable's value
 * is checked later (a misspelt input field, an unknown enum value), so every error is cleaned here.
 */
export function hidingSuggestions(hide: boolean, formatError: FormatError): FormatError {
  if (!hide) return formatError;
  return (formatted, error) => {
    const result = formatError(formatted, error);
    return { ...result, message: withoutSuggestions(result.message) };
  };
}
