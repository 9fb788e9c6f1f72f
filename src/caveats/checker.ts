/**
 * A CEL type checker for caveat expressions. @bufbuild/cel 0.6.1 ships only a stub checker
 * (constants and identifiers), so this one follows cel-go's rules for what caveats use:
 * operators and standard functions (overloads read from the library's own signatures),
 * macros, list/map literals, and SpiceDB's `ipaddress.in_cidr` and `map.isSubtreeOf`.
 */
import { celEnv } from '@bufbuild/cel';
import {
  Op,
  type CelCall,
  type CelComprehension,
  type CelConstant,
  type CelExprNode,
  type CelSelect,
  type CelStruct,
  type ParsedCel,
} from './cel-ast.js';
import {
  BOOL,
  DYN,
  ERROR,
  INT,
  STRING,
  formatCelT,
  fromLibraryType,
  isAssignable,
  listOf,
  mapOf,
  sameType,
  scalar,
  unify,
  type CelT,
} from './cel-type.js';
import type { CaveatCompileError } from './types.js';

interface Overload {
  readonly target: CelT | undefined;
  readonly args: readonly CelT[];
  readonly result: CelT;
}

let stdOverloads: Map<string, Overload[]> | undefined;

const ORDERING = new Set(['_<_', '_<=_', '_>_', '_>=_']);

/**
 * Signatures of the library's standard functions, grouped by name (built once). The library
 * declares cross-type numeric orderings (`double < int`); cel-go only type-checks those with
 * `CrossTypeNumericComparisons`, which SpiceDB does not enable, so they are left out here
 * (values of `dyn` type still compare across numeric types at run time, as in cel-go).
 */
function overloadsOf(name: string): readonly Overload[] | undefined {
  if (stdOverloads === undefined) {
    stdOverloads = new Map();
    for (const f of celEnv().funcs) {
      const args = f.arguments.map(fromLibraryType);
      const [lhs, rhs] = args;
      if (ORDERING.has(f.name) && lhs && rhs && !sameType(lhs, rhs)) continue;
      const list = stdOverloads.get(f.name) ?? [];
      list.push({ target: f.target ? fromLibraryType(f.target) : undefined, args, result: fromLibraryType(f.result) });
      stdOverloads.set(f.name, list);
    }
  }
  return stdOverloads.get(name);
}

/** Identifiers that name types, usable as values in `type(x) == int`. */
const TYPE_IDENTS = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn']);

export interface CheckResult {
  readonly type: CelT;
  readonly errors: readonly CaveatCompileError[];
  /** Declared parameters the expression refers to. */
  readonly referenced: ReadonlySet<string>;
}

export function checkCel(ast: ParsedCel, parameters: ReadonlyMap<string, CelT>, expression: string): CheckResult {
  const checker = new Checker(parameters, ast.sourceInfo?.positions ?? {}, expression);
  const type = checker.check(ast.expr);
  return { type, errors: checker.errors, referenced: checker.referenced };
}

class Checker {
  errors: CaveatCompileError[] = [];
  readonly referenced = new Set<string>();
  private readonly scopes: Map<string, CelT>[] = [];

  constructor(
    private readonly parameters: ReadonlyMap<string, CelT>,
    private readonly positions: { readonly [id: string]: number },
    private readonly expression: string,
  ) {}

  check(e: CelExprNode): CelT {
    const kind = e.exprKind;
    switch (kind.case) {
      case 'constExpr':
        return this.constant(kind.value);
      case 'identExpr':
        return this.ident(e, kind.value.name);
      case 'selectExpr':
        return this.select(e, kind.value);
      case 'callExpr':
        return this.call(e, kind.value);
      case 'listExpr':
        return this.list(kind.value.elements);
      case 'structExpr':
        return this.struct(e, kind.value);
      case 'comprehensionExpr':
        return this.comprehension(e, kind.value);
      default:
        this.error(e, 'unsupported expression');
        return ERROR;
    }
  }

  private error(e: CelExprNode, message: string): void {
    let offset = this.positions[String(e.id)];
    // The parser places binary operators at the blank before them; point at the operator.
    while (offset !== undefined && /\s/.test(this.expression[offset] ?? '')) offset++;
    this.errors.push({ message, ...(offset !== undefined ? { offset } : {}) });
  }

  private noOverload(e: CelExprNode, fn: string, target: CelT | undefined, args: readonly CelT[]): CelT {
    if ((target && target.k === 'error') || args.some((a) => a.k === 'error')) return ERROR;
    const list = `(${args.map(formatCelT).join(', ')})`;
    this.error(e, `found no matching overload for '${fn}' applied to '${target ? `${formatCelT(target)}.` : ''}${list}'`);
    return ERROR;
  }

  private constant(c: CelConstant): CelT {
    switch (c.constantKind.case) {
      case 'boolValue':
        return BOOL;
      case 'int64Value':
        return INT;
      case 'uint64Value':
        return scalar('uint');
      case 'doubleValue':
        return scalar('double');
      case 'stringValue':
        return STRING;
      case 'bytesValue':
        return scalar('bytes');
      case 'nullValue':
        return scalar('null');
      case 'durationValue':
        return scalar('duration');
      case 'timestampValue':
        return scalar('timestamp');
      default:
        return ERROR;
    }
  }

  private ident(e: CelExprNode, name: string): CelT {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const t = this.scopes[i]?.get(name);
      if (t !== undefined) return t;
    }
    const param = this.parameters.get(name);
    if (param !== undefined) {
      this.referenced.add(name);
      return param;
    }
    if (TYPE_IDENTS.has(name)) return scalar('type');
    this.error(e, `undeclared reference to '${name}' (in container '')`);
    return ERROR;
  }

  private select(e: CelExprNode, s: CelSelect): CelT {
    if (!s.operand) return ERROR;
    const operand = this.check(s.operand);
    switch (operand.k) {
      case 'error':
        return ERROR;
      case 'dyn':
        return s.testOnly ? BOOL : DYN;
      case 'map':
        if (!isAssignable(operand.key, STRING)) break;
        return s.testOnly ? BOOL : operand.open ? DYN : operand.value;
      default:
        break;
    }
    this.error(e, `type '${formatCelT(operand)}' does not support field selection`);
    return ERROR;
  }

  private call(e: CelExprNode, c: CelCall): CelT {
    const target = c.target ? this.check(c.target) : undefined;
    const args = c.args.map((a) => this.check(a));
    const fn = c.function;
    const [a0, a1, a2] = args;
    switch (fn) {
      case Op.and:
      case Op.or:
        return args.every((a) => isAssignable(BOOL, a)) ? BOOL : this.noOverload(e, fn, undefined, args);
      case Op.notStrictlyFalse:
      case Op.oldNotStrictlyFalse:
        return BOOL;
      case Op.conditional: {
        if (!a0 || !a1 || !a2 || !isAssignable(BOOL, a0)) return this.noOverload(e, fn, undefined, args);
        return unify(a1, a2) ?? this.noOverload(e, fn, undefined, args);
      }
      case Op.index:
        return (a0 && a1 && this.index(a0, a1)) ?? this.noOverload(e, fn, undefined, args);
      case Op.equals:
      case Op.notEquals:
        return a0 && a1 && unify(a0, a1) !== undefined ? BOOL : this.noOverload(e, fn, undefined, args);
      case Op.in:
        return a0 && a1 && this.inCollection(a0, a1) ? BOOL : this.noOverload(e, fn, undefined, args);
      case '_+_':
        if (a0?.k === 'list' && a1?.k === 'list') return unify(a0, a1) ?? this.noOverload(e, fn, undefined, args);
        break;
      case 'in_cidr':
        if (target === undefined) break;
        return (target.k === 'ipaddress' || target.k === 'dyn') && args.length === 1 && a0 && isAssignable(STRING, a0)
          ? BOOL
          : this.noOverload(e, fn, target, args);
      case 'isSubtreeOf': {
        if (target === undefined) break;
        const stringMap = mapOf(STRING, DYN);
        return isAssignable(stringMap, target) && args.length === 1 && a0 && isAssignable(stringMap, a0)
          ? BOOL
          : this.noOverload(e, fn, target, args);
      }
      default:
        break;
    }
    return this.libraryCall(e, fn, target, args);
  }

  private index(container: CelT, key: CelT): CelT | undefined {
    switch (container.k) {
      case 'error':
        return ERROR;
      case 'dyn':
        return DYN;
      case 'list':
        return isAssignable(INT, key) || key.k === 'uint' ? (container.open ? DYN : container.elem) : undefined;
      case 'map':
        return container.open ? DYN : isAssignable(container.key, key) ? container.value : undefined;
      default:
        return undefined;
    }
  }

  private inCollection(item: CelT, collection: CelT): boolean {
    switch (collection.k) {
      case 'error':
      case 'dyn':
        return true;
      case 'list':
        return collection.open === true || unify(item, collection.elem) !== undefined;
      case 'map':
        return collection.open === true || unify(item, collection.key) !== undefined;
      default:
        return false;
    }
  }

  private libraryCall(e: CelExprNode, fn: string, target: CelT | undefined, args: readonly CelT[]): CelT {
    const overloads = overloadsOf(fn);
    if (overloads === undefined) {
      this.error(e, `undeclared reference to '${fn}' (in container '')`);
      return ERROR;
    }
    const results: CelT[] = [];
    for (const o of overloads) {
      if ((o.target === undefined) !== (target === undefined) || o.args.length !== args.length) continue;
      if (o.target && target && !isAssignable(o.target, target)) continue;
      if (!o.args.every((t, i) => isAssignable(t, args[i] ?? ERROR))) continue;
      results.push(o.result);
    }
    const [first] = results;
    if (first === undefined) return this.noOverload(e, fn, target, args);
    if (fn === 'dyn') return DYN;
    return results.every((r) => sameType(r, first)) ? first : DYN;
  }

  private list(elements: readonly CelExprNode[]): CelT {
    if (elements.length === 0) return { k: 'list', elem: DYN, open: true };
    let elem: CelT | undefined;
    for (const el of elements) {
      const t = this.check(el);
      elem = elem === undefined ? t : (unify(elem, t) ?? DYN);
    }
    return listOf(elem ?? DYN);
  }

  private struct(e: CelExprNode, s: CelStruct): CelT {
    if (s.messageName !== '') {
      this.error(e, `undeclared reference to '${s.messageName}' (in container '')`);
      return ERROR;
    }
    if (s.entries.length === 0) return { k: 'map', key: DYN, value: DYN, open: true };
    let key: CelT | undefined;
    let value: CelT | undefined;
    for (const entry of s.entries) {
      const kt = entry.keyKind.case === 'mapKey' ? this.check(entry.keyKind.value) : ERROR;
      const vt = entry.value ? this.check(entry.value) : ERROR;
      key = key === undefined ? kt : (unify(key, kt) ?? DYN);
      value = value === undefined ? vt : (unify(value, vt) ?? DYN);
    }
    return mapOf(key ?? DYN, value ?? DYN);
  }

  private comprehension(e: CelExprNode, c: CelComprehension): CelT {
    if (!c.iterRange || !c.accuInit || !c.loopCondition || !c.loopStep || !c.result) return ERROR;
    const range = this.check(c.iterRange);
    let iterType: CelT;
    switch (range.k) {
      case 'list':
        iterType = range.open ? DYN : range.elem;
        break;
      case 'map':
        iterType = range.open ? DYN : range.key;
        break;
      case 'dyn':
      case 'error':
        iterType = DYN;
        break;
      default:
        this.error(
          c.iterRange,
          `expression of type '${formatCelT(range)}' cannot be range of a comprehension (must be list, map, or dynamic)`,
        );
        iterType = DYN;
    }
    let accuType = this.check(c.accuInit);
    if ((accuType.k === 'list' || accuType.k === 'map') && accuType.open) {
      // An empty accumulator (map/filter macros) takes the element type the step builds;
      // a silent first pass infers it, as cel-go's type parameters would.
      const before = this.errors.length;
      const inferred = this.withScope(c, iterType, accuType, () => this.check(c.loopStep as CelExprNode));
      this.errors.length = before;
      if (inferred.k === accuType.k) accuType = inferred;
    }
    this.withScope(c, iterType, accuType, () => {
      this.check(c.loopCondition as CelExprNode);
      this.check(c.loopStep as CelExprNode);
    });
    this.scopes.push(new Map([[c.accuVar, accuType]]));
    try {
      return this.check(c.result);
    } finally {
      this.scopes.pop();
    }
  }

  private withScope<T>(c: CelComprehension, iterType: CelT, accuType: CelT, f: () => T): T {
    this.scopes.push(
      new Map([
        [c.accuVar, accuType],
        [c.iterVar, iterType],
      ]),
    );
    try {
      return f();
    } finally {
      this.scopes.pop();
    }
  }
}
