/**
 * Runs a TypeScript fixture in a real child process: bundles it with esbuild (already
 * present as vitest's bundler) into a temporary .mjs under node_modules/.cache, leaving
 * the drivers external.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const built = new Map<string, string>();
// Inside node_modules so the bundle resolves the native drivers it leaves external.
const cacheDir = join(process.cwd(), 'node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const outDir = mkdtempSync(join(cacheDir, 'trellis-store-child-'));

/** Removes the bundles (call from afterAll; test workers may not see a normal exit). */
export function removeBundles(): void {
  rmSync(outDir, { recursive: true, force: true });
  built.clear();
}

export async function bundleFixture(entry: string): Promise<string> {
  const cached = built.get(entry);
  if (cached) return cached;
  const esbuild = (await import('esbuild')) as unknown as {
    build(options: Record<string, unknown>): Promise<unknown>;
  };
  const outfile = join(outDir, `fixture-${built.size}.mjs`);
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    external: ['better-sqlite3', 'pg'],
    logLevel: 'silent',
  });
  built.set(entry, outfile);
  return outfile;
}

export interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  /** Resolves with the first stdout line matching `pattern`, seen or still to come (rejects on exit or after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly lines: string[];
  exited: Promise<number | null>;
}

export function startChild(script: string, args: readonly string[]): Child {
  const proc = spawn(process.execPath, [script, ...args], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: proc.stdout }).on('line', (line) => {
    lines.push(line);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const m = line.match(waiters[i]!.pattern);
      if (m) waiters.splice(i, 1)[0]!.resolve(m);
    }
  });
  // 'close' (not 'exit'): stdout is drained by then, so no final line is lost.
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return {
    process: proc,
    lines,
    exited,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        // The line may have arrived before anyone asked for it.
        for (const line of lines) {
          const m = line.match(pattern);
          if (m) return resolve(m);
        }
        const timer = setTimeout(() => reject(new Error(`child: timed out waiting for ${pattern}; stderr: ${stderr}`)), timeoutMs);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`child exited (${code}) before ${pattern}; stderr: ${stderr}`));
        });
        waiters.push({
          pattern,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
  };
}
