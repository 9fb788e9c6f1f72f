import { describe, expect, it } from 'vitest';
import {
  CannotUpdatePermissionError,
  CaveatParameterTypeError,
  DefinitionNotFoundError,
  EmptyPreconditionError,
  InvalidArgumentError,
  InvalidFilterError,
  InvalidSubjectTypeError,
  RelationNotFoundError,
  parseRelationship,
} from '../../core/index.js';
import type { JsonObject } from '../../core/index.js';
import type { AllowedType, CaveatDefinition, Definition, Relation, Schema } from '../../schema/index.js';
import type { CaveatParameterType, CompiledCaveat } from '../../caveats/index.js';
import { validateFilter, validatePreconditions, validateRelationshipUpdate } from './schema-checks.js';

const intType: CaveatParameterType = { name: 'int', args: [] };
const fakeCaveat: CompiledCaveat = {
  name: 'some_caveat',
  parameters: new Map([['somecondition', intType]]),
  expression: 'somecondition == 42',
  evaluate(context: JsonObject) {
    const v = context['somecondition'];
    if (v !== undefined && typeof v !== 'number')
      throw new CaveatParameterTypeError('some_caveat', 'somecondition', 'a `somecondition` value must be an int');
    return v === undefined ? { kind: 'partial', missing: ['somecondition'] } : v === 42 ? { kind: 'true' } : { kind: 'false' };
  },
};

function rel(name: string, definition: string, allowedTypes: AllowedType[]): Relation {
  return { kind: 'relation', name, definition, allowedTypes };
}
const plain = (type: string, extra: Partial<AllowedType> = {}): AllowedType => ({ type, wildcard: false, expiration: false, ...extra });

const user: Definition = { kind: 'definition', name: 'user', members: new Map() };
const group: Definition = {
  kind: 'definition',
  name: 'group',
  members: new Map([['member', rel('member', 'group', [plain('user')])]]),
};
const doc: Definition = {
  kind: 'definition',
  name: 'doc',
  members: new Map<string, Definition['members'] extends ReadonlyMap<string, infer M> ? M : never>([
    ['viewer', rel('viewer', 'doc', [plain('user'), plain('group', { relation: 'member' }), plain('user', { caveat: 'some_caveat' })])],
    ['banned', rel('banned', 'doc', [plain('user', { wildcard: true })])],
    ['expiring', rel('expiring', 'doc', [plain('user', { expiration: true })])],
    ['view', { kind: 'permission', name: 'view', definition: 'doc', expression: { kind: 'computed', name: 'viewer' } }],
  ]),
};
const caveatDef: CaveatDefinition = {
  kind: 'caveat',
  name: 'some_caveat',
  parameters: fakeCaveat.parameters,
  expression: fakeCaveat.expression,
  compiled: fakeCaveat,
};
const schema: Schema = {
  definitions: new Map([
    ['user', user],
    ['group', group],
    ['doc', doc],
  ]),
  caveats: new Map([['some_caveat', caveatDef]]),
  flags: new Set(['expiration']),
};

const write = (text: string) => validateRelationshipUpdate(schema, parseRelationship(text), 'touch');

describe('validateRelationshipUpdate', () => {
  it('accepts relationships the schema allows', () => {
    for (const t of [
      'doc:a#viewer@user:tom',
      'doc:a#viewer@group:eng#member',
      'doc:a#banned@user:*',
      'doc:a#viewer@user:x[some_caveat:{"somecondition":1}]',
      'doc:a#expiring@user:x[expiration:2300-01-01T00:00:00Z]',
    ]) {
      expect(() => write(t), t).not.toThrow();
    }
  });

  it('checks in SpiceDB order with its errors and messages', () => {
    expect(() => write('folder:a#viewer@user:tom')).toThrow(new DefinitionNotFoundError('folder'));
    expect(() => write('doc:a#owner@user:tom')).toThrow(new RelationNotFoundError('doc', 'owner'));
    expect(() => write('doc:a#viewer@team:x')).toThrow(new DefinitionNotFoundError('team'));
    expect(() => write('doc:a#viewer@group:eng#admin')).toThrow(new RelationNotFoundError('group', 'admin'));
    expect(() => write('doc:a#view@user:tom')).toThrow(CannotUpdatePermissionError);
    expect(() => write('doc:a#view@user:tom')).toThrow('cannot write a relationship to permission `view` under definition `doc`');
  });

  it('names the offending subject type exactly', () => {
    const cases: [string, string][] = [
      ['doc:a#viewer@user:*', 'subjects of type `user:*` are not allowed on relation `doc#viewer`'],
      ['doc:a#banned@user:tom', 'subjects of type `user` are not allowed on relation `doc#banned`'],
      ['doc:a#viewer@group:eng', 'subjects of type `group` are not allowed on relation `doc#viewer`'],
      ['doc:a#banned@user:*[some_caveat]', 'subjects of type `user:* with some_caveat` are not allowed on relation `doc#banned`'],
      [
        'doc:a#viewer@user:x[expiration:2300-01-01T00:00:00Z]',
        'subjects of type `user with expiration` are not allowed on relation `doc#viewer`',
      ],
      [
        'doc:a#viewer@user:x[other][expiration:2300-01-01T00:00:00Z]',
        'subjects of type `user with other and expiration` are not allowed on relation `doc#viewer`',
      ],
      ['doc:a#expiring@user:x', 'subjects of type `user` are not allowed on relation `doc#expiring`'],
    ];
    for (const [t, message] of cases) {
      let err: unknown;
      try {
        write(t);
      } catch (e) {
        err = e;
      }
      expect(err, t).toBeInstanceOf(InvalidSubjectTypeError);
      expect((err as Error).message).toBe(message);
    }
  });

  it('lets DELETE ignore caveat and expiration requirements when none is given', () => {
    expect(() => validateRelationshipUpdate(schema, parseRelationship('doc:a#expiring@user:x'), 'delete')).not.toThrow();
    expect(() => validateRelationshipUpdate(schema, parseRelationship('doc:a#banned@user:tom'), 'delete')).toThrow(InvalidSubjectTypeError);
  });

  it('type-checks stored caveat context', () => {
    expect(() => write('doc:a#viewer@user:x[some_caveat:{"nope":1}]')).toThrow(
      new CaveatParameterTypeError('some_caveat', 'nope', 'unknown parameter `nope`'),
    );
    expect(() => write('doc:a#viewer@user:x[some_caveat:{"somecondition":"x"}]')).toThrow(CaveatParameterTypeError);
  });

  it('rejects a wildcard resource id', () => {
    const r = { resource: { type: 'doc', id: '*' }, relation: 'viewer', subject: { type: 'user', id: 'tom' } };
    expect(() => validateRelationshipUpdate(schema, r, 'touch')).toThrow(InvalidArgumentError);
  });
});

describe('validateFilter and validatePreconditions', () => {
  it('enforces the service-level rules', () => {
    expect(() => validateFilter(schema, {})).toThrow(new InvalidFilterError('at least one field must be set'));
    expect(() => validateFilter(schema, {})).toThrow('the relationship filter provided is not valid: at least one field must be set');
    expect(() => validateFilter(schema, { resourceType: 'doc', resourceIds: ['a'], resourceIdPrefix: 'a' })).toThrow(InvalidFilterError);
    expect(() => validateFilter(schema, { resourceType: 'nope' })).toThrow(new DefinitionNotFoundError('nope'));
    expect(() => validateFilter(schema, { resourceType: 'doc', relation: 'nope' })).toThrow(new RelationNotFoundError('doc', 'nope'));
    expect(() => validateFilter(schema, { subject: { type: 'group', relation: 'nope' } })).toThrow(
      new RelationNotFoundError('group', 'nope'),
    );
    expect(() => validateFilter(schema, { relation: 'viewer' })).not.toThrow();
    expect(() => validateFilter(schema, { subject: { type: 'group', relation: '...' } })).not.toThrow();
  });

  it('rejects empty preconditions', () => {
    expect(() => validatePreconditions(schema, [{ operation: 'must_match', filter: {} }])).toThrow(new EmptyPreconditionError());
    expect(() => validatePreconditions(schema, [{ operation: 'must_match', filter: { resourceType: 'nope' } }])).toThrow(
      DefinitionNotFoundError,
    );
  });
});
