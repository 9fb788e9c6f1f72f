/**
 * The GitHub-like dataset: organizations with owners and members, nested teams, repositories
 * with roles granted to users and teams, and org-level roles reaching every repository. The
 * schema is a verbatim copy of schema/github.zed (a test keeps them identical).
 */
import { relationshipKey, type Relationship } from '../../src/core/index.js';
import { createRng } from './rng.js';
import { rel, sizeLabel, type CheckQuestion, type Dataset } from './dataset.js';

export const ORGS_SCHEMA = `/** user is a GitHub account. */
definition user {}

/** organization owns teams and repositories. */
definition organization {
	relation owner: user
	relation member: user

	permission admin = owner
	permission read_all = owner
	permission create_repository = owner + member
	permission membership = owner + member
}

/** team is a group inside an organization; teams nest through child teams. */
definition team {
	relation org: organization
	relation maintainer: user
	relation direct_member: user | team#membership

	permission membership = maintainer + direct_member
	permission manage = maintainer + org->admin
}

/** repository grants roles to users and teams, and inherits from its organization. */
definition repository {
	relation org: organization
	relation reader: user | team#membership
	relation triager: user | team#membership
	relation writer: user | team#membership
	relation maintainer: user | team#membership
	relation admin: user | team#membership

	permission administer = admin + org->admin
	permission maintain = maintainer + administer
	permission push = writer + maintain
	permission triage = triager + push
	permission pull = reader + triage + org->read_all
	permission delete = administer
}
`;

export interface OrgsOptions {
  readonly relationships: number;
  readonly seed?: number;
  readonly questions?: number;
}

const REPO_ROLES = ['admin', 'maintainer', 'writer', 'triager', 'reader'] as const;
const PERMISSIONS = ['pull', 'push', 'administer'] as const;

export function generateOrgs(options: OrgsOptions): Dataset {
  const n = options.relationships;
  const rng = createRng(options.seed ?? 2);
  // Roughly 1 org per 2,000 relationships, each with its own users, teams and repositories.
  const orgs = Math.max(1, Math.floor(n / 2000));
  const usersPerOrg = 100;
  const teamsPerOrg = 20;
  const out: Relationship[] = [];
  const seen = new Set<string>();
  // Random picks can repeat a (resource, relation, subject); a dataset must not.
  const push = (r: Relationship): void => {
    const key = relationshipKey(r);
    if (out.length < n && !seen.has(key)) {
      seen.add(key);
      out.push(r);
    }
  };
  const user = (o: number): string => `o${o}u${rng.int(usersPerOrg)}`;
  for (let o = 0; o < orgs; o++) {
    for (let a = 0; a < 2; a++) push(rel('organization', `o${o}`, 'owner', 'user', `o${o}u${a}`));
    for (let u = 2; u < usersPerOrg; u += 2) push(rel('organization', `o${o}`, 'member', 'user', `o${o}u${u}`));
    for (let t = 0; t < teamsPerOrg; t++) {
      const team = `o${o}t${t}`;
      push(rel('team', team, 'org', 'organization', `o${o}`));
      // Team t nests under team floor(t/3): a tree three to four levels deep.
      if (t > 0) push(rel('team', `o${o}t${Math.floor(t / 3)}`, 'direct_member', 'team', team, 'membership'));
      push(rel('team', team, 'maintainer', 'user', user(o)));
      for (let m = 0; m < 8; m++) push(rel('team', team, 'direct_member', 'user', user(o)));
    }
  }
  let r = 0;
  while (out.length < n) {
    const o = r % orgs;
    const repo = `o${o}r${r++}`;
    push(rel('repository', repo, 'org', 'organization', `o${o}`));
    const grants = 1 + rng.int(4);
    const used = new Set<string>();
    for (let k = 0; k < grants; k++) {
      const role = rng.pick(REPO_ROLES);
      const viaTeam = rng.chance(0.5);
      const subject = viaTeam ? `o${o}t${rng.int(teamsPerOrg)}` : user(o);
      const key = `${role}/${subject}`;
      if (used.has(key)) continue;
      used.add(key);
      push(viaTeam ? rel('repository', repo, role, 'team', subject, 'membership') : rel('repository', repo, role, 'user', subject));
    }
  }
  const questions: CheckQuestion[] = [];
  for (let i = 0; i < (options.questions ?? 500); i++) {
    const repoIndex = rng.int(Math.max(1, r));
    const o = repoIndex % orgs;
    questions.push({
      resource: { type: 'repository', id: `o${o}r${repoIndex}` },
      permission: rng.pick(PERMISSIONS),
      // Mostly users of the repository's own org (allowed or not), some from another org.
      subject: { type: 'user', id: rng.chance(0.8) ? user(o) : user(rng.int(orgs)) },
    });
  }
  return { name: `orgs-${sizeLabel(n)}`, model: 'orgs', schema: ORGS_SCHEMA, relationships: out, questions };
}
