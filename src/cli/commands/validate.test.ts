import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerValidate, runValidate } from './validate.js';

const GOOD =
  'schema: |-\n  definition user {}\n  definition doc {\n    relation viewer: user\n  }\nrelationships: |-\n  doc:a#viewer@user:tom\nassertions:\n  assertTrue:\n    - doc:a#viewer@user:tom\n';
const BAD =
  'schema: |-\n  definition user {}\n  definition doc {\n    relation viewer: user\n  }\nrelationships: |-\n  doc:a#viewer@user:tom\nassertions:\n  assertFalse:\n    - doc:a#viewer@user:tom\n';

async function withFiles<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'trellis-validate-'));
  try {
    await writeFile(join(dir, 'good.yaml'), GOOD);
    await writeFile(join(dir, 'bad.yaml'), BAD);
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('trellis validate', () => {
  it('prints failures as FILE:LINE: message, a summary per file, and exits 1', async () => {
    await withFiles(async (dir) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runValidate([join(dir, 'good.yaml'), join(dir, 'bad.yaml')], {
        stdout: (l) => out.push(l),
        stderr: (l) => err.push(l),
      });
      expect(code).toBe(1);
      expect(err).toEqual([`${join(dir, 'bad.yaml')}:10: Expected relation or permission doc:a#viewer@user:tom to not exist`]);
      expect(out).toEqual([
        `${join(dir, 'good.yaml')}: ok (1 relationship, 1 assertion, 0 expected relations)`,
        `${join(dir, 'bad.yaml')}: 1 failure (1 relationship, 1 assertion, 0 expected relations)`,
        '1 of 2 files failed',
      ]);
    });
  });

  it('exits 0 when every file passes, through the registered command', async () => {
    await withFiles(async (dir) => {
      const program = new Command('trellis').exitOverride();
      registerValidate(program);
      const writes: string[] = [];
      const original = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string) => {
        writes.push(String(chunk));
        return true;
      }) as typeof process.stdout.write;
      const before = process.exitCode;
      try {
        await program.parseAsync(['validate', join(dir, 'good.yaml')], { from: 'user' });
      } finally {
        process.stdout.write = original;
      }
      expect(process.exitCode).toBe(before);
      expect(writes).toEqual([`${join(dir, 'good.yaml')}: ok (1 relationship, 1 assertion, 0 expected relations)\n`]);
    });
  });
});
