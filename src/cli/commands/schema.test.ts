import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';
import { runSchemaCheck, runSchemaFormat } from './schema.js';

const dir = mkdtempSync(join(tmpdir(), 'trellis-schema-cli-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
function capture(): { io: { stdout: (t: string) => void; stderr: (t: string) => void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, out, err };
}

const GOOD = 'definition user {}\n\ndefinition document {\n\trelation viewer: user\n\tpermission view = viewer\n}\n';
const BAD = 'definition user {}\n\ndefinition document {\n\trelation viewer: user\n\tpermission view = viewer + editor\n}\n';

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe('trellis schema check', () => {
  it('prints ok for a valid .zed and exits 0', async () => {
    const good = file('good.zed', GOOD);
    const c = capture();
    expect(await runSchemaCheck([good], c.io)).toBe(0);
    expect(c.out).toEqual([`${good}: ok\n`]);
  });

  it('prints diagnostics named after the file and exits 1 when any file has an error', async () => {
    const good = file('good2.zed', GOOD);
    const bad = file('bad.zed', BAD);
    const c = capture();
    expect(await runSchemaCheck([good, bad], c.io)).toBe(1);
    expect(c.out).toEqual([
      `${good}: ok\n`,
      `parse error in \`${bad}\`, line 5, column 29: relation/permission \`editor\` not found under definition \`document\`\n`,
    ]);
  });

  it('reports several parse errors of one file', async () => {
    const bad = file('broken.zed', 'definition user {\n\trelation a user\n}\n\ndefinition doc {\n\tpermission view =\n}\n');
    const c = capture();
    expect(await runSchemaCheck([bad], c.io)).toBe(1);
    expect(c.out).toEqual([
      `parse error in \`${bad}\`, line 2, column 13: Expected one of: [TokenTypeColon], found: TokenTypeIdentifier\n`,
      `parse error in \`${bad}\`, line 7, column 1: Expected compute expression for permission\n`,
    ]);
  });

  it('maps an inline YAML schema to YAML lines and columns', async () => {
    const yaml = file('inline.yaml', `relationships: ""\nschema: |-\n  ${BAD.trimEnd().split('\n').join('\n  ')}\n`);
    const c = capture();
    expect(await runSchemaCheck([yaml], c.io)).toBe(1);
    // Schema line 5, column 29 sits on YAML line 7, shifted right by the two-space indent.
    expect(c.out).toEqual([
      `parse error in \`${yaml}\`, line 7, column 31: relation/permission \`editor\` not found under definition \`document\`\n`,
    ]);
  });

  it('follows schemaFile relative to the YAML file', async () => {
    file('referenced.zed', GOOD);
    const yaml = file('ref.yaml', 'schemaFile: ./referenced.zed\n');
    const c = capture();
    expect(await runSchemaCheck([yaml], c.io)).toBe(0);
    expect(c.out).toEqual([`${yaml}: ok\n`]);
  });

  it('refuses a schemaFile outside the YAML folder', async () => {
    const yaml = file('escape.yaml', 'schemaFile: ../elsewhere.zed\n');
    const c = capture();
    expect(await runSchemaCheck([yaml], c.io)).toBe(1);
    expect(c.out).toEqual([`${yaml}:1: schema file "../elsewhere.zed" is not local\n`]);
  });

  it('reports a missing file', async () => {
    const c = capture();
    expect(await runSchemaCheck([join(dir, 'nope.zed')], c.io)).toBe(1);
    expect(c.out[0]).toMatch(/^error: cannot read .*nope\.zed: ENOENT/);
  });

  it('runs through the trellis program and sets the exit code', async () => {
    const bad = file('viaMain.zed', BAD);
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await main(['schema', 'check', bad])).toBe(1);
    expect(write).toHaveBeenCalledWith(
      `parse error in \`${bad}\`, line 5, column 29: relation/permission \`editor\` not found under definition \`document\`\n`,
    );
  });
});

describe('trellis schema format', () => {
  it('prints the canonical form', async () => {
    const messy = file(
      'messy.zed',
      'definition document {\n  relation viewer: user\n  permission view = viewer - viewer - viewer\n}\ndefinition user {}\n',
    );
    const c = capture();
    expect(await runSchemaFormat(messy, c.io)).toBe(0);
    expect(c.out.join('')).toBe(
      'definition document {\n\trelation viewer: user\n\tpermission view = (viewer - viewer) - viewer\n}\n\ndefinition user {}\n',
    );
  });

  it('prints diagnostics and exits 1 for a broken schema', async () => {
    const bad = file('badfmt.zed', BAD);
    const c = capture();
    expect(await runSchemaFormat(bad, c.io)).toBe(1);
    expect(c.out).toEqual([]);
    expect(c.err).toEqual([
      `parse error in \`${bad}\`, line 5, column 29: relation/permission \`editor\` not found under definition \`document\`\n`,
    ]);
  });
});
