import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { Trellis } from '../../api/embedded/index.js';
import { registerImportExport, readImportFile } from './import-export.js';

const SCHEMA = `caveat on_day(day string) {
  day == "tuesday"
}

definition user {}

definition document {
  relation viewer: user | user:* | user with on_day
}
`;

let dir: string;

async function run(...args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  registerImportExport(program);
  await program.parseAsync(args, { from: 'user' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-export-'));
  const t = await Trellis.open({ datastore: join(dir, 'src.db'), quantizationMs: 0 });
  await t.writeSchema(SCHEMA);
  await t.write([
    'document:a#viewer@user:ann',
    'document:a#viewer@user:*',
    'document:b#viewer@user:bob[on_day:{"day":"tuesday"}]',
    'document:c#viewer@user:cy[on_day]',
  ]);
  await t.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('export and import', () => {
  it('round-trips the schema and relationships, caveats included, through validation YAML', async () => {
    await run('export', '--datastore', join(dir, 'src.db'), '--output', join(dir, 'out.yaml'));
    const parsed = readImportFile('out.yaml', readFileSync(join(dir, 'out.yaml'), 'utf8'));
    expect(parsed.schema).toContain('caveat on_day(day string)');
    await run('import', join(dir, 'out.yaml'), '--datastore', join(dir, 'dst.db'));
    await run('export', '--format', 'jsonl', '--datastore', join(dir, 'dst.db'), '--output', join(dir, 'dst.jsonl'));
    await run('export', '--format', 'jsonl', '--datastore', join(dir, 'src.db'), '--output', join(dir, 'src.jsonl'));
    const dst = readFileSync(join(dir, 'dst.jsonl'), 'utf8');
    expect(dst).toBe(readFileSync(join(dir, 'src.jsonl'), 'utf8'));
    expect(
      dst
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { relationship: string }).relationship)
        .sort(),
    ).toEqual([
      'document:a#viewer@user:*',
      'document:a#viewer@user:ann',
      'document:b#viewer@user:bob[on_day:{"day":"tuesday"}]',
      'document:c#viewer@user:cy[on_day]',
    ]);
  });

  it('names the file and line of a bad relationship', () => {
    expect(() => readImportFile('x.yaml', 'relationships: |\n  document:a#viewer@user:ann\n  nonsense\n')).toThrow(
      'x.yaml (relationships):2: invalid relationship `nonsense`: missing `@` between resource and subject',
    );
    expect(() => readImportFile('x.jsonl', '{"relationship":"document:a#viewer@user:ann"}\n{"nope":1}\n')).toThrow(
      'x.jsonl:2: expected {"relationship": "<text form>"} or a JSON string',
    );
  });
});
