/**
 * Where a data command runs: against a server (`--endpoint`, `--token`, `--insecure`, like zed)
 * or directly on a datastore (`--datastore`) through the embedded Trellis. Both sides offer the
 * same domain-level methods, so each command is written once.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { Trellis } from '../../api/embedded/index.js';
import { RemoteTrellis } from '../../api/grpc/index.js';
import { compileSchemaOrThrow, diffSchemas, sourceForAllowedType, type SchemaDiff } from '../../schema/index.js';
import type { Consistency } from '../../engine/index.js';

export type CliBackend = Pick<
  RemoteTrellis,
  | 'writeSchema'
  | 'readSchema'
  | 'diffSchema'
  | 'write'
  | 'deleteRelationships'
  | 'read'
  | 'importRelationships'
  | 'exportRelationships'
  | 'check'
  | 'expand'
  | 'lookupResources'
  | 'lookupSubjects'
  | 'close'
>;

export interface BackendOptions {
  endpoint?: string;
  token?: string;
  insecure?: boolean;
  certificatePath?: string;
  datastore?: string;
}

/** CLI reads see every earlier CLI write. */
export const CLI_CONSISTENCY: Consistency = { kind: 'fully_consistent' };

export function addBackendOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--endpoint <host:port>', 'server to talk to').env('TRELLIS_ENDPOINT').default('localhost:50051'))
    .addOption(new Option('--token <token>', 'bearer token (preshared key) for the server').env('TRELLIS_TOKEN'))
    .option('--insecure', 'connect without TLS')
    .option('--certificate-path <file>', 'PEM CA certificate to trust for the server (self-signed TLS)')
    .option('--datastore <spec>', "work directly on a datastore instead of a server: 'memory', a SQLite path or a postgres:// URL");
}

export function formatDiff(d: SchemaDiff): string {
  switch (d.kind) {
    case 'definition_added':
    case 'definition_removed':
    case 'definition_doc_comment_changed':
      return `${d.kind} ${d.definition.name}`;
    case 'relation_added':
    case 'relation_removed':
    case 'relation_doc_comment_changed':
      return `${d.kind} ${d.relation.definition}#${d.relation.name}`;
    case 'relation_subject_type_added':
    case 'relation_subject_type_removed':
      return `${d.kind} ${d.relation.definition}#${d.relation.name} ${sourceForAllowedType({ ...d.subjectType, expiration: false })}`;
    case 'permission_added':
    case 'permission_removed':
    case 'permission_doc_comment_changed':
    case 'permission_expr_changed':
      return `${d.kind} ${d.permission.definition}#${d.permission.name}`;
    case 'caveat_added':
    case 'caveat_removed':
    case 'caveat_doc_comment_changed':
    case 'caveat_expr_changed':
      return `${d.kind} ${d.caveat.name}`;
    case 'caveat_parameter_added':
    case 'caveat_parameter_removed':
      return `${d.kind} ${d.caveat}.${d.parameter}`;
    case 'caveat_parameter_type_changed':
      return `${d.kind} ${d.caveat}.${d.parameter} ${d.previousType} -> ${d.type}`;
  }
}

class LocalBackend implements CliBackend {
  constructor(private readonly t: Trellis) {}
  writeSchema(text: string) {
    return this.t.writeSchema(text);
  }
  readSchema() {
    return this.t.readSchema();
  }
  async diffSchema(text: string): Promise<string[]> {
    const { schema } = await this.t.schema();
    return diffSchemas(schema, compileSchemaOrThrow(text)).map(formatDiff);
  }
  write(...args: Parameters<CliBackend['write']>) {
    return this.t.write(...args);
  }
  deleteRelationships(...args: Parameters<CliBackend['deleteRelationships']>) {
    return this.t.deleteRelationships(...args);
  }
  read(...args: Parameters<CliBackend['read']>) {
    return this.t.read(...args);
  }
  importRelationships(...args: Parameters<CliBackend['importRelationships']>) {
    return this.t.importRelationships(args[0]);
  }
  exportRelationships(...args: Parameters<CliBackend['exportRelationships']>) {
    return this.t.exportRelationships(...args);
  }
  check(...args: Parameters<CliBackend['check']>) {
    return this.t.check(...args);
  }
  expand(...args: Parameters<CliBackend['expand']>) {
    return this.t.expand(...args);
  }
  lookupResources(...args: Parameters<CliBackend['lookupResources']>) {
    return this.t.lookupResources(...args);
  }
  lookupSubjects(...args: Parameters<CliBackend['lookupSubjects']>) {
    return this.t.lookupSubjects(...args);
  }
  close() {
    return this.t.close();
  }
}

export async function openBackend(opts: BackendOptions): Promise<CliBackend> {
  if (opts.datastore) return new LocalBackend(await Trellis.open({ datastore: opts.datastore, quantizationMs: 0 }));
  return new RemoteTrellis(opts.endpoint ?? 'localhost:50051', {
    ...(opts.token ? { token: opts.token } : {}),
    ...(opts.insecure ? { insecure: true } : {}),
    ...(opts.certificatePath ? { caCertificate: readFileSync(opts.certificatePath) } : {}),
  });
}

export async function withBackend<T>(opts: BackendOptions, fn: (b: CliBackend) => Promise<T>): Promise<T> {
  const b = await openBackend(opts);
  try {
    return await fn(b);
  } finally {
    await b.close();
  }
}

export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}
