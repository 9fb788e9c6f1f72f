/**
 * The parsed form of a SpiceDB validation file (reference §3): what the loader, the runner
 * and `trellis validate` share. Every element keeps the file position it came from so a
 * failure can be reported as `FILE:LINE: message`.
 */
import type { JsonObject, ObjectRef, Relationship, SubjectRef } from '../core/index.js';

export interface SourceLocation {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

/** A problem found while parsing or running a validation file. */
export interface ValidationProblem {
  readonly at: SourceLocation;
  readonly message: string;
  readonly kind: 'yaml' | 'schema' | 'relationship' | 'assertion' | 'validation';
}

export interface SchemaSource {
  readonly text: string;
  /** Where line 1, column 1 of `text` sits in the file (so schema diagnostics map to file lines). */
  readonly origin: SourceLocation;
  /**
   * Columns to add to a diagnostic's column on line N of the text (the block scalar's indent);
   * 0 for text read from a `schemaFile`.
   */
  readonly indent: number;
}

export interface RelationshipLine {
  readonly relationship: Relationship;
  /** The trimmed line as written. */
  readonly text: string;
  readonly at: SourceLocation;
}

export type AssertionKind = 'assertTrue' | 'assertCaveated' | 'assertFalse';

export interface Assertion {
  readonly kind: AssertionKind;
  /** As written, including any ` with {…}` part (SpiceDB's RelationshipWithContextString). */
  readonly text: string;
  /** May carry a caveat, which the runner reports ("cannot specify a caveat on an assertion"). */
  readonly relationship: Relationship;
  readonly context?: JsonObject;
  readonly at: SourceLocation;
}

export interface ExpectedSubjectRef {
  readonly subject: SubjectRef;
  /** Written with a `[...]` marker. */
  readonly caveated: boolean;
}

/** The `[…]` part of an expected-relations entry. */
export interface ExpectedSubject extends ExpectedSubjectRef {
  /** Subjects excluded from a wildcard: `[user:* - {user:a, user:b[...]}]`. */
  readonly exceptions: readonly ExpectedSubjectRef[];
}

export interface ObjectAndRelation {
  readonly object: ObjectRef;
  readonly relation: string;
}

/** One string of a `validation:` list, e.g. `[user:tom] is <document:x#viewer>`. */
export interface ExpectedEntry {
  readonly text: string;
  /** Absent when the string has no `[…]` part (reported by the runner). */
  readonly subject?: ExpectedSubject;
  /** The `<type:id#rel>` parts, in the order written. */
  readonly resources: readonly ObjectAndRelation[];
  readonly at: SourceLocation;
}

/** One key of the `validation:` map with its expected subjects. */
export interface ExpectedRelations {
  readonly key: ObjectAndRelation;
  readonly text: string;
  readonly entries: readonly ExpectedEntry[];
  readonly at: SourceLocation;
}

export interface ValidationFile {
  readonly path: string;
  /** Inline `schema:` or the resolved `schemaFile:` (absent only when neither was given). */
  readonly schema?: SchemaSource;
  /** The `schemaFile:` value as written and where, when used (resolved by the loader). */
  readonly schemaFile?: { readonly path: string; readonly at: SourceLocation };
  readonly relationships: readonly RelationshipLine[];
  readonly assertions: readonly Assertion[];
  readonly validation: readonly ExpectedRelations[];
}
