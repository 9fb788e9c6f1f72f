import { describe, expect, it } from 'vitest';
import { compileSchemaOrThrow, diffSchemas, type SchemaDiff } from './index.js';

function brief(d: SchemaDiff): string {
  switch (d.kind) {
    case 'definition_added':
    case 'definition_removed':
    case 'definition_doc_comment_changed':
      return `${d.kind} ${d.definition.name}`;
    case 'relation_added':
    case 'relation_removed':
    case 'relation_doc_comment_changed':
      return `${d.kind} ${d.relation.definition}#${d.relation.name}`;
    case 'relation_subject_type_added':
    case 'relation_subject_type_removed':
      return `${d.kind} ${d.relation.definition}#${d.relation.name} ${d.subjectType.type}${d.subjectType.wildcard ? ':*' : ''}`;
    case 'permission_added':
    case 'permission_removed':
    case 'permission_doc_comment_changed':
    case 'permission_expr_changed':
      return `${d.kind} ${d.permission.definition}#${d.permission.name}`;
    case 'caveat_added':
    case 'caveat_removed':
    case 'caveat_doc_comment_changed':
    case 'caveat_expr_changed':
      return `${d.kind} ${d.caveat.name}`;
    case 'caveat_parameter_added':
    case 'caveat_parameter_removed':
      return `${d.kind} ${d.caveat}.${d.parameter} ${d.type}`;
    case 'caveat_parameter_type_changed':
      return `${d.kind} ${d.caveat}.${d.parameter} ${d.previousType} -> ${d.type}`;
  }
}

const OLD = `caveat cav(first int, second string) {
	first == 1 && second == ''
}
caveat gone(x int) {
	x == 1
}
definition user {}
definition legacy {}
/** docs */
definition document {
	relation viewer: user | user:*
	/** editors */
	relation editor: user
	relation owner: user
	permission view = viewer + editor
	permission edit = editor
	permission old_perm = editor
}`;

const NEW = `/** the cav */
caveat cav(first string, third bool) {
	first == '' && third
}
caveat fresh(y int) {
	y == 2
}
definition user {}
definition team {}
/** documents */
definition document {
	relation viewer: user | team
	// changed
	relation editor: user
	permission owner = editor
	permission view = viewer + editor + owner
	/** doc */
	permission edit = editor
	permission new_perm = editor
}`;

describe('diffSchemas', () => {
  it('reports all 19 kinds of change in SpiceDB order', () => {
    expect(diffSchemas(compileSchemaOrThrow(OLD), compileSchemaOrThrow(NEW)).map(brief)).toEqual([
      'definition_added team',
      'definition_removed legacy',
      'caveat_added fresh',
      'caveat_removed gone',
      'definition_doc_comment_changed document',
      'relation_removed document#owner',
      'permission_removed document#old_perm',
      'permission_added document#owner',
      'permission_added document#new_perm',
      'relation_subject_type_removed document#viewer user:*',
      'relation_subject_type_added document#viewer team',
      'relation_doc_comment_changed document#editor',
      'permission_expr_changed document#view',
      'permission_doc_comment_changed document#edit',
      'caveat_doc_comment_changed cav',
      'caveat_parameter_added cav.third bool',
      'caveat_parameter_type_changed cav.first int -> string',
      'caveat_parameter_removed cav.second string',
      'caveat_expr_changed cav',
    ]);
  });

  it('is empty for the same schema and treats a missing old schema as empty', () => {
    expect(diffSchemas(compileSchemaOrThrow(OLD), compileSchemaOrThrow(OLD))).toEqual([]);
    expect(diffSchemas(undefined, compileSchemaOrThrow('definition user {}')).map(brief)).toEqual(['definition_added user']);
  });
});
