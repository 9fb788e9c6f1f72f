/** Request size limits of the write and read paths, with SpiceDB's defaults (reference §5.7). */

export interface Limits {
  /** Updates per write call (`--write-relationships-max-updates-per-call`). */
  readonly maxUpdates: number;
  readonly maxPreconditions: number;
  /** ReadRelationships `optional_limit`. */
  readonly maxReadLimit: number;
  /** DeleteRelationships `optional_limit`. */
  readonly maxDeleteLimit: number;
  /** LookupResources `optional_limit`. */
  readonly maxLookupLimit: number;
  readonly maxBulkChecks: number;
  /** ExportBulkRelationships page size. */
  readonly maxExportPage: number;
  /** Caveat context stored with one relationship, in bytes of JSON. */
  readonly maxRelationshipContextBytes: number;
  /** Caveat context sent with a check or lookup, in bytes of JSON. */
  readonly maxRequestContextBytes: number;
  readonly maxSchemaBytes: number;
  /** Transaction metadata of a write, in bytes of JSON. */
  readonly maxMetadataBytes: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxUpdates: 1000,
  maxPreconditions: 1000,
  maxReadLimit: 1000,
  maxDeleteLimit: 1000,
  maxLookupLimit: 1000,
  maxBulkChecks: 10_000,
  maxExportPage: 10_000,
  maxRelationshipContextBytes: 25_000,
  maxRequestContextBytes: 4096,
  maxSchemaBytes: 4 * 1024 * 1024,
  maxMetadataBytes: 65_000,
});

export function resolveLimits(overrides: Partial<Limits> | undefined): Limits {
  return Object.freeze({ ...DEFAULT_LIMITS, ...(overrides ?? {}) });
}

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}
