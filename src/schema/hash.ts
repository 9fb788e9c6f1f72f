/** The schema hash stored with each written schema and carried in ZedTokens (reference §5.8). */
import { createHash } from 'node:crypto';

export function schemaHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
