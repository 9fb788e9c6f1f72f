/** The parent's side of server-child: fork, ask, wait (always with a timeout), stop. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildReply, ChildRequest } from './server-child.js';

export class ServerChild {
  private constructor(private readonly child: ChildProcess) {}

  static spawn(): ServerChild {
    const entry = fileURLToPath(new URL('./server-child.js', import.meta.url));
    return new ServerChild(fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  private ask<T extends ChildReply['type']>(req: ChildRequest, want: T, timeoutMs: number): Promise<Extract<ChildReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`server child: no ${want} reply within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (msg: ChildReply): void => {
        if (msg.type === want) finish(undefined, msg as Extract<ChildReply, { type: T }>);
        else if (msg.type === 'error') finish(new Error(`server child: ${msg.message}`));
      };
      const onExit = (code: number | null): void => finish(new Error(`server child exited with ${code}`));
      const finish = (err?: Error, value?: Extract<ChildReply, { type: T }>): void => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (err) reject(err);
        else resolve(value as Extract<ChildReply, { type: T }>);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(req);
    });
  }

  async start(server: 'noop' | 'trellis', docsSize: number, workDir: string): Promise<number> {
    return (await this.ask({ type: 'start', server, docsSize, workDir }, 'ready', 180_000)).port;
  }

  /** The child's total CPU time (user + system) so far, in µs. */
  async cpuUs(): Promise<number> {
    const r = await this.ask({ type: 'cpu' }, 'cpu', 10_000);
    return r.userUs + r.systemUs;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
