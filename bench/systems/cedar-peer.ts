/**
 * @cedar-policy/cedar-wasm given the docs model as an entity hierarchy: User in Group in Group,
 * Document in Folder in Folder, and one permit policy per owner / editor / viewer relationship
 * (`principal in Group::"g1"`, `resource in Folder::"f1"`), preparsed once.
 *
 * Cedar takes the entities with every request and has no entity store, so each check passes the
 * slice it needs: the principal's groups and the resource's folder chain, read from in-memory
 * maps inside the timed call, as an application would have to.
 */
import type { Relationship } from '../../src/core/index.js';
import type { CheckQuestion } from '../datasets/dataset.js';
import { DocsGraph } from '../datasets/docs-graph.js';
import { docsPermission, type CheckSystem } from './check-system.js';

interface EntityUid {
  type: string;
  id: string;
}
interface EntityJson {
  uid: EntityUid;
  attrs: Record<string, never>;
  parents: EntityUid[];
}
type Answer = { type: 'success'; response: { decision: 'allow' | 'deny' } } | { type: 'failure'; errors: { message: string }[] };
interface CedarModule {
  preparsePolicySet(
    id: string,
    policies: { staticPolicies: string },
  ): { type: 'success' } | { type: 'failure'; errors: { message: string }[] };
  statefulIsAuthorized(call: {
    principal: EntityUid;
    action: EntityUid;
    resource: EntityUid;
    context: Record<string, never>;
    preparsedPolicySetId: string;
    entities: EntityJson[];
  }): Answer;
}

const TYPE: Readonly<Record<string, string>> = { user: 'User', group: 'Group', folder: 'Folder', document: 'Document' };
const ACTIONS: Readonly<Record<string, string>> = {
  owner: '[Action::"view", Action::"edit"]',
  editor: '[Action::"view", Action::"edit"]',
  viewer: '[Action::"view"]',
};

function uid(key: string): EntityUid {
  const colon = key.indexOf(':');
  const type = TYPE[key.slice(0, colon)];
  if (!type) throw new RangeError(`no cedar type for ${key}`);
  return { type, id: key.slice(colon + 1) };
}

function literal(key: string): string {
  const u = uid(key);
  return `${u.type}::${JSON.stringify(u.id)}`;
}

let loaded: CedarModule | undefined;
let nextSetId = 0;

export async function createCedarPeer(relationships: readonly Relationship[]): Promise<CheckSystem> {
  loaded ??= (await import('@cedar-policy/cedar-wasm/nodejs')) as unknown as CedarModule;
  const cedar = loaded;
  const graph = new DocsGraph(relationships);
  const policies: string[] = [];
  for (const [resource, grants] of graph.grantsOn) {
    for (const g of grants) {
      const actions = ACTIONS[g.relation];
      if (!actions) throw new RangeError(`no cedar actions for relation ${g.relation}`);
      const principal = g.subject.startsWith('user:') ? `principal == ${literal(g.subject)}` : `principal in ${literal(g.subject)}`;
      policies.push(`permit(${principal}, action in ${actions}, resource in ${literal(resource)});`);
    }
  }
  const setId = `docs-${nextSetId++}`;
  const parsed = cedar.preparsePolicySet(setId, { staticPolicies: policies.join('\n') });
  if (parsed.type !== 'success') throw new Error(`cedar rejected the policies: ${parsed.errors.map((e) => e.message).join('; ')}`);

  const slice = (q: CheckQuestion): EntityJson[] => {
    const out: EntityJson[] = [];
    for (const p of graph.principals(`${q.subject.type}:${q.subject.id}`)) {
      out.push({ uid: uid(p), attrs: {}, parents: (graph.memberOf.get(p) ?? []).map(uid) });
    }
    for (const a of graph.ancestors(`${q.resource.type}:${q.resource.id}`)) {
      const parent = graph.parentOf.get(a);
      out.push({ uid: uid(a), attrs: {}, parents: parent ? [uid(parent)] : [] });
    }
    return out;
  };

  return {
    name: 'cedar-wasm',
    check(q: CheckQuestion): boolean {
      const answer = cedar.statefulIsAuthorized({
        principal: uid(`${q.subject.type}:${q.subject.id}`),
        action: { type: 'Action', id: docsPermission(q.permission) },
        resource: uid(`${q.resource.type}:${q.resource.id}`),
        context: {},
        preparsedPolicySetId: setId,
        entities: slice(q),
      });
      if (answer.type !== 'success') throw new Error(`cedar failed: ${answer.errors.map((e) => e.message).join('; ')}`);
      return answer.response.decision === 'allow';
    },
    async close(): Promise<void> {},
  };
}
