/** The schema language: lexer, error-tolerant parser, compiler to the typed model, printer, diff. */
export * from './model.js';
export type {
  FileNode,
  TopLevelNode,
  DefinitionNode,
  PartialNode,
  CaveatNode,
  MemberNode,
  RelationNode,
  PermissionNode,
  TypeRefNode,
  ExprNode,
  Span,
} from './ast.js';
export type { Token, TokenKind, Position } from './lexer.js';
export { parseSchema, type ParseResult } from './parser.js';
export { compileSchema, compileSchemaOrThrow, type CompileOptions, type CompileResult } from './compile.js';
export { printSchema, printExpr } from './printer.js';
export { sourceForAllowedType } from './allowed-type.js';
export { orphanChecks, type OrphanCheck } from './orphans.js';
export { diffSchemas, type SchemaDiff, type SchemaDiffKind } from './diff.js';
export { computablePermissions, dependentRelations, type RelationReference } from './reflection.js';
export { schemaHash } from './hash.js';
