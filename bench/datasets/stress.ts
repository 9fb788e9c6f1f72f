/**
 * Stress shapes on the docs schema: nested-group chains of depth 1..32, one group with a very
 * large membership, and folders with 1k / 10k / 100k children (wide arrows, and the large
 * lookup-resources result sets).
 */
import type { Relationship } from '../../src/core/index.js';
import { DOCS_SCHEMA } from './docs.js';
import { rel, sizeLabel, type CheckQuestion, type Dataset } from './dataset.js';

export interface StressOptions {
  /** Chain depths to build (number of nested groups between the document and the user). */
  readonly chainDepths: readonly number[];
  /** Members of group:big. */
  readonly bigGroupMembers: number;
  /** Folder sizes: folder:wide-<n> gets n child documents, readable by user:reader-<n>. */
  readonly wideFolders: readonly number[];
}

export function chainDocument(depth: number): string {
  return `chain-${depth}`;
}

export function wideFolder(children: number): string {
  return `wide-${sizeLabel(children)}`;
}

/** The user who can view exactly the documents of folder:wide-<children>. */
export function wideReader(children: number): string {
  return `reader-${sizeLabel(children)}`;
}

export function generateStress(options: StressOptions): Dataset {
  const out: Relationship[] = [];
  const questions: CheckQuestion[] = [];
  for (const depth of options.chainDepths) {
    // document:chain-d#viewer@group:c<d>-0#member, group c<d>-i has member c<d>-(i+1), the last one the user.
    out.push(rel('document', chainDocument(depth), 'viewer', 'group', `c${depth}-0`, 'member'));
    for (let i = 0; i + 1 < depth; i++) out.push(rel('group', `c${depth}-${i}`, 'member', 'group', `c${depth}-${i + 1}`, 'member'));
    out.push(rel('group', `c${depth}-${depth - 1}`, 'member', 'user', `chain-user-${depth}`));
    questions.push({ resource: { type: 'document', id: chainDocument(depth) }, permission: 'view', subject: { type: 'user', id: `chain-user-${depth}` } });
  }
  out.push(rel('document', 'big-doc', 'viewer', 'group', 'big', 'member'));
  for (let i = 0; i < options.bigGroupMembers; i++) out.push(rel('group', 'big', 'member', 'user', `big-${i}`));
  for (const size of options.wideFolders) {
    const folder = wideFolder(size);
    out.push(rel('folder', folder, 'viewer', 'user', wideReader(size)));
    for (let i = 0; i < size; i++) out.push(rel('document', `${folder}-d${i}`, 'parent', 'folder', folder));
  }
  return { name: 'stress', model: 'stress', schema: DOCS_SCHEMA, relationships: out, questions };
}
