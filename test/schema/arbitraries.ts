/** fast-check generators of valid compiled schemas (in canonical form) for round-trip properties. */
import fc from 'fast-check';
import type { CaveatParameterType } from '../../src/caveats/index.js';
import type {
  AllowedType,
  CaveatDefinition,
  Definition,
  Permission,
  PermissionExpr,
  Relation,
  Schema,
  UseFlag,
} from '../../src/schema/index.js';

const DEF_NAMES = ['user', 'group', 'document', 'folder', 'org/team'] as const;
const RELATIONS = ['member', 'viewer', 'editor', 'parent'] as const;
const PERMISSIONS = ['view', 'edit', 'admin_perm'] as const;
const COMMENTS = fc.option(fc.constantFrom('/** some doc */', '// a note', '/**\n* two\n* lines\n*/'), { nil: undefined });

const PARAM_TYPES: Readonly<Record<string, [CaveatParameterType, (p: string) => string]>> = {
  int: [{ name: 'int', args: [] }, (p) => `${p} > 0`],
  string: [{ name: 'string', args: [] }, (p) => `${p} != ''`],
  bool: [{ name: 'bool', args: [] }, (p) => p],
  list: [{ name: 'list', args: [{ name: 'int', args: [] }] }, (p) => `1 in ${p}`],
};

interface Shape {
  defs: { name: string; relations: string[]; permissions: string[]; comment: string | undefined }[];
  caveats: { name: string; params: [string, string][]; comment: string | undefined }[];
  expiration: boolean;
}

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  defs: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom(...DEF_NAMES),
      relations: fc.subarray([...RELATIONS]),
      permissions: fc.subarray([...PERMISSIONS]),
      comment: COMMENTS,
    }),
    { minLength: 1, maxLength: 4, selector: (d) => d.name },
  ),
  caveats: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom('cav_one', 'cavTwo'),
      params: fc.uniqueArray(fc.tuple(fc.constantFrom('alpha', 'beta', 'gamma'), fc.constantFrom(...Object.keys(PARAM_TYPES))), {
        minLength: 1,
        maxLength: 3,
        selector: (p) => p[0],
      }),
      comment: COMMENTS,
    }),
    { maxLength: 2, selector: (c) => c.name },
  ),
  expiration: fc.boolean(),
});

function flatten(kind: 'union' | 'intersection', children: PermissionExpr[]): PermissionExpr {
  return { kind, children: children.flatMap((c) => (c.kind === kind ? c.children : [c])) };
}

function exprArb(members: readonly string[], arrows: readonly string[], depth: number): fc.Arbitrary<PermissionExpr> {
  const leaves: fc.Arbitrary<PermissionExpr>[] = [fc.constant<PermissionExpr>({ kind: 'nil' })];
  if (members.length > 0) leaves.push(fc.constantFrom(...members).map((name): PermissionExpr => ({ kind: 'computed', name })));
  if (arrows.length > 0) {
    leaves.push(
      fc.tuple(fc.constantFrom(...arrows), fc.constantFrom('arrow', 'any', 'all')).map(([computed, fn]): PermissionExpr => ({
        kind: 'arrow',
        tupleset: 'parent',
        computed,
        mode: fn === 'all' ? 'all' : 'any',
        ...(fn === 'any' ? { explicitAny: true as const } : {}),
      })),
    );
  }
  const leaf = fc.oneof(...leaves);
  if (depth <= 0) return leaf;
  const sub = exprArb(members, arrows, depth - 1);
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(sub, { minLength: 2, maxLength: 3 }).map((cs) => flatten('union', cs)) },
    { weight: 1, arbitrary: fc.array(sub, { minLength: 2, maxLength: 3 }).map((cs) => flatten('intersection', cs)) },
    { weight: 1, arbitrary: fc.tuple(sub, sub).map(([base, subtract]): PermissionExpr => ({ kind: 'exclusion', base, subtract })) },
  );
}

export const schemaArb: fc.Arbitrary<Schema> = shapeArb.chain((shape) => {
  const defNames = shape.defs.map((d) => d.name);
  const caveatNames = shape.caveats.map((c) => c.name);
  const withMember = shape.defs.filter((d) => d.relations.includes('member')).map((d) => d.name);
  const allowedArb = (relation: string): fc.Arbitrary<AllowedType> => {
    const base: fc.Arbitrary<{ type: string; relation?: string; wildcard: boolean }>[] = [
      fc.constantFrom(...defNames).map((type) => ({ type, wildcard: false })),
    ];
    // Wildcards stay off relations that are arrowed over or used as subject sets, which the
    // type checker would rightly refuse.
    if (relation === 'viewer' || relation === 'editor') base.push(fc.constantFrom(...defNames).map((type) => ({ type, wildcard: true })));
    if (relation !== 'parent' && withMember.length > 0) {
      base.push(fc.constantFrom(...withMember).map((type) => ({ type, relation: 'member', wildcard: false })));
    }
    if (relation !== 'parent') base.push(fc.constantFrom(...defNames).map((type) => ({ type, relation: '...', wildcard: false })));
    return fc
      .tuple(
        fc.oneof(...base),
        fc.option(fc.constantFrom(...(caveatNames.length ? caveatNames : ['none'])), { nil: undefined }),
        fc.boolean(),
      )
      .map(([b, caveat, exp]) => ({
        ...b,
        ...(caveat !== undefined && caveatNames.length > 0 ? { caveat } : {}),
        expiration: shape.expiration && exp,
      }));
  };
  const defArbs = shape.defs.map((d) => {
    const members = [...d.relations, ...d.permissions];
    const arrowTargets = d.relations.includes('parent') ? [...RELATIONS, ...PERMISSIONS] : [];
    const rels = d.relations.map((name) =>
      fc
        .tuple(
          fc.uniqueArray(allowedArb(name), {
            minLength: 1,
            maxLength: 3,
            selector: (t) => JSON.stringify([t.type, t.relation === '...' ? undefined : t.relation, t.wildcard, t.caveat, t.expiration]),
          }),
          COMMENTS,
        )
        .map(([allowedTypes, comment]): Relation => ({
          kind: 'relation',
          name,
          definition: d.name,
          ...(comment ? { comment } : {}),
          allowedTypes,
        })),
    );
    const perms = d.permissions.map((name) =>
      fc.tuple(exprArb(members, arrowTargets, 2), COMMENTS).map(([expression, comment]): Permission => ({
        kind: 'permission',
        name,
        definition: d.name,
        ...(comment ? { comment } : {}),
        expression,
      })),
    );
    return fc.tuple(...rels, ...perms).map((ms): Definition => ({
      kind: 'definition',
      name: d.name,
      ...(d.comment ? { comment: d.comment } : {}),
      members: new Map(ms.map((m) => [m.name, m])),
    }));
  });
  return fc.tuple(...defArbs).map((defs): Schema => {
    const caveats = new Map<string, CaveatDefinition>();
    for (const c of shape.caveats) {
      // The canonical print sorts parameters by name.
      const params = [...c.params].sort(([a], [b]) => (a < b ? -1 : 1));
      const parameters = new Map(params.map(([p, t]) => [p, (PARAM_TYPES[t] as [CaveatParameterType, unknown])[0]]));
      const expression = params.map(([p, t]) => (PARAM_TYPES[t] as [unknown, (p: string) => string])[1](p)).join(' && ');
      caveats.set(c.name, {
        kind: 'caveat',
        name: c.name,
        ...(c.comment ? { comment: c.comment } : {}),
        parameters,
        expression,
        compiled: undefined as never,
      });
    }
    // The canonical print declares only the flags something uses.
    const usesExpiration = defs.some((d) =>
      [...d.members.values()].some((m) => m.kind === 'relation' && m.allowedTypes.some((t) => t.expiration)),
    );
    const flags = new Set<UseFlag>(usesExpiration ? ['expiration'] : []);
    return { definitions: new Map(defs.map((d) => [d.name, d])), caveats, flags };
  });
});

/** Plain data for deep comparison: maps become sorted entry lists; positions and compiled caveats go. */
export function structural(schema: Schema): unknown {
  const strip = (v: unknown): unknown => {
    if (v instanceof Map) return [...v.entries()].map(([k, x]) => [k, strip(x)]);
    if (v instanceof Set) return [...v].sort();
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (k !== 'position' && k !== 'compiled') out[k] = strip(x);
      return out;
    }
    return v;
  };
  return {
    definitions: strip(new Map([...schema.definitions].sort(([a], [b]) => (a < b ? -1 : 1)))),
    caveats: strip(new Map([...schema.caveats].sort(([a], [b]) => (a < b ? -1 : 1)))),
    flags: strip(schema.flags),
  };
}
