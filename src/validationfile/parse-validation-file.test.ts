import { describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseValidationFile } from './parse-validation-file.js';
import { loadValidationFile } from './load-validation-file.js';

const FILE = [
  '---', // 1
  'schema: |+', // 2
  '  definition user {}', // 3
  '', // 4
  '  definition document {', // 5
  '    relation viewer: user', // 6
  '  }', // 7
  'relationships: >-', // 8
  '  document:a#viewer@user:tom', // 9
  '', // 10
  '  // a comment', // 11
  '', // 12
  '  document:b#viewer@user:sarah[some_caveat:{"x":1}]', // 13
  'assertions:', // 14
  '  assertTrue:', // 15
  '    - "document:a#view@user:tom"', // 16
  '  assertCaveated: []', // 17
  '  assertFalse:', // 18
  `    - 'document:b#view@user:tom with {"x": 2}'`, // 19
  'validation:', // 20
  '  document:a#view:', // 21
  '    - "[user:tom] is <document:a#viewer>"', // 22
  '  document:b#view: null', // 23
  '',
].join('\n');

describe('parseValidationFile', () => {
  it('parses every block with file positions', () => {
    const { file, problems } = parseValidationFile(FILE, 'f.yaml');
    expect(problems).toEqual([]);
    expect(file?.schema).toEqual({
      text: 'definition user {}\n\ndefinition document {\n  relation viewer: user\n}\n',
      origin: { file: 'f.yaml', line: 3, column: 1 },
      indent: 2,
    });
    expect(file?.relationships.map((r) => [r.text, r.at.line, r.at.column])).toEqual([
      ['document:a#viewer@user:tom', 9, 3],
      ['document:b#viewer@user:sarah[some_caveat:{"x":1}]', 13, 3],
    ]);
    expect(file?.relationships[1]?.relationship.caveat).toEqual({ name: 'some_caveat', context: { x: 1 } });
    expect(file?.assertions).toEqual([
      {
        kind: 'assertTrue',
        text: 'document:a#view@user:tom',
        relationship: { resource: { type: 'document', id: 'a' }, relation: 'view', subject: { type: 'user', id: 'tom' } },
        at: { file: 'f.yaml', line: 16, column: 7 },
      },
      {
        kind: 'assertFalse',
        text: 'document:b#view@user:tom with {"x": 2}',
        relationship: { resource: { type: 'document', id: 'b' }, relation: 'view', subject: { type: 'user', id: 'tom' } },
        context: { x: 2 },
        at: { file: 'f.yaml', line: 19, column: 7 },
      },
    ]);
    expect(file?.validation.map((v) => [v.text, v.at.line, v.entries.length])).toEqual([
      ['document:a#view', 21, 1],
      ['document:b#view', 23, 0],
    ]);
    expect(file?.validation[0]?.entries[0]?.at.line).toBe(22);
  });

  it('reports a repeated relationship (identity ignores the caveat) at its line', () => {
    const text = 'relationships: |-\n  document:a#viewer@user:tom\n  document:a#viewer@user:tom[c]\n';
    expect(parseValidationFile(text, 'r.yaml').problems).toEqual([
      {
        at: { file: 'r.yaml', line: 3, column: 3 },
        kind: 'relationship',
        message: 'found repeated relationship `document:a#viewer@user:tom[c]`',
      },
    ]);
  });

  it('reports unparsable relationships, assertions and expected relations, all in one pass', () => {
    const text = [
      'relationships: |-', // 1
      '  document:a#viewer', // 2
      'assertions:', // 3
      '  assertTrue:', // 4
      "    - 'document:a#view@user:tom with {nope'", // 5
      'validation:', // 6
      '  document:a:', // 7
      '    - "[user:tom]"', // 8
    ].join('\n');
    const { file, problems } = parseValidationFile(text, 'bad.yaml');
    expect(file).toBeUndefined();
    expect(problems.map((p) => [p.kind, p.at.line, p.message.split(':')[0]])).toEqual([
      ['relationship', 2, 'error parsing relationship `document'],
      ['assertion', 5, 'error parsing caveat context in assertion `document'],
      ['validation', 7, 'could not parse document'],
    ]);
  });

  it('rejects schema and schemaFile together', () => {
    const { problems } = parseValidationFile('schema: "definition user {}"\nschemaFile: s.zed\n', 'x.yaml');
    expect(problems).toEqual([
      { at: { file: 'x.yaml', line: 2, column: 1 }, kind: 'yaml', message: 'only one of schema or schemaFile can be specified' },
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const { problems } = parseValidationFile('schema: |\n  a\nassertions: [\n', 'y.yaml');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.kind).toBe('yaml');
    expect(problems[0]?.message).toMatch(/^error parsing YAML: /);
  });

  it('accepts empty blocks (null, {}, [])', () => {
    const { file, problems } = parseValidationFile(
      'schema: "definition user {}"\nrelationships: ""\nassertions: null\nvalidation: {}\n',
      'e.yaml',
    );
    expect(problems).toEqual([]);
    expect(file?.schema?.origin).toEqual({ file: 'e.yaml', line: 1, column: 9 });
    expect([file?.relationships, file?.assertions, file?.validation]).toEqual([[], [], []]);
  });
});

describe('loadValidationFile', () => {
  it('resolves a local schemaFile and refuses one outside the folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trellis-vf-'));
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 's.zed'), 'definition user {}\n');
    await writeFile(join(dir, 'sub', 'ok.yaml'), 'schemaFile: s.zed\n');
    await writeFile(join(dir, 'sub', 'escape.yaml'), 'schemaFile: ../s.zed\n');
    const ok = await loadValidationFile(join(dir, 'sub', 'ok.yaml'));
    expect(ok.problems).toEqual([]);
    expect(ok.file?.schema).toEqual({
      text: 'definition user {}\n',
      origin: { file: join(dir, 'sub', 's.zed'), line: 1, column: 1 },
      indent: 0,
    });
    const bad = await loadValidationFile(join(dir, 'sub', 'escape.yaml'));
    expect(bad.problems).toEqual([
      {
        at: { file: join(dir, 'sub', 'escape.yaml'), line: 1, column: 13 },
        kind: 'schema',
        message: 'schema file "../s.zed" is not local',
      },
    ]);
  });
});
