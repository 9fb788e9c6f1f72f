import { describe, expect, it } from 'vitest';
import { parseValidationFile } from './parse-validation-file.js';
import { formatProblem, runValidationFile } from './run-validation.js';

async function problemsOf(text: string): Promise<string[]> {
  const { file, problems } = parseValidationFile(text, 'v.yaml');
  expect(problems).toEqual([]);
  return (await runValidationFile(file!)).map(formatProblem);
}

const SCHEMA = [
  'schema: |-', // 1
  '  definition user {}', // 2
  '  caveat some_caveat(somecondition int) {', // 3
  '    somecondition == 42', // 4
  '  }', // 5
  '  definition document {', // 6
  '    relation viewer: user | user:* | user with some_caveat', // 7
  '    relation banned: user', // 8
  '    permission view = viewer - banned', // 9
  '  }', // 10
];

describe('runValidationFile', () => {
  it('passes a correct file', async () => {
    const text = [
      ...SCHEMA,
      'relationships: |-', // 11
      '  document:doc#viewer@user:*', // 12
      '  document:doc#banned@user:fred', // 13
      '  document:other#viewer@user:sarah[some_caveat]', // 14
      'assertions:',
      '  assertTrue:',
      '    - document:doc#view@user:anyone',
      '  assertCaveated:',
      '    - document:other#view@user:sarah',
      '  assertFalse:',
      '    - document:doc#view@user:fred',
      `    - 'document:other#view@user:sarah with {"somecondition": 41}'`,
      'validation:',
      '  document:doc#view:',
      '    - "[user:* - {user:fred}] is <document:doc#viewer>"',
      '  document:other#view:',
      '    - "[user:sarah[...]] is <document:other#viewer>"',
    ].join('\n');
    expect(await problemsOf(text)).toEqual([]);
  });

  it('lists subject sets met on the way, each with the relation that named it', async () => {
    const text = [
      'schema: |-',
      '  definition user {}',
      '  definition group {',
      '    relation member: user | group#member',
      '  }',
      '  definition document {',
      '    relation viewer: user | group#member',
      '    permission view = viewer',
      '  }',
      'relationships: |-',
      '  group:eng#member@user:tom',
      '  group:all#member@group:eng#member',
      '  document:d#viewer@group:all#member',
      '  document:d#viewer@user:sarah',
      'validation:',
      '  document:d#view:',
      '    - "[user:tom] is <group:eng#member>"',
      '    - "[user:sarah#...] is <document:d#viewer>"',
      '    - "[group:all#member] is <document:d#viewer>"',
      '    - "[group:eng#member] is <group:all#member>"',
    ].join('\n');
    expect(await problemsOf(text)).toEqual([]);
  });

  it('reports failed assertions with SpiceDB messages and their lines', async () => {
    const text = [
      ...SCHEMA,
      'relationships: |-', // 11
      '  document:doc#viewer@user:tom', // 12
      'assertions:', // 13
      '  assertTrue:', // 14
      '    - document:doc#view@user:fred', // 15
      '  assertCaveated:', // 16
      '    - document:doc#view@user:tom', // 17
      '  assertFalse:', // 18
      '    - document:doc#view@user:tom', // 19
      '    - document:doc#view@user:tom[some_caveat]', // 20
      '    - document:doc#nope@user:tom', // 21
    ].join('\n');
    expect(await problemsOf(text)).toEqual([
      'v.yaml:15: Expected relation or permission document:doc#view@user:fred to exist',
      'v.yaml:17: Expected relation or permission document:doc#view@user:tom to be caveated',
      'v.yaml:19: Expected relation or permission document:doc#view@user:tom to not exist',
      'v.yaml:20: cannot specify a caveat on an assertion: `document:doc#view@user:tom[some_caveat]`',
      'v.yaml:21: error checking `document:doc#nope@user:tom`: relation/permission `nope` not found under definition `document`',
    ]);
  });

  it('reports every kind of expected-relations mismatch', async () => {
    const text = [
      ...SCHEMA,
      'relationships: |-', // 11
      '  document:doc#viewer@user:*', // 12
      '  document:doc#banned@user:fred', // 13
      '  document:two#viewer@user:tom', // 14
      '  document:two#viewer@user:sarah[some_caveat]', // 15
      'validation:', // 16
      '  document:doc#view:', // 17
      '    - "[user:* - {user:tom}] is <document:doc#viewer>"', // 18
      '    - "[user:fred] is <document:doc#viewer>"', // 19
      '  document:two#view:', // 20
      '    - "[user:tom] is <document:two#banned>"', // 21
      '    - "[user:sarah] is <document:two#viewer>"', // 22
      '    - "[user:tom - {user:x}] is <document:two#viewer>"', // 23
      '    - "is <document:two#viewer>"', // 24
    ].join('\n');
    expect(await problemsOf(text)).toEqual([
      'v.yaml:18: For object and permission/relation `document:doc#view`, found different excluded subjects for subject `user:*`: Specified: `<user:tom>`, Computed: `<user:fred>`',
      'v.yaml:19: For object and permission/relation `document:doc#view`, missing expected subject `user:fred`',
      'v.yaml:21: For object and permission/relation `document:two#view`, found different relationships for subject `user:tom`: Specified: `<document:two#banned>`, Computed: `<document:two#viewer>`',
      'v.yaml:22: For object and permission/relation `document:two#view`, found caveat mismatch',
      'v.yaml:23: For object and permission/relation `document:two#view`, found unexpected excluded subjects',
      'v.yaml:24: For object and permission/relation `document:two#view`, no expected subject specified in `is <document:two#viewer>`',
    ]);
  });

  it('reports a subject found but not listed at the key', async () => {
    const text = [...SCHEMA, 'relationships: |-', '  document:doc#viewer@user:tom', 'validation:', '  document:doc#view: []'].join('\n');
    expect(await problemsOf(text)).toEqual([
      'v.yaml:14: For object and permission/relation `document:doc#view`, subject `user:tom` found but missing from specified',
    ]);
  });

  it('places schema errors on the file line and stops', async () => {
    const text = [
      'schema: |-',
      '  definition user {}',
      '  definition document {',
      '    relation viewer: usr',
      '  }',
      'assertions:',
      '  assertTrue:',
      '    - document:a#viewer@user:x',
    ].join('\n');
    const problems = await problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^v\.yaml:4: error in schema: .*usr/);
  });

  it('names relationships the schema rejects', async () => {
    const text = [
      ...SCHEMA,
      'relationships: |-',
      '  document:doc#viewer@user:tom',
      '  document:doc#banned@user:*',
      '  document:doc#view@user:tom',
    ].join('\n');
    expect(await problemsOf(text)).toEqual([
      'v.yaml:13: error in relationship `document:doc#banned@user:*`: subjects of type `user:*` are not allowed on relation `document#banned`',
      'v.yaml:14: error in relationship `document:doc#view@user:tom`: cannot write a relationship to permission `view` under definition `document`',
    ]);
  });

  it('requires a schema', async () => {
    expect(await problemsOf('relationships: ""\n')).toEqual(['v.yaml:1: no schema was given: set `schema` or `schemaFile`']);
  });
});
