/**
 * The Google-Drive-like dataset: users, nested groups, a folder forest several levels deep, and
 * documents with a parent folder and owner / editor / viewer grants to users and groups.
 *
 * The schema is a verbatim copy of schema/docs.zed (a test keeps them identical). The data uses
 * only its unions, subject sets and arrows (no wildcards, no bans), so casbin, cedar and a
 * recursive SQL query can express exactly the same thing and answer the same questions.
 */
import type { Relationship } from '../../src/core/index.js';
import { createRng, type Rng } from './rng.js';
import { appendTo, rel, sizeLabel, type CheckQuestion, type Dataset } from './dataset.js';

export const DOCS_SCHEMA = `/** user is a person with an account. */
definition user {}

/** group is a set of users; groups nest, so a group can be a member of another. */
definition group {
	relation member: user | group#member
}

/** folder holds documents and other folders; access flows down from parent folders. */
definition folder {
	relation parent: folder
	relation owner: user
	relation editor: user | group#member
	relation viewer: user | user:* | group#member

	permission manage = owner + parent->manage
	permission edit = manage + editor + parent->edit
	permission view = viewer + edit + parent->view
}

/** document is a file in a folder. */
definition document {
	relation parent: folder
	relation owner: user
	relation editor: user | group#member
	relation viewer: user | user:* | group#member

	/** banned users lose view access, whatever else grants it. */
	relation banned: user

	permission edit = owner + editor + parent->edit
	permission view = (viewer + edit + parent->view) - banned
	permission delete = owner + parent->manage
}
`;

/**
 * Which direct relations grant each permission on a resource or any folder above it: the schema
 * above flattened for the peers (folder `manage` = owner up the chain, which `edit` includes).
 */
export const DOCS_GRANTS: Readonly<Record<'view' | 'edit', readonly string[]>> = {
  view: ['owner', 'editor', 'viewer'],
  edit: ['owner', 'editor'],
};

export const DOCS_GROUP_DEPTH = 4;
export const DOCS_FOLDER_DEPTH = 5;

export interface DocsOptions {
  readonly relationships: number;
  readonly seed?: number;
  readonly questions?: number;
}

interface Shape {
  readonly users: number;
  readonly groups: number;
  readonly folders: number;
}

function shapeFor(n: number): Shape {
  return {
    users: Math.max(10, Math.floor(n / 20)),
    groups: Math.max(4, Math.floor(n / 200)),
    folders: Math.max(4, Math.floor(n / 50)),
  };
}

/** A forest where node i's parent is an earlier node, with depth capped at maxDepth levels. */
function forest(count: number, maxDepth: number, rng: Rng): { parent: Int32Array; depth: Int32Array } {
  const parent = new Int32Array(count).fill(-1);
  const depth = new Int32Array(count);
  const roots = Math.max(1, Math.floor(count / 20));
  for (let i = roots; i < count; i++) {
    // Bounded retries keep depth capped without scanning for eligible parents.
    for (let attempt = 0; attempt < 8; attempt++) {
      const p = rng.int(i);
      if ((depth[p] ?? 0) + 1 < maxDepth) {
        parent[i] = p;
        depth[i] = (depth[p] ?? 0) + 1;
        break;
      }
    }
  }
  return { parent, depth };
}

const GRANTS = ['owner', 'editor', 'viewer'] as const;
const GROUP_GRANTS = ['editor', 'viewer'] as const;

export function generateDocs(options: DocsOptions): Dataset {
  const n = options.relationships;
  const rng = createRng(options.seed ?? 1);
  const shape = shapeFor(n);
  const out: Relationship[] = [];
  const push = (r: Relationship): boolean => {
    if (out.length >= n) return false;
    out.push(r);
    return true;
  };
  const subject = (): [string, string, string | undefined] =>
    rng.chance(0.3) ? ['group', `g${rng.int(shape.groups)}`, 'member'] : ['user', `u${rng.int(shape.users)}`, undefined];

  const groups = forest(shape.groups, DOCS_GROUP_DEPTH, rng);
  for (let g = 0; g < shape.groups; g++) {
    const p = groups.parent[g] ?? -1;
    if (p >= 0) push(rel('group', `g${p}`, 'member', 'group', `g${g}`, 'member'));
  }
  for (let u = 0; u < shape.users; u++) {
    const memberships = 1 + rng.int(2);
    const seen = new Set<number>();
    for (let k = 0; k < memberships; k++) {
      const g = rng.int(shape.groups);
      if (seen.has(g)) continue;
      seen.add(g);
      push(rel('group', `g${g}`, 'member', 'user', `u${u}`));
    }
  }
  const folders = forest(shape.folders, DOCS_FOLDER_DEPTH, rng);
  for (let f = 0; f < shape.folders; f++) {
    const p = folders.parent[f] ?? -1;
    if (p >= 0) push(rel('folder', `f${f}`, 'parent', 'folder', `f${p}`));
    const [st, sid, sr] = subject();
    // The schema allows only users as owners.
    push(rel('folder', `f${f}`, st === 'user' ? rng.pick(GRANTS) : rng.pick(GROUP_GRANTS), st, sid, sr));
  }
  let d = 0;
  while (out.length < n) {
    const id = `d${d++}`;
    push(rel('document', id, 'parent', 'folder', `f${rng.int(shape.folders)}`));
    push(rel('document', id, 'owner', 'user', `u${rng.int(shape.users)}`));
    const extra = rng.int(3);
    const used = new Set<string>();
    for (let k = 0; k < extra; k++) {
      const [st, sid, sr] = subject();
      const relation = rng.chance(0.5) ? 'viewer' : 'editor';
      const key = `${relation}/${st}/${sid}`;
      if (used.has(key)) continue;
      used.add(key);
      push(rel('document', id, relation, st, sid, sr));
    }
  }
  const documents = d;
  return {
    name: `docs-${sizeLabel(n)}`,
    model: 'docs',
    schema: DOCS_SCHEMA,
    relationships: out,
    questions: docsQuestions(out, documents, shape.users, options.questions ?? 500, options.seed ?? 1),
  };
}

/**
 * Half the questions walk a real path (a grant on the document or one of its folders, then down
 * through groups to a user), so they are mostly allowed via groups and arrows; the other half pair
 * a random user with a random document (mostly denied).
 */
function docsQuestions(rels: readonly Relationship[], documents: number, users: number, count: number, seed: number): CheckQuestion[] {
  const rng = createRng(seed * 7919 + 17);
  const parentOf = new Map<string, string>();
  const grantsOn = new Map<string, Relationship[]>();
  const membersOf = new Map<string, Relationship[]>();
  for (const r of rels) {
    const key = `${r.resource.type}:${r.resource.id}`;
    if (r.relation === 'parent') parentOf.set(key, `folder:${r.subject.id}`);
    else if (r.resource.type === 'group') appendTo(membersOf, r.resource.id, r);
    else appendTo(grantsOn, key, r);
  }
  const userBelow = (group: string): string | undefined => {
    let g = group;
    for (let hop = 0; hop < 8; hop++) {
      const members = membersOf.get(g);
      if (!members || members.length === 0) return undefined;
      const m = rng.pick(members);
      if (m.subject.type === 'user') return m.subject.id;
      g = m.subject.id;
    }
    return undefined;
  };
  const out: CheckQuestion[] = [];
  for (let i = 0; i < count; i++) {
    const permission = rng.chance(0.7) ? 'view' : 'edit';
    const doc = `d${rng.int(Math.max(1, documents))}`;
    let user: string | undefined;
    if (i % 2 === 0) {
      const chain: string[] = [];
      for (let at: string | undefined = `document:${doc}`; at && chain.length < 16; at = parentOf.get(at)) chain.push(at);
      const grants = grantsOn.get(rng.pick(chain)) ?? grantsOn.get(`document:${doc}`) ?? [];
      if (grants.length > 0) {
        const g = rng.pick(grants);
        user = g.subject.type === 'user' ? g.subject.id : userBelow(g.subject.id);
      }
    }
    out.push({
      resource: { type: 'document', id: doc },
      permission,
      subject: { type: 'user', id: user ?? `u${rng.int(users)}` },
    });
  }
  return out;
}

/** More questions for an existing docs dataset from another seed: mostly ones the first list never asked. */
export function moreDocsQuestions(dataset: Dataset, count: number, seed: number): CheckQuestion[] {
  let documents = 0;
  let users = 0;
  for (const r of dataset.relationships) {
    if (r.resource.type === 'document') documents = Math.max(documents, Number(r.resource.id.slice(1)) + 1);
    if (r.subject.type === 'user') users = Math.max(users, Number(r.subject.id.slice(1)) + 1);
  }
  return docsQuestions(dataset.relationships, documents, users, count, seed);
}
