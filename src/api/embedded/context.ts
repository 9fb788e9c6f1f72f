/** What the write, read and watch paths need from the `Trellis` instance that owns them. */
import type { Revision } from '../../core/index.js';
import type { Consistency } from '../../engine/index.js';
import type { Schema } from '../../schema/index.js';
import type { Store, StoreReader } from '../../store/index.js';
import type { Limits } from './limits.js';

export interface FacadeContext {
  readonly store: Store;
  readonly limits: Limits;
  /** The compiled schema a reader (or write transaction) sees; the empty schema when none. */
  schemaIn(reader: StoreReader): Promise<Schema>;
  /** The revision a read with this consistency uses. */
  resolveRevision(consistency: Consistency | undefined): Promise<Revision>;
  /** ZedToken for a revision. */
  token(revision: Revision): Promise<string>;
  /** Called after every committed write (read-your-writes). */
  noteWrite(revision: Revision): void;
}
