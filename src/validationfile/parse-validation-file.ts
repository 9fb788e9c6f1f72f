/**
 * Parses validation YAML (reference §3.1-3.4) with the `yaml` package, keeping node
 * positions so every problem names its file and line. Parsing never throws: problems are
 * collected and returned, and `file` is absent when any was found.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node, Pair, Scalar } from 'yaml';
import { parseRelationship, relationshipKey } from '../core/index.js';
import type { JsonObject } from '../core/index.js';
import { parseExpectedEntry, parseObjectAndRelation } from './expected-relations.js';
import type {
  Assertion,
  AssertionKind,
  ExpectedEntry,
  ExpectedRelations,
  RelationshipLine,
  SchemaSource,
  SourceLocation,
  ValidationFile,
  ValidationProblem,
} from './types.js';

const ASSERTION_KINDS: readonly AssertionKind[] = ['assertTrue', 'assertCaveated', 'assertFalse'];
const LEGACY_KEYS = new Set(['namespace_configs', 'relation_tuples', 'validation_tuples']);
const KNOWN_KEYS = new Set(['schema', 'schemaFile', 'relationships', 'assertions', 'validation']);

export interface ParseResult {
  readonly file?: ValidationFile;
  readonly problems: readonly ValidationProblem[];
}

class Parser {
  readonly problems: ValidationProblem[] = [];
  private readonly lines = new LineCounter();

  constructor(
    private readonly text: string,
    private readonly path: string,
  ) {}

  at(offset: number): SourceLocation {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.path, line: Math.max(line, 1), column: Math.max(col, 1) };
  }

  nodeAt(node: Node | null | undefined, fallback: number): SourceLocation {
    return this.at(node?.range?.[0] ?? fallback);
  }

  problem(at: SourceLocation, kind: ValidationProblem['kind'], message: string): void {
    this.problems.push({ at, kind, message });
  }

  run(): ParseResult {
    const doc = parseDocument(this.text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    for (const err of doc.errors) {
      this.problem(this.at(err.pos[0]), 'yaml', `error parsing YAML: ${err.message.split('\n')[0] ?? err.message}`);
    }
    if (doc.errors.length > 0) return { problems: this.problems };
    const root = doc.contents;
    if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
      return { file: { path: this.path, relationships: [], assertions: [], validation: [] }, problems: [] };
    }
    if (!isMap(root)) {
      this.problem(this.nodeAt(root, 0), 'yaml', 'expected a YAML mapping at the top level');
      return { problems: this.problems };
    }

    let schema: SchemaSource | undefined;
    let schemaFile: ValidationFile['schemaFile'];
    let relationships: RelationshipLine[] = [];
    let assertions: Assertion[] = [];
    let validation: ExpectedRelations[] = [];
    let schemaKeyAt: SourceLocation | undefined;

    for (const pair of root.items as Pair<unknown, unknown>[]) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      const keyAt = this.nodeAt(keyNode, 0);
      const value = pair.value as Node | null;
      if (LEGACY_KEYS.has(key)) {
        this.problem(keyAt, 'yaml', `the legacy key \`${key}\` is not supported; use \`schema\` and \`relationships\``);
        continue;
      }
      if (!KNOWN_KEYS.has(key)) continue; // go-yaml ignores unknown fields, and so do we
      switch (key) {
        case 'schema':
        case 'schemaFile': {
          const text = this.stringValue(value, key, keyAt);
          if (text === undefined) break;
          if (schemaKeyAt) {
            this.problem(keyAt, 'yaml', 'only one of schema or schemaFile can be specified');
            break;
          }
          schemaKeyAt = keyAt;
          if (key === 'schema') schema = this.schemaSource(value as Scalar, text);
          else schemaFile = { path: text, at: this.nodeAt(value, 0) };
          break;
        }
        case 'relationships':
          relationships = this.relationships(value, keyAt);
          break;
        case 'assertions':
          assertions = this.assertions(value, keyAt);
          break;
        case 'validation':
          validation = this.validation(value, keyAt);
          break;
      }
    }
    if (this.problems.length > 0) return { problems: this.problems };
    return {
      file: {
        path: this.path,
        ...(schema ? { schema } : {}),
        ...(schemaFile ? { schemaFile } : {}),
        relationships,
        assertions,
        validation,
      },
      problems: [],
    };
  }

  private isNull(value: Node | null): boolean {
    return value === null || (isScalar(value) && value.value === null);
  }

  private stringValue(value: Node | null, key: string, keyAt: SourceLocation): string | undefined {
    if (this.isNull(value)) return '';
    if (!isScalar(value) || typeof value.value !== 'string') {
      this.problem(this.nodeAt(value, 0) ?? keyAt, 'yaml', `\`${key}\` must be a string`);
      return undefined;
    }
    return value.value;
  }

  /** Line 1 of a block scalar is the line after its `|`/`>` header; a flow scalar starts in place. */
  private schemaSource(node: Scalar | null, text: string): SchemaSource {
    if (node === null || !node.range) return { text, origin: { file: this.path, line: 1, column: 1 }, indent: 0 };
    const start = node.range[0];
    const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
    if (!block) {
      const at = this.at(start);
      return { text, origin: at, indent: 0 };
    }
    const headerEnd = this.text.indexOf('\n', start);
    const firstLine = headerEnd < 0 ? start : headerEnd + 1;
    const origin = this.at(firstLine);
    // The indent stripped from each line: the first non-blank source line's leading spaces
    // minus those the value kept (an explicit indentation indicator can keep some).
    let indent = 0;
    const firstValueLine = text.split('\n').find((l) => l.trim().length > 0);
    const region = this.text.slice(firstLine, node.range[2]);
    const firstSourceLine = region.split('\n').find((l) => l.trim().length > 0);
    if (firstValueLine !== undefined && firstSourceLine !== undefined) {
      indent = leadingSpaces(firstSourceLine) - leadingSpaces(firstValueLine);
    }
    return { text, origin, indent: Math.max(indent, 0) };
  }

  private relationships(value: Node | null, keyAt: SourceLocation): RelationshipLine[] {
    if (this.isNull(value)) return [];
    if (!isScalar(value) || typeof value.value !== 'string') {
      this.problem(this.nodeAt(value, 0) ?? keyAt, 'relationship', '`relationships` must be a string with one relationship per line');
      return [];
    }
    const out: RelationshipLine[] = [];
    const seen = new Set<string>();
    const [start, , end] = value.range ?? [0, 0, this.text.length];
    let cursor = start;
    for (const raw of value.value.split('\n')) {
      const trimmed = raw.trim();
      if (trimmed.length === 0 || trimmed.startsWith('//')) continue;
      // Find the line in the source to report its real position; a folded scalar may have
      // joined lines, so fall back to the first token.
      let found = this.text.indexOf(trimmed, cursor);
      if (found < 0 || found > end) found = this.text.indexOf(trimmed.split(/\s/)[0] ?? trimmed, cursor);
      const offset = found >= 0 && found <= end ? found : start;
      if (found >= 0 && found <= end) cursor = found + 1;
      const at = this.at(offset);
      let relationship;
      try {
        relationship = parseRelationship(trimmed);
      } catch (e) {
        this.problem(at, 'relationship', `error parsing relationship \`${trimmed}\`: ${(e as Error).message}`);
        continue;
      }
      const key = relationshipKey(relationship);
      if (seen.has(key)) {
        this.problem(at, 'relationship', `found repeated relationship \`${trimmed}\``);
        continue;
      }
      seen.add(key);
      out.push({ relationship, text: trimmed, at });
    }
    return out;
  }

  private assertions(value: Node | null, keyAt: SourceLocation): Assertion[] {
    if (this.isNull(value)) return [];
    if (!isMap(value)) {
      this.problem(
        this.nodeAt(value, 0) ?? keyAt,
        'assertion',
        '`assertions` must be a mapping with assertTrue, assertCaveated and assertFalse lists',
      );
      return [];
    }
    const out: Assertion[] = [];
    for (const pair of value.items as Pair<unknown, unknown>[]) {
      const keyNode = pair.key as Node | null;
      const kind = isScalar(keyNode) ? String(keyNode.value) : '';
      const at = this.nodeAt(keyNode, 0);
      if (!(ASSERTION_KINDS as readonly string[]).includes(kind)) {
        this.problem(at, 'assertion', `unknown assertion kind \`${kind}\`; expected assertTrue, assertCaveated or assertFalse`);
        continue;
      }
      const list = pair.value as Node | null;
      if (this.isNull(list)) continue;
      if (!isSeq(list)) {
        this.problem(this.nodeAt(list, 0), 'assertion', `\`${kind}\` must be a list of relationship strings`);
        continue;
      }
      for (const item of list.items as Node[]) {
        const itemAt = this.nodeAt(item, 0);
        if (!isScalar(item) || typeof item.value !== 'string') {
          this.problem(itemAt, 'assertion', `each entry of \`${kind}\` must be a string`);
          continue;
        }
        const parsed = this.assertion(kind as AssertionKind, item.value, itemAt);
        if (parsed) out.push(parsed);
      }
    }
    return out;
  }

  private assertion(kind: AssertionKind, text: string, at: SourceLocation): Assertion | undefined {
    const trimmed = text.trim();
    const withAt = trimmed.indexOf(' with ');
    const relText = withAt < 0 ? trimmed : trimmed.slice(0, withAt).trim();
    let relationship;
    try {
      relationship = parseRelationship(relText);
    } catch (e) {
      this.problem(at, 'assertion', `error parsing relationship in assertion \`${trimmed}\`: ${(e as Error).message}`);
      return undefined;
    }
    let context: JsonObject | undefined;
    if (withAt >= 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed.slice(withAt + ' with '.length));
      } catch (e) {
        this.problem(at, 'assertion', `error parsing caveat context in assertion \`${trimmed}\`: ${(e as Error).message}`);
        return undefined;
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        this.problem(at, 'assertion', `error parsing caveat context in assertion \`${trimmed}\`: the context must be a JSON object`);
        return undefined;
      }
      context = parsed as JsonObject;
    }
    return { kind, text, relationship, ...(context ? { context } : {}), at };
  }

  private validation(value: Node | null, keyAt: SourceLocation): ExpectedRelations[] {
    if (this.isNull(value)) return [];
    if (!isMap(value)) {
      this.problem(
        this.nodeAt(value, 0) ?? keyAt,
        'validation',
        '`validation` must be a mapping from `type:id#relation` to a list of expected subjects',
      );
      return [];
    }
    const out: ExpectedRelations[] = [];
    for (const pair of value.items as Pair<unknown, unknown>[]) {
      const keyNode = pair.key as Node | null;
      const keyText = isScalar(keyNode) ? String(keyNode.value) : '';
      const at = this.nodeAt(keyNode, 0);
      let key;
      try {
        key = parseObjectAndRelation(keyText);
      } catch (e) {
        this.problem(at, 'validation', (e as Error).message);
        continue;
      }
      const list = pair.value as Node | null;
      const entries: ExpectedEntry[] = [];
      if (!this.isNull(list)) {
        if (!isSeq(list)) {
          this.problem(this.nodeAt(list, 0), 'validation', `the expected subjects of \`${keyText}\` must be a list of strings`);
          continue;
        }
        for (const item of list.items as Node[]) {
          const itemAt = this.nodeAt(item, 0);
          if (!isScalar(item) || typeof item.value !== 'string') {
            this.problem(itemAt, 'validation', `each expected subject of \`${keyText}\` must be a string`);
            continue;
          }
          try {
            const parsed = parseExpectedEntry(item.value);
            entries.push({
              text: item.value,
              ...(parsed.subject ? { subject: parsed.subject } : {}),
              resources: parsed.resources,
              at: itemAt,
            });
          } catch (e) {
            this.problem(itemAt, 'validation', (e as Error).message);
          }
        }
      }
      out.push({ key, text: keyText, entries, at });
    }
    return out;
  }
}

function leadingSpaces(s: string): number {
  return s.length - s.trimStart().length;
}

/** Parses one validation file's text; `path` names the file in problems. */
export function parseValidationFile(text: string, path: string): ParseResult {
  return new Parser(text, path).run();
}
