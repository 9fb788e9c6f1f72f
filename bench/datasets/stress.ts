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

/** The big group and its two probes (1/100 and 1/25 of its size): [group id, members]. */
export function bigGroups(members: number): [string, number][] {
  return [
    ['big', members],
    ['probe-a', Math.max(1, Math.floor(members / 100))],
    ['probe-b', Math.max(1, Math.floor(members / 25))],
  ];
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
    questions.push({
      resource: { type: 'document', id: chainDocument(depth) },
      permission: 'view',
      subject: { type: 'user', id: `chain-user-${depth}` },
    });
  }
  // Two smaller copies of the big group let the suite see how lookup cost grows before it
  // commits to the full-size lookup.
  for (const [group, members] of bigGroups(options.bigGroupMembers)) {
    out.push(rel('document', `${group}-doc`, 'viewer', 'group', group, 'member'));
    for (let i = 0; i < members; i++) out.push(rel('group', group, 'member', 'user', `${group}-${i}`));
  }
  for (const size of options.wideFolders) {
    const folder = wideFolder(size);
    out.push(rel('folder', folder, 'viewer', 'user', wideReader(size)));
    for (let i = 0; i < size; i++) out.push(rel('document', `${folder}-d${i}`, 'parent', 'folder', folder));
  }
  return { name: 'stress', model: 'stress', schema: DOCS_SCHEMA, relationships: out, questions };
}
