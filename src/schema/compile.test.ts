import { describe, expect, it } from 'vitest';
import { SchemaParseError, SchemaTypeError, formatDiagnostic } from '../core/index.js';
import { compileSchema, compileSchemaOrThrow, getMember, printSchema, type Permission, type Relation } from './index.js';

const perm = (text: string, def: string, name: string): Permission => getMember(compileSchemaOrThrow(text), def, name) as Permission;

describe('compileSchema', () => {
  it('builds the model: members in source order, flattened unions, binary exclusions, arrows', () => {
    const s = compileSchemaOrThrow(`definition user {}
definition folder { relation viewer: user; }
definition document {
	relation parent: folder
	relation viewer: user | user:* | folder#viewer | folder#...
	permission view = viewer + parent->viewer + parent.all(viewer) + parent.any(viewer) + (viewer & nil) - viewer
}`);
    const doc = s.definitions.get('document');
    expect([...(doc?.members.keys() ?? [])]).toEqual(['parent', 'viewer', 'view']);
    expect((doc?.members.get('viewer') as Relation).allowedTypes).toEqual([
      { type: 'user', wildcard: false, expiration: false },
      { type: 'user', wildcard: true, expiration: false },
      { type: 'folder', relation: 'viewer', wildcard: false, expiration: false },
      { type: 'folder', relation: '...', wildcard: false, expiration: false },
    ]);
    expect((doc?.members.get('view') as Permission).expression).toEqual({
      kind: 'exclusion',
      base: {
        kind: 'union',
        children: [
          { kind: 'computed', name: 'viewer' },
          { kind: 'arrow', tupleset: 'parent', computed: 'viewer', mode: 'any' },
          { kind: 'arrow', tupleset: 'parent', computed: 'viewer', mode: 'all' },
          { kind: 'arrow', tupleset: 'parent', computed: 'viewer', mode: 'any', explicitAny: true },
          { kind: 'intersection', children: [{ kind: 'computed', name: 'viewer' }, { kind: 'nil' }] },
        ],
      },
      subtract: { kind: 'computed', name: 'viewer' },
    });
  });

  it('follows SpiceDB precedence: a - b + c is a - (b + c), and a + b & c is (a + b) & c', () => {
    const text = `definition user {}
definition doc {
	relation rela: user
	relation relb: user
	relation relc: user
	permission one = rela - relb + relc
	permission two = rela + relb & relc
}`;
    expect(perm(text, 'doc', 'one').expression).toEqual({
      kind: 'exclusion',
      base: { kind: 'computed', name: 'rela' },
      subtract: {
        kind: 'union',
        children: [
          { kind: 'computed', name: 'relb' },
          { kind: 'computed', name: 'relc' },
        ],
      },
    });
    expect(perm(text, 'doc', 'two').expression).toEqual({
      kind: 'intersection',
      children: [
        {
          kind: 'union',
          children: [
            { kind: 'computed', name: 'rela' },
            { kind: 'computed', name: 'relb' },
          ],
        },
        { kind: 'computed', name: 'relc' },
      ],
    });
  });

  it('keeps doc comments, use flags, caveats with typed parameters and expiration', () => {
    const s = compileSchemaOrThrow(`use expiration
/** only on even values */
caveat even(value int, tags list<string>) {
	value % 2 == 0 && 'x' in tags
}
definition user {}
/**
	 * documents
	 */
definition document {
	// who sees it
	relation viewer: user with even and expiration | user with expiration
}`);
    expect([...s.flags]).toEqual(['expiration']);
    expect(s.caveats.get('even')?.comment).toBe('/** only on even values */');
    expect(s.caveats.get('even')?.expression).toBe("value % 2 == 0 && 'x' in tags");
    expect([...(s.caveats.get('even')?.parameters ?? [])]).toEqual([
      ['value', { name: 'int', args: [] }],
      ['tags', { name: 'list', args: [{ name: 'string', args: [] }] }],
    ]);
    expect(s.definitions.get('document')?.comment).toBe('/**\n* documents\n*/');
    const viewer = getMember(s, 'document', 'viewer') as Relation;
    expect(viewer.comment).toBe('// who sees it');
    expect(viewer.allowedTypes).toEqual([
      { type: 'user', wildcard: false, caveat: 'even', expiration: true },
      { type: 'user', wildcard: false, expiration: true },
    ]);
    expect(viewer.position).toEqual({ line: 12, column: 2 });
  });

  it('splices partials in place', () => {
    const s = compileSchemaOrThrow(`use partial
partial viewable {
	relation viewer: user
	permission view = viewer
}
definition user {}
definition document {
	relation owner: user
	...viewable
}`);
    const doc = s.definitions.get('document');
    expect([...(doc?.members.keys() ?? [])]).toEqual(['owner', 'viewer', 'view']);
    expect(doc?.members.get('view')?.definition).toBe('document');
  });

  it('reports several independent parse errors in one run', () => {
    const r = compileSchema(`definition user {
	relation friend user
}
definition doc {
	permission view = + friend
}
caveat c(x int {
	x
}
definition ok {}`);
    expect(r.schema).toBeUndefined();
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'parse error in `schema`, line 2, column 18: Expected one of: [TokenTypeColon], found: TokenTypeIdentifier',
      'parse error in `schema`, line 5, column 20: Expected compute expression for permission',
      'parse error in `schema`, line 7, column 16: Expected one of: [TokenTypeRightParen], found: TokenTypeLeftBrace',
    ]);
  });

  it('reports type errors with their definition and position', () => {
    const r = compileSchema('definition user {}\ndefinition doc {\n\tpermission view = nope\n}', { source: 'x.zed' });
    expect(r.diagnostics).toEqual([
      {
        message: 'relation/permission `nope` not found under definition `doc`',
        start: { line: 3, column: 20 },
        end: { line: 3, column: 24 },
        source: 'x.zed',
        severity: 'error',
        category: 'type',
        definition: 'doc',
      },
    ]);
  });

  it('positions caveat expression errors inside the caveat body', () => {
    const r = compileSchema('caveat c(first int) {\n\tfirst == "a"\n}\ndefinition user {}');
    expect(r.schema).toBeUndefined();
    expect(r.diagnostics[0]?.start.line).toBe(2);
  });

  it('accepts an empty schema', () => {
    expect(compileSchema('').schema?.definitions.size).toBe(0);
    expect(printSchema(compileSchemaOrThrow('// only a comment\n'))).toBe('');
  });
});

describe('compileSchemaOrThrow', () => {
  it('throws SchemaParseError for parse errors, with every parse diagnostic', () => {
    let err: unknown;
    try {
      compileSchemaOrThrow('definition user {\n\trelation a: user\n}\ndefinition user {}');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SchemaParseError);
    expect((err as SchemaParseError).message).toBe(
      [
        'parse error in `schema`, line 2, column 2: error in relation a: invalid Relation.Name: value does not match regex pattern "^[a-z][a-z0-9_]{1,62}[a-z0-9]$"',
        'parse error in `schema`, line 4, column 1: found name reused between multiple definitions and/or caveats: user',
      ].join('\n'),
    );
  });

  it('throws SchemaTypeError for the first type error, with definition and position', () => {
    let err: unknown;
    try {
      compileSchemaOrThrow(
        'definition user {}\ndefinition doc {\n\trelation parent: doc | user:*\n\tpermission view = parent->view\n}',
        'mine',
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SchemaTypeError);
    const te = err as SchemaTypeError;
    expect(te.message).toBe(
      'for arrow under permission `view`: relation `doc#parent` includes wildcard type `user` via relation `doc#parent`: wildcard relations cannot be used on the left side of arrows',
    );
    expect(te.definition).toBe('doc');
    expect(te.position).toEqual({ line: 4, column: 20 });
  });
});

describe('pathological input', () => {
  it('refuses absurd nesting with a diagnostic instead of exhausting the stack', () => {
    const deep = `definition user {\n\trelation rel: user\n\tpermission view = ${'('.repeat(5000)}rel${')'.repeat(5000)}\n}`;
    const r = compileSchema(deep);
    expect(r.schema).toBeUndefined();
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'parse error in `schema`, line 3, column 120: expression is nested too deeply (more than 100 levels)',
    ]);
    const typeDeep = `caveat c(p ${'list<'.repeat(3000)}int${'>'.repeat(3000)}) {\n\ttrue\n}`;
    expect(compileSchema(typeDeep).diagnostics[0]?.message).toBe('type is nested too deeply (more than 100 levels)');
  });

  it('nests up to the limit', () => {
    const ok = `definition user {\n\trelation rel: user\n\tpermission view = ${'('.repeat(90)}rel${')'.repeat(90)}\n}`;
    expect(compileSchema(ok).diagnostics).toEqual([]);
  });
});

describe('long operator chains', () => {
  it('flattens a union of thousands of operands', () => {
    const names = Array.from({ length: 3000 }, () => 'rel').join(' + ');
    const s = compileSchemaOrThrow(`definition user {\n\trelation rel: user\n\tpermission view = ${names}\n}`);
    const view = getMember(s, 'user', 'view') as Permission;
    expect(view.expression.kind === 'union' && view.expression.children.length).toBe(3000);
  });
});
