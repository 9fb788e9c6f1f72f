/**
 * The cross-operation consistency suite (reference §4.2): for one loaded validation file,
 * check, bulk check, lookup resources (page sizes 0 and 2 with cursors), lookup subjects,
 * expand and read must agree with each other and with the file's assertions. Returns the
 * failures (empty = consistent) and a fingerprint of every answer, so different backends or
 * cache settings can be compared for equality.
 */
import { formatRelationship, formatSubject, isWildcard, parseRelationship } from '../../src/core/index.js';
import type { JsonObject, ObjectRef, SubjectRef } from '../../src/core/index.js';
import type { Trellis } from '../../src/api/embedded/index.js';
import type { Consistency, LookupSubjectsResult, Permissionship } from '../../src/engine/index.js';
import type { PermissionExpr, Schema } from '../../src/schema/index.js';
import type { ValidationFile } from '../../src/validationfile/index.js';

const FULL: Consistency = { kind: 'fully_consistent' };
const RANK: Record<Permissionship, number> = { no_permission: 0, conditional_permission: 1, has_permission: 2 };

export interface ConsistencyReport {
  readonly failures: string[];
  /** Sorted lines `resource#permission@subject=permissionship` plus LR/LS answers. */
  readonly fingerprint: string[];
  readonly checks: number;
}

const objKey = (o: ObjectRef): string => `${o.type}:${o.id}`;

function errMessage(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Objects, subjects and (type → members) that the suite quantifies over. */
function universe(file: ValidationFile, schema: Schema): { objects: Map<string, ObjectRef>; subjects: Map<string, SubjectRef> } {
  const objects = new Map<string, ObjectRef>();
  const subjects = new Map<string, SubjectRef>();
  const addObject = (o: ObjectRef): void => {
    if (o.id !== '*' && schema.definitions.has(o.type)) objects.set(objKey(o), { type: o.type, id: o.id });
  };
  const addSubject = (s: SubjectRef): void => {
    if (!isWildcard(s)) subjects.set(formatSubject(s), s);
  };
  for (const line of file.relationships) {
    addObject(line.relationship.resource);
    addObject(line.relationship.subject);
    addSubject(line.relationship.subject);
  }
  for (const a of file.assertions) {
    addObject(a.relationship.resource);
    addSubject(a.relationship.subject);
  }
  for (const o of objects.values()) addSubject(o);
  return { objects, subjects };
}

export async function runConsistency(trellis: Trellis, file: ValidationFile): Promise<ConsistencyReport> {
  const failures: string[] = [];
  const fingerprint: string[] = [];
  const fail = (msg: string): void => {
    failures.push(msg);
  };
  const { schema } = await trellis.schema(FULL);
  const { objects, subjects } = universe(file, schema);
  const now = Date.now();

  // 1. Re-touching every relationship type-checks.
  try {
    const rels = file.relationships.map((l) => l.relationship);
    for (let i = 0; i < rels.length; i += 500) await trellis.touch(...rels.slice(i, i + 500));
  } catch (e) {
    fail(`re-writing the relationships failed: ${errMessage(e)}`);
  }

  // 2. Reads by resource type return exactly the live relationships.
  const byType = new Map<string, Set<string>>();
  for (const l of file.relationships) {
    const r = l.relationship;
    if (r.expiresAt && r.expiresAt.getTime() <= now) continue;
    const set = byType.get(r.resource.type) ?? new Set<string>();
    set.add(formatRelationship(parseRelationship(formatRelationship(r))));
    byType.set(r.resource.type, set);
  }
  for (const [type, want] of byType) {
    const got = new Set<string>();
    for await (const r of trellis.read({ resourceType: type }, { consistency: FULL })) got.add(formatRelationship(r.relationship));
    const missing = [...want].filter((x) => !got.has(x));
    const extra = [...got].filter((x) => !want.has(x));
    if (missing.length || extra.length) fail(`read ${type}: missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(extra)}`);
  }

  // The accessibility set: check for every (object, member, defined subject).
  const access = new Map<string, Permissionship>();
  const key = (o: ObjectRef, rel: string, s: SubjectRef): string => `${objKey(o)}#${rel}@${formatSubject(s)}`;
  let checks = 0;
  const members = (type: string): string[] => [...(schema.definitions.get(type)?.members.keys() ?? [])];
  for (const o of objects.values()) {
    for (const rel of members(o.type)) {
      for (const s of subjects.values()) {
        try {
          const r = await trellis.check({ resource: o, permission: rel, subject: s, consistency: FULL });
          access.set(key(o, rel, s), r.permissionship);
          checks++;
        } catch (e) {
          fail(`check ${key(o, rel, s)} threw ${errMessage(e)}`);
        }
      }
    }
  }
  for (const [k, v] of access) fingerprint.push(`check ${k}=${v}`);

  // 3. Assertions through check, lookup resources (with and without context) and bulk check.
  const expectedOf = { assertTrue: 'has_permission', assertCaveated: 'conditional_permission', assertFalse: 'no_permission' } as const;
  for (const a of file.assertions) {
    const r = a.relationship;
    const want = expectedOf[a.kind];
    const ctx = a.context ? { context: a.context } : {};
    const got = await trellis.check({ resource: r.resource, permission: r.relation, subject: r.subject, consistency: FULL, ...ctx });
    if (got.permissionship !== want) fail(`assertion ${a.text}: check gave ${got.permissionship}, expected ${want}`);
    const lr = await lookupAll(trellis, r.resource.type, r.relation, r.subject, 0, a.context);
    const found = lr.get(r.resource.id) ?? 'no_permission';
    if (found !== want) fail(`assertion ${a.text}: lookup resources with its context gave ${found}, expected ${want}`);
    const noCtx = await lookupAll(trellis, r.resource.type, r.relation, r.subject, 0, undefined);
    const plain = noCtx.get(r.resource.id) ?? 'no_permission';
    const allowed: Permissionship[] = a.context
      ? want === 'no_permission'
        ? ['no_permission', 'conditional_permission']
        : [want, 'conditional_permission']
      : [want];
    if (!allowed.includes(plain))
      fail(`assertion ${a.text}: lookup resources without context gave ${plain}, expected one of ${allowed.join('/')}`);
  }
  if (file.assertions.length > 0) {
    const bulk = await trellis.checkBulk({
      items: file.assertions.map((a) => ({
        resource: a.relationship.resource,
        permission: a.relationship.relation,
        subject: a.relationship.subject,
        ...(a.context ? { context: a.context } : {}),
      })),
      consistency: FULL,
    });
    file.assertions.forEach((a, i) => {
      const item = bulk.results[i];
      const want = expectedOf[a.kind];
      if (!item?.ok) fail(`assertion ${a.text}: bulk check failed: ${item && !item.ok ? errMessage(item.error) : 'no result'}`);
      else if (item.permissionship !== want) fail(`assertion ${a.text}: bulk check gave ${item.permissionship}, expected ${want}`);
    });
  }

  // 4 + 5. Expand never errors; the recursive expansion contains every accessible subject,
  // and every uncaveated concrete subject it names is accessible.
  for (const o of objects.values()) {
    for (const rel of members(o.type)) {
      try {
        await trellis.expand({ resource: o, permission: rel, consistency: FULL });
      } catch (e) {
        fail(`expand ${objKey(o)}#${rel} threw ${errMessage(e)}`);
        continue;
      }
      let expanded;
      try {
        expanded = await trellis.expandSubjects(o, rel, FULL);
      } catch (e) {
        fail(`expandSubjects ${objKey(o)}#${rel} threw ${errMessage(e)}`);
        continue;
      }
      const concrete = new Map(expanded.filter((x) => !isWildcard(x.subject)).map((x) => [formatSubject(x.subject), x]));
      const wildcards = expanded.filter((x) => isWildcard(x.subject));
      for (const s of subjects.values()) {
        // A relation of the object itself reaches the permission by the self-match rule
        // (e.g. d#viewer for d#view = viewer), which is not an expansion member.
        if (s.type === o.type && s.id === o.id && s.relation !== undefined) continue;
        const p = access.get(key(o, rel, s));
        const sk = formatSubject(s);
        const c = concrete.get(sk);
        if (p === 'has_permission') {
          const viaWildcard =
            s.relation === undefined &&
            wildcards.some((w) => w.subject.type === s.type && !w.excluded.some((x) => x.subject.id === s.id && !x.caveated));
          if (!c && !viaWildcard) fail(`expansion of ${objKey(o)}#${rel} lacks accessible subject ${sk}`);
        }
        if (c && !c.caveated && p !== 'has_permission' && !wildcards.some((w) => w.subject.type === s.type)) {
          fail(`expansion of ${objKey(o)}#${rel} names ${sk} without a caveat but check says ${p}`);
        }
      }
    }
  }

  // 6. Lookup resources (all at once, and in pages of 2 through cursors) equals the
  // accessibility set, and bulk check agrees with check.
  const resourceTypes = new Set([...objects.values()].map((o) => o.type));
  for (const type of resourceTypes) {
    const ofType = [...objects.values()].filter((o) => o.type === type);
    for (const rel of members(type)) {
      for (const s of subjects.values()) {
        const expected = new Map<string, Permissionship>();
        for (const o of ofType) {
          const p = access.get(key(o, rel, s));
          if (p && p !== 'no_permission') expected.set(o.id, p);
        }
        for (const pageSize of [0, 2]) {
          let got: Map<string, Permissionship>;
          try {
            got = await lookupAll(trellis, type, rel, s, pageSize, undefined);
          } catch (e) {
            fail(`lookup resources ${type}#${rel}@${formatSubject(s)} (page ${pageSize}) threw ${errMessage(e)}`);
            continue;
          }
          const a = JSON.stringify([...got].sort());
          const b = JSON.stringify([...expected].sort());
          if (a !== b) fail(`lookup resources ${type}#${rel}@${formatSubject(s)} (page ${pageSize}) gave ${a}, check gave ${b}`);
          if (pageSize === 0) fingerprint.push(`lr ${type}#${rel}@${formatSubject(s)}=${a}`);
        }
        const bulk = await trellis.checkBulk({
          items: ofType.map((o) => ({ resource: o, permission: rel, subject: s })),
          consistency: FULL,
        });
        ofType.forEach((o, i) => {
          const item = bulk.results[i];
          const want = access.get(key(o, rel, s));
          const got = item?.ok ? item.permissionship : `error ${item && !item.ok ? errMessage(item.error) : 'missing'}`;
          if (want !== undefined && got !== want) fail(`bulk check ${key(o, rel, s)} gave ${got}, check gave ${want}`);
        });
      }
    }
  }

  // 7. Lookup subjects agrees with check for every defined subject of each (type, relation).
  const reachable = reachableKinds(schema);
  const subjectKinds = new Map<string, { type: string; relation?: string }>();
  for (const s of subjects.values())
    subjectKinds.set(
      `${s.type}#${s.relation ?? '...'}`,
      s.relation === undefined ? { type: s.type } : { type: s.type, relation: s.relation },
    );
  for (const o of objects.values()) {
    for (const rel of members(o.type)) {
      for (const kind of subjectKinds.values()) {
        let results: LookupSubjectsResult[];
        try {
          results = [];
          for await (const r of trellis.lookupSubjects({
            resource: o,
            permission: rel,
            subjectType: kind.type,
            ...(kind.relation ? { subjectRelation: kind.relation } : {}),
            consistency: FULL,
          }))
            results.push(r);
        } catch (e) {
          fail(`lookup subjects ${objKey(o)}#${rel} ${kind.type}#${kind.relation ?? '...'} threw ${errMessage(e)}`);
          continue;
        }
        const concrete = new Map<string, Permissionship>();
        let wildcard: LookupSubjectsResult | undefined;
        for (const r of results) {
          if (r.subject.id === '*') wildcard = r;
          else concrete.set(r.subject.id, maxP(concrete.get(r.subject.id), r.subject.permissionship));
        }
        // 8. Subject kinds found must be reachable in the type system.
        if (results.length > 0 && !reachable(o.type, rel).has(`${kind.type}#${kind.relation ?? '...'}`)) {
          fail(`lookup subjects ${objKey(o)}#${rel} found ${kind.type}#${kind.relation ?? '...'} subjects, which the schema cannot reach`);
        }
        fingerprint.push(
          `ls ${objKey(o)}#${rel}@${kind.type}#${kind.relation ?? '...'}=${JSON.stringify([...concrete].sort())}${wildcard ? ` *=${wildcard.subject.permissionship}-${JSON.stringify(wildcard.excluded.map((x) => `${x.id}:${x.permissionship}`).sort())}` : ''}`,
        );
        // Excluded subjects of a wildcard must not check as allowed.
        if (wildcard) {
          for (const x of wildcard.excluded) {
            const sub: SubjectRef = { type: kind.type, id: x.id, ...(kind.relation ? { relation: kind.relation } : {}) };
            const p = await trellis.check({ resource: o, permission: rel, subject: sub, consistency: FULL });
            const conditional =
              wildcard.subject.permissionship === 'conditional_permission' || x.permissionship === 'conditional_permission';
            const ok =
              p.permissionship === 'no_permission' || (conditional && p.permissionship === 'conditional_permission') || concrete.has(x.id);
            if (!ok) fail(`lookup subjects ${objKey(o)}#${rel}: excluded ${formatSubject(sub)} checks as ${p.permissionship}`);
          }
        }
        // Every returned concrete subject checks as lookup subjects says, defined or not.
        for (const [id, p] of concrete) {
          const sub: SubjectRef = { type: kind.type, id, ...(kind.relation ? { relation: kind.relation } : {}) };
          if (subjects.has(formatSubject(sub))) continue; // compared below
          const c = await trellis.check({ resource: o, permission: rel, subject: sub, consistency: FULL });
          const got = lsPermissionship(concrete, wildcard, id);
          if (c.permissionship !== got)
            fail(
              `lookup subjects ${objKey(o)}#${rel} returns ${formatSubject(sub)} as ${p} (${got} overall), check gives ${c.permissionship}`,
            );
        }
        for (const s of subjects.values()) {
          if (s.type !== kind.type || s.relation !== kind.relation) continue;
          if (s.type === o.type && s.id === o.id && s.relation === rel) continue; // self-match
          const want = access.get(key(o, rel, s)) ?? 'no_permission';
          const got = lsPermissionship(concrete, wildcard, s.id);
          if (got !== want) fail(`lookup subjects ${objKey(o)}#${rel} gives ${formatSubject(s)} ${got}, check gives ${want}`);
        }
      }
    }
  }

  fingerprint.sort();
  return { failures, fingerprint, checks };
}

/**
 * Subject kinds (`type#relation`, `type#...` for plain subjects and wildcards) that can
 * possibly reach type#member, from the schema alone (SpiceDB's
 * GetFullRecursiveSubjectTypesForRelation). Over-approximates intersections and exclusions,
 * and includes the member itself (the self-match rule).
 */
function reachableKinds(schema: Schema): (type: string, member: string) => Set<string> {
  const sets = new Map<string, Set<string>>();
  for (const [type, def] of schema.definitions)
    for (const name of def.members.keys()) sets.set(`${type}#${name}`, new Set([`${type}#${name}`]));
  const of = (type: string, member: string): Set<string> => sets.get(`${type}#${member}`) ?? new Set();
  // A fixpoint over all members at once, so recursive schemas converge.
  for (let round = 0, changed = true; changed && round < 1000; round++) {
    changed = false;
    for (const [type, def] of schema.definitions) {
      for (const m of def.members.values()) {
        const out = of(type, m.name);
        const size = out.size;
        const addAll = (xs: Set<string>): void => {
          for (const x of xs) out.add(x);
        };
        if (m.kind === 'relation') {
          for (const a of m.allowedTypes) {
            const rel = a.relation === undefined || a.relation === '...' || a.wildcard ? '...' : a.relation;
            out.add(`${a.type}#${rel}`);
            if (rel !== '...') addAll(of(a.type, rel));
          }
        } else {
          const expr = (e: PermissionExpr): void => {
            switch (e.kind) {
              case 'union':
              case 'intersection':
                e.children.forEach(expr);
                return;
              case 'exclusion':
                expr(e.base);
                return;
              case 'computed':
                addAll(of(type, e.name));
                return;
              case 'arrow': {
                const ts = def.members.get(e.tupleset);
                if (ts?.kind === 'relation') for (const a of ts.allowedTypes) addAll(of(a.type, e.computed));
                return;
              }
              case 'self':
                out.add(`${type}#...`);
                return;
              case 'nil':
                return;
            }
          };
          expr(m.expression);
        }
        if (out.size !== size) changed = true;
      }
    }
  }
  return of;
}

function maxP(a: Permissionship | undefined, b: Permissionship): Permissionship {
  return a === undefined || RANK[b] > RANK[a] ? b : a;
}

/** What lookup subjects says about one id: its concrete entry or the wildcard minus its exclusions. */
function lsPermissionship(concrete: Map<string, Permissionship>, wildcard: LookupSubjectsResult | undefined, id: string): Permissionship {
  let p: Permissionship = concrete.get(id) ?? 'no_permission';
  if (wildcard) {
    const ex = wildcard.excluded.find((x) => x.id === id);
    const viaWildcard: Permissionship = !ex
      ? wildcard.subject.permissionship
      : ex.permissionship === 'has_permission'
        ? 'no_permission'
        : 'conditional_permission';
    p = maxP(p, viaWildcard);
  }
  return p;
}

/** All lookup-resources results, following cursors when `pageSize` > 0; conditional and duplicate results merged. */
export async function lookupAll(
  trellis: Trellis,
  type: string,
  permission: string,
  subject: SubjectRef,
  pageSize: number,
  context: JsonObject | undefined,
): Promise<Map<string, Permissionship>> {
  const out = new Map<string, Permissionship>();
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    let n = 0;
    let last: string | undefined;
    for await (const r of trellis.lookupResources({
      resourceType: type,
      permission,
      subject,
      consistency: FULL,
      ...(context ? { context } : {}),
      ...(pageSize > 0 ? { limit: pageSize } : {}),
      ...(cursor ? { cursor } : {}),
    })) {
      n++;
      out.set(r.resourceId, maxP(out.get(r.resourceId), r.permissionship));
      last = r.afterResultCursor;
    }
    if (pageSize === 0 || n < pageSize || !last) return out;
    cursor = last;
  }
  throw new Error(`lookup resources ${type}#${permission} did not finish after 10000 pages`);
}
