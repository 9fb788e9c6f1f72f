/**
 * The built CLI (`node bin/trellis.js`, after `npm run build`): a worked example on a datastore,
 * the same against a `trellis serve` process, and one clear error line with a non-zero exit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'trellis.js');
let dir: string;

function trellis(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SCHEMA = `definition user {}

definition document {
  relation viewer: user
  permission view = viewer
}
`;

beforeAll(() => {
  expect(existsSync(join(root, 'dist', 'src', 'cli', 'main.js')), 'run `npm run build` before the CLI tests').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'trellis-cli-'));
  writeFileSync(join(dir, 'schema.zed'), SCHEMA);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('trellis CLI on a datastore', () => {
  it('writes a schema and a relationship, checks and looks up', () => {
    const ds = ['--datastore', join(dir, 'local.db')];
    expect(trellis('schema', 'write', 'schema.zed', ...ds)).toMatchObject({ code: 0, stderr: '' });
    expect(trellis('relationship', 'create', 'document:readme', 'viewer', 'user:alice', ...ds)).toMatchObject({ code: 0 });
    expect(trellis('check', 'document:readme', 'view', 'user:alice', ...ds)).toEqual({ code: 0, stdout: 'true\n', stderr: '' });
    expect(trellis('check', 'document:readme', 'view', 'user:bob', ...ds)).toEqual({ code: 0, stdout: 'false\n', stderr: '' });
    expect(trellis('lookup-resources', 'document', 'view', 'user:alice', ...ds)).toEqual({ code: 0, stdout: 'readme\n', stderr: '' });
    expect(trellis('relationship', 'read', 'document', ...ds).stdout).toBe('document:readme#viewer@user:alice\n');
  }, 180_000);

  it('fails with one clear line and exit status 1', () => {
    const r = trellis('check', 'folder:x', 'view', 'user:alice', '--datastore', join(dir, 'local.db'));
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: object definition `folder` not found\n' });
  }, 60_000);
});

describe('trellis import and export', () => {
  it('imports a validation file, exports JSONL, and imports that elsewhere', () => {
    writeFileSync(
      join(dir, 'data.yaml'),
      `schema: |\n${SCHEMA.split('\n')
        .map((l) => `  ${l}`)
        .join('\n')}\nrelationships: |\n  document:one#viewer@user:ann\n  // a comment\n  document:two#viewer@user:ann\n`,
    );
    expect(trellis('import', 'data.yaml', '--datastore', join(dir, 'a.db'))).toEqual({
      code: 0,
      stdout: 'imported 2 relationships and the schema\n',
      stderr: '',
    });
    const exported = trellis('export', '--format', 'jsonl', '--datastore', join(dir, 'a.db'));
    expect(exported.stdout).toBe('{"relationship":"document:one#viewer@user:ann"}\n{"relationship":"document:two#viewer@user:ann"}\n');
    writeFileSync(join(dir, 'data.jsonl'), exported.stdout);
    const b = ['--datastore', join(dir, 'b.db')];
    expect(trellis('schema', 'write', 'schema.zed', ...b).code).toBe(0);
    expect(trellis('import', 'data.jsonl', ...b).stdout).toBe('imported 2 relationships\n');
    expect(
      trellis('lookup-resources', 'document', 'view', 'user:ann', ...b)
        .stdout.split('\n')
        .sort(),
    ).toEqual(['', 'one', 'two']);
  }, 180_000);
});

async function startProcess(args: string[], addresses: number): Promise<{ proc: ChildProcess; ports: number[]; log: () => string }> {
  const proc = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const ports = await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${log}`)), 30_000);
    proc.stderr?.on('data', (b: Buffer) => {
      log += b.toString('utf8');
      const found = [...log.matchAll(/"address":"127\.0\.0\.1:(\d+)"/g)].map((m) => Number(m[1]));
      if (found.length >= addresses) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  });
  return { proc, ports, log: () => log };
}

describe('trellis serve-testing', () => {
  it('seeds every token from --load-configs, isolates tokens and serves a read-only port', async () => {
    writeFileSync(
      join(dir, 'seed.yaml'),
      `schema: |\n${SCHEMA.split('\n')
        .map((l) => `  ${l}`)
        .join('\n')}\nrelationships: |\n  document:seeded#viewer@user:sam\n`,
    );
    const { proc, ports } = await startProcess(
      ['serve-testing', '--grpc-addr', '127.0.0.1:0', '--readonly-grpc-addr', '127.0.0.1:0', '--load-configs', 'seed.yaml'],
      2,
    );
    try {
      const [rw, ro] = ports;
      // Every new token starts from the seed file, and writes stay within the token's store.
      expect(
        trellis('check', 'document:seeded', 'view', 'user:sam', '--endpoint', `localhost:${ro}`, '--insecure', '--token', 'tenant-c')
          .stdout,
      ).toBe('true\n');
      expect(trellis('schema', 'write', 'schema.zed', '--endpoint', `localhost:${rw}`, '--insecure', '--token', 'tenant-a')).toMatchObject({
        code: 0,
      });
      expect(
        trellis(
          'relationship',
          'delete',
          'document:seeded',
          'viewer',
          'user:sam',
          '--endpoint',
          `localhost:${rw}`,
          '--insecure',
          '--token',
          'tenant-a',
        ).code,
      ).toBe(0);
      expect(
        trellis('check', 'document:seeded', 'view', 'user:sam', '--endpoint', `localhost:${rw}`, '--insecure', '--token', 'tenant-a')
          .stdout,
      ).toBe('false\n');
      expect(
        trellis('check', 'document:seeded', 'view', 'user:sam', '--endpoint', `localhost:${rw}`, '--insecure', '--token', 'tenant-b')
          .stdout,
      ).toBe('true\n');
      expect(trellis('schema', 'write', 'schema.zed', '--endpoint', `localhost:${ro}`, '--insecure', '--token', 'tenant-a')).toEqual({
        code: 1,
        stdout: '',
        stderr: 'error: service read-only\n',
      });
    } finally {
      proc.kill('SIGTERM');
    }
  }, 180_000);
});

describe('trellis serve and the CLI over gRPC', () => {
  let server: ChildProcess | undefined;

  afterAll(() => {
    server?.kill('SIGKILL');
  });

  it('serves, answers the CLI, and shuts down cleanly on SIGTERM', async () => {
    // The key comes from the environment, as a deployment would keep it out of `ps`.
    const proc = spawn(process.execPath, [bin, 'serve', '--datastore', 'memory', '--grpc-addr', '127.0.0.1:0'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TRELLIS_GRPC_PRESHARED_KEY: 'k1' },
    });
    server = proc;
    let log = '';
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${log}`)), 30_000);
      proc.stderr?.on('data', (b: Buffer) => {
        log += b.toString('utf8');
        const m = /"address":"127\.0\.0\.1:(\d+)"/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    const remote = ['--endpoint', `localhost:${port}`, '--insecure', '--token', 'k1'];
    expect(trellis('schema', 'write', 'schema.zed', ...remote)).toMatchObject({ code: 0 });
    expect(trellis('relationship', 'touch', 'document:readme#viewer@user:carol', ...remote)).toMatchObject({ code: 0 });
    expect(trellis('check', 'document:readme', 'view', 'user:carol', ...remote)).toEqual({ code: 0, stdout: 'true\n', stderr: '' });
    expect(trellis('lookup-subjects', 'document:readme', 'view', 'user', ...remote).stdout).toBe('user:carol\n');
    expect(
      trellis('check', 'document:readme', 'view', 'user:carol', '--endpoint', `localhost:${port}`, '--insecure', '--token', 'nope'),
    ).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: invalid preshared key: invalid token\n',
    });
    const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(log).toContain('grpc server stopped');
    expect(log).not.toContain('k1');
  }, 180_000);
});
