/**
 * node-casbin given the docs model as RBAC with role hierarchies: users and groups form one role
 * graph (g), documents and folders another (g2), grant relations imply permissions through a
 * third (g3: owner -> edit, editor -> edit, edit -> view, viewer -> view), and every
 * owner / editor / viewer relationship is one policy line.
 */
import { newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import type { Relationship } from '../../src/core/index.js';
import type { CheckQuestion } from '../datasets/dataset.js';
import { DOCS_FOLDER_DEPTH, DOCS_GROUP_DEPTH } from '../datasets/docs.js';
import type { CheckSystem } from './check-system.js';

export const CASBIN_MODEL = `
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _
g2 = _, _
g3 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g3(p.act, r.act) && g2(r.obj, p.obj) && g(r.sub, p.sub)
`;

const PERMISSION_LINKS = [
  ['owner', 'edit'],
  ['editor', 'edit'],
  ['edit', 'view'],
  ['viewer', 'view'],
];

export async function createCasbinPeer(relationships: readonly Relationship[]): Promise<CheckSystem> {
  const enforcer: Enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL));
  // The default role manager stops at 10 levels; the docs graph is shallower, so this only guards.
  if (DOCS_GROUP_DEPTH > 10 || DOCS_FOLDER_DEPTH > 10) throw new RangeError('docs hierarchy deeper than casbin allows');
  const policies: string[][] = [];
  const members: string[][] = [];
  const parents: string[][] = [];
  for (const r of relationships) {
    const resource = `${r.resource.type}:${r.resource.id}`;
    const subject = `${r.subject.type}:${r.subject.id}`;
    if (r.resource.type === 'group' && r.relation === 'member') members.push([subject, resource]);
    else if (r.relation === 'parent') parents.push([resource, subject]);
    else policies.push([subject, resource, r.relation]);
  }
  enforcer.enableAutoBuildRoleLinks(false);
  await enforcer.addPolicies(policies);
  await enforcer.addGroupingPolicies(members);
  await enforcer.addNamedGroupingPolicies('g2', parents);
  await enforcer.addNamedGroupingPolicies('g3', PERMISSION_LINKS);
  await enforcer.buildRoleLinks();
  return {
    name: 'casbin',
    check(q: CheckQuestion): boolean {
      return enforcer.enforceSync(`${q.subject.type}:${q.subject.id}`, `${q.resource.type}:${q.resource.id}`, q.permission);
    },
    async close(): Promise<void> {},
  };
}
