/**
 * Hand-written request validation: the rules SpiceDB carries in protovalidate annotations
 * (reference §1.3), which our .proto files drop. Every failure is an InvalidArgumentError
 * naming the field, which maps to a plain INVALID_ARGUMENT status.
 */
import {
  FILTER_ID_RE,
  InvalidArgumentError,
  MAX_OBJECT_ID_BYTES,
  MAX_RELATION_NAME_BYTES,
  MAX_TYPE_NAME_BYTES,
  OBJECT_ID_RE,
  RELATION_NAME_RE,
  TYPE_NAME_RE,
} from '../../core/index.js';

export const MAX_CURSOR_BYTES = 102_400;
export const MAX_SCHEMA_BYTES = 4_194_304;
export const MAX_TRANSACTION_METADATA_BYTES = 65_000;
/** Watch `optional_object_types` uses a slightly different pattern than object types. */
const WATCH_TYPE_RE = /^([a-z][a-z0-9_]{1,62}[a-z0-9]\/)*[a-z][a-z0-9_]{1,62}[a-z0-9]$/;

function fail(field: string, what: string): never {
  throw new InvalidArgumentError(`invalid ${field}: ${what}`, field);
}

function pattern(field: string, value: string, re: RegExp, maxBytes: number): string {
  if (Buffer.byteLength(value) > maxBytes) fail(field, `value length must be at most ${maxBytes} bytes`);
  if (!re.test(value)) fail(field, `value does not match regex pattern \`${re.source}\``);
  return value;
}

export function requireMessage<T>(value: T | undefined, field: string): T {
  if (value === undefined) fail(field, 'value is required');
  return value;
}

export function validateTypeName(value: string, field: string): string {
  return pattern(field, value, TYPE_NAME_RE, MAX_TYPE_NAME_BYTES);
}

/** `RelationshipFilter.resource_type` and friends: a type name or empty. */
export function validateOptionalTypeName(value: string, field: string): string | undefined {
  return value === '' ? undefined : validateTypeName(value, field);
}

export function validateRelationName(value: string, field: string): string {
  return pattern(field, value, RELATION_NAME_RE, MAX_RELATION_NAME_BYTES);
}

export function validateOptionalRelationName(value: string, field: string): string | undefined {
  return value === '' ? undefined : validateRelationName(value, field);
}

export function validateObjectId(value: string, field: string, allowWildcard: boolean): string {
  pattern(field, value, OBJECT_ID_RE, MAX_OBJECT_ID_BYTES);
  if (!allowWildcard && value === '*') fail(field, 'value cannot be a wildcard (`*`)');
  return value;
}

/** Filter ids and id prefixes: the id alphabet, possibly empty, never a wildcard. */
export function validateFilterId(value: string, field: string): string | undefined {
  pattern(field, value, FILTER_ID_RE, MAX_OBJECT_ID_BYTES);
  return value === '' ? undefined : value;
}

export function validateCaveatName(value: string, field: string): string {
  const re = /^([a-zA-Z0-9_][a-zA-Z0-9/_|-]{0,127})$/;
  if (Buffer.byteLength(value) > 128 || !re.test(value)) {
    fail(field, `value does not match regex pattern \`${re.source}\``);
  }
  return value;
}

export function validateWatchType(value: string, field: string): string {
  return pattern(field, value, WATCH_TYPE_RE, MAX_TYPE_NAME_BYTES);
}

export function validateToken(value: string, field: string): string {
  if (value.length === 0) fail(field, 'value length must be at least 1 bytes');
  return value;
}

export function validateCursor(value: string, field: string): string {
  if (value.length === 0) fail(field, 'value length must be at least 1 bytes');
  if (Buffer.byteLength(value) > MAX_CURSOR_BYTES) fail(field, `value length must be at most ${MAX_CURSOR_BYTES} bytes`);
  return value;
}

export function validateSchemaSize(text: string): string {
  if (Buffer.byteLength(text) > MAX_SCHEMA_BYTES)
    fail('WriteSchemaRequest.schema', `value length must be at most ${MAX_SCHEMA_BYTES} bytes`);
  return text;
}

export function validateDefinedEnum(value: number, max: number, field: string): number {
  if (value === 0) fail(field, 'value must not be in list [0]');
  if (value < 0 || value > max) fail(field, 'value must be one of the defined enum values');
  return value;
}
