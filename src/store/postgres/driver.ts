/**
 * The narrow slice of `pg` this adapter uses: a pool that runs queries and lends clients
 * for transactions. The driver module is loaded only when a Postgres store is opened.
 */
export interface PgQueryConfig {
  readonly text: string;
  readonly values?: readonly unknown[];
  /** Prepared-statement name; the same name must always carry the same text. */
  readonly name?: string;
}

export interface PgResult<R> {
  readonly rows: R[];
  readonly rowCount: number | null;
}

export interface PgQueryable {
  query<R>(config: PgQueryConfig): Promise<PgResult<R>>;
}

export interface PgClient extends PgQueryable {
  release(destroy?: boolean | Error): void;
}

export interface PgPool extends PgQueryable {
  connect(): Promise<PgClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface PgPoolConfig {
  readonly connectionString: string;
  readonly max?: number;
  /** Startup options, e.g. `-c search_path=...`. */
  readonly options?: string;
}

const INT8_OID = 20;

interface PgModule {
  Pool: new (config: Record<string, unknown>) => PgPool;
  types: { getTypeParser(oid: number, format?: string): (value: string) => unknown };
}

export async function createPgPool(config: PgPoolConfig): Promise<PgPool> {
  const mod = (await import('pg')) as unknown as { default: PgModule };
  const pg = mod.default;
  // Revisions, milliseconds and counts are bigint columns well inside 2^53: read them as numbers.
  const types = {
    getTypeParser: (oid: number, format?: string) => (oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)),
  };
  return new pg.Pool({ ...config, types });
}
