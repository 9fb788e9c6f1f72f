import { describe, expect, it } from 'vitest';
import { DefinitionNotFoundError, InvalidArgumentError, RelationNotFoundError } from '../core/index.js';
import { compileSchemaOrThrow, computablePermissions, dependentRelations } from './index.js';

const ref = (definition: string, relation: string, isPermission: boolean) => ({ definition, relation, isPermission });

// The cases of SpiceDB's TestDependentRelations / TestComputablePermissions.
describe('dependentRelations', () => {
  it('follows subject relations into other definitions', () => {
    const s = compileSchemaOrThrow(`definition user {}
definition group {
	relation direct_member: user | group#member
	relation admin: user
	permission member = direct_member + admin
}
definition document {
	relation unused: user
	relation viewer: user | group#member
	permission view = viewer
}`);
    expect(dependentRelations(s, 'document', 'view')).toEqual([
      ref('document', 'viewer', false),
      ref('group', 'admin', false),
      ref('group', 'direct_member', false),
      ref('group', 'member', true),
    ]);
  });

  it('follows arrows, and is empty for nil', () => {
    const s = compileSchemaOrThrow(`definition user {}
definition folder {
	relation alsounused: user
	relation viewer: user
	permission view = viewer
}
definition document {
	relation unused: user
	relation parent: folder
	relation viewer: user
	permission view = viewer + parent->view
	permission empty = nil
}`);
    expect(dependentRelations(s, 'document', 'view')).toEqual([
      ref('document', 'parent', false),
      ref('document', 'viewer', false),
      ref('folder', 'view', true),
      ref('folder', 'viewer', false),
    ]);
    expect(dependentRelations(s, 'document', 'empty')).toEqual([]);
  });

  it('refuses unknown definitions, unknown members and relations', () => {
    const s = compileSchemaOrThrow('definition user {}\ndefinition document {\n\trelation editor: user\n}');
    expect(() => dependentRelations(s, 'invalid', 'x')).toThrow(DefinitionNotFoundError);
    expect(() => dependentRelations(s, 'user', 'invalid')).toThrow(RelationNotFoundError);
    expect(() => dependentRelations(s, 'document', 'editor')).toThrow(InvalidArgumentError);
    expect(() => dependentRelations(s, 'document', 'editor')).toThrow('`editor` is not a permission');
  });
});

describe('computablePermissions', () => {
  const s = compileSchemaOrThrow(`definition user {}
definition folder {
	relation viewer: user
}
definition document {
	relation unused: user
	relation editor: user
	relation viewer: user
	permission view = viewer + editor
	permission only_view = viewer
	permission another = unused
}`);

  it('lists everything a plain subject type can reach', () => {
    expect(computablePermissions(s, 'user', '')).toEqual([
      ref('document', 'another', true),
      ref('document', 'editor', false),
      ref('document', 'only_view', true),
      ref('document', 'unused', false),
      ref('document', 'view', true),
      ref('document', 'viewer', false),
      ref('folder', 'viewer', false),
    ]);
    expect(computablePermissions(s, 'user', '', 'folder')).toEqual([ref('folder', 'viewer', false)]);
  });

  it('lists the permissions computed from a relation', () => {
    expect(computablePermissions(s, 'document', 'viewer')).toEqual([ref('document', 'only_view', true), ref('document', 'view', true)]);
    expect(computablePermissions(s, 'document', 'unused')).toEqual([ref('document', 'another', true)]);
  });

  it('walks arrows back to the permissions that use them', () => {
    const t = compileSchemaOrThrow(`definition user {}
definition folder {
	relation viewer: user
	permission view = viewer
}
definition document {
	relation parent: folder
	permission view = parent->view
}`);
    expect(computablePermissions(t, 'folder', 'viewer')).toEqual([ref('document', 'view', true), ref('folder', 'view', true)]);
  });

  it('refuses unknown definitions and relations', () => {
    expect(() => computablePermissions(s, 'invalid', '')).toThrow(DefinitionNotFoundError);
    expect(() => computablePermissions(s, 'user', 'invalid')).toThrow('relation/permission `invalid` not found under definition `user`');
  });
});
