/**
 * The narrow slice of better-sqlite3 this adapter uses (as kysely does), so the adapter
 * depends on behaviour rather than on the driver's type declarations.
 */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Rows as arrays in column order instead of objects: no per-row property creation. */
  raw(toggle: boolean): SqliteStatement;
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  close(): void;
}

/** Opens a better-sqlite3 connection; the driver is loaded only when SQLite is used. */
export async function openSqliteDatabase(path: string): Promise<SqliteDatabase> {
  const mod = (await import('better-sqlite3')) as unknown as { default: new (path: string) => SqliteDatabase };
  return new mod.default(path);
}

/** The SQLite result code of a driver error (`SQLITE_BUSY`, ...), if it is one. */
export function sqliteErrorCode(e: unknown): string | undefined {
  if (e instanceof Error && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const code = (e as { code: string }).code;
    return code.startsWith('SQLITE_') ? code : undefined;
  }
  return undefined;
}
