/**
 * A CEL interpreter with cel-go's partial-evaluation semantics, compiled once per caveat into
 * closures. A parameter missing from the context evaluates to an `Unknown` naming it; `&&`/`||`
 * absorb unknowns and errors when the other side decides the result (a definite false/true wins,
 * then unknowns, merged, then errors); strict operations return their first unknown or error
 * operand; a ternary with an unknown condition is unknown; comprehensions keep looping past
 * unknown steps. That is what SpiceDB gets from cel-go's `OptPartialEval` (`pkg/caveats/eval.go`).
 * Standard functions are @bufbuild/cel's own.
 */
import {
  CelScalar,
  celError,
  celMap,
  type celUint,
  isCelError,
  isCelList,
  isCelMap,
  isCelUint,
  listType,
  mapType,
  type CelValue,
} from '@bufbuild/cel';
import { Op, type CelCall, type CelComprehension, type CelExprNode, type CelSelect, type CelStruct } from './cel-ast.js';
import { callStd, inCelContext } from './cel-host.js';
import { COMPARE, constant, index, isSubtree, noOverload, primitiveIn, typeName } from './cel-operations.js';
import { Unknown, listItems, makeList, mapEntry, type Concrete, type Val } from './cel-values.js';
import { IpAddress } from './ip-address.js';

/** Variable slots: parameters first, then comprehension variables. A hole is a missing parameter. */
export type Frame = (Val | undefined)[];
type Node = (f: Frame) => Val;

export interface Program {
  readonly run: (f: Frame) => Val;
  /** Frame length: parameter slots plus comprehension-variable slots. */
  readonly slots: number;
  /** Whether the expression builds timestamps or durations itself (see cel-host.ts). */
  readonly constructsMessages: boolean;
}

export function compileProgram(expr: CelExprNode, parameters: readonly string[]): Program {
  const c = new Compiler(parameters);
  const run = c.compile(expr, new Map());
  return { run, slots: c.slots, constructsMessages: c.constructsMessages };
}

function isAbsent(v: Val): v is Unknown | ReturnType<typeof celError> {
  return v instanceof Unknown || isCelError(v);
}

const TYPE_VALUES: ReadonlyMap<string, CelValue> = new Map<string, CelValue>([
  ['int', CelScalar.INT],
  ['uint', CelScalar.UINT],
  ['double', CelScalar.DOUBLE],
  ['bool', CelScalar.BOOL],
  ['string', CelScalar.STRING],
  ['bytes', CelScalar.BYTES],
  ['null_type', CelScalar.NULL],
  ['type', CelScalar.TYPE],
  ['dyn', CelScalar.DYN],
  ['list', listType(CelScalar.DYN)],
  ['map', mapType(CelScalar.DYN, CelScalar.DYN)],
]);

class Compiler {
  slots: number;
  constructsMessages = false;
  private readonly constants = new WeakMap<Node, Val>();
  private readonly paramSlots: Map<string, number>;
  private readonly unknowns: Map<string, Unknown>;

  constructor(parameters: readonly string[]) {
    this.paramSlots = new Map(parameters.map((p, i) => [p, i]));
    this.unknowns = new Map(parameters.map((p) => [p, new Unknown(new Set([p]))]));
    this.slots = parameters.length;
  }

  compile(e: CelExprNode, scope: ReadonlyMap<string, number>): Node {
    const id = Number(e.id);
    const kind = e.exprKind;
    switch (kind.case) {
      case 'constExpr':
        return this.constantNode(constant(kind.value));
      case 'identExpr':
        return this.ident(id, kind.value.name, scope);
      case 'selectExpr':
        return this.select(id, kind.value, scope);
      case 'callExpr':
        return this.call(id, kind.value, scope);
      case 'listExpr': {
        const elems = kind.value.elements.map((el) => this.compile(el, scope));
        return (f) => {
          const items: Concrete[] = [];
          for (const el of elems) {
            const v = el(f);
            if (isAbsent(v)) return v;
            items.push(v);
          }
          return makeList(items);
        };
      }
      case 'structExpr':
        return this.struct(id, kind.value, scope);
      case 'comprehensionExpr':
        return this.comprehension(id, kind.value, scope);
      default:
        return () => celError('unsupported expression', id);
    }
  }

  private constantNode(value: Val): Node {
    const node: Node = () => value;
    this.constants.set(node, value);
    return node;
  }

  private ident(id: number, name: string, scope: ReadonlyMap<string, number>): Node {
    const local = scope.get(name);
    // `null` is a value (of an `any` parameter); only `undefined` marks an absent one.
    if (local !== undefined) return (f) => f[local] as Val;
    const slot = this.paramSlots.get(name);
    const unknown = this.unknowns.get(name);
    if (slot !== undefined && unknown !== undefined) {
      return (f) => {
        const v = f[slot];
        return v === undefined ? unknown : v;
      };
    }
    const typeValue = TYPE_VALUES.get(name);
    if (typeValue !== undefined) return () => typeValue;
    return () => celError(`undeclared reference to '${name}'`, id);
  }

  private select(id: number, s: CelSelect, scope: ReadonlyMap<string, number>): Node {
    if (!s.operand) return () => celError('invalid select', id);
    const operand = this.compile(s.operand, scope);
    const field = s.field;
    if (s.testOnly) {
      return (f) => {
        const v = operand(f);
        if (isAbsent(v)) return v;
        if (isCelMap(v)) return v.has(field);
        return celError(`invalid type for field selection`, id);
      };
    }
    return (f) => {
      const v = operand(f);
      if (isAbsent(v)) return v;
      if (isCelMap(v)) return mapEntry(v, field) ?? celError(`no such key: ${field}`, id);
      return celError(`type '${typeName(v)}' does not support field selection`, id);
    };
  }

  private call(id: number, c: CelCall, scope: ReadonlyMap<string, number>): Node {
    const args = c.args.map((a) => this.compile(a, scope));
    const target = c.target ? this.compile(c.target, scope) : undefined;
    const fn = c.function;
    if (fn === 'timestamp' || fn === 'duration') this.constructsMessages = true;
    switch (fn) {
      case Op.and:
        return logical(args, false);
      case Op.or:
        return logical(args, true);
      case Op.notStrictlyFalse:
      case Op.oldNotStrictlyFalse: {
        const [arg] = args;
        return (f) => (arg?.(f) === false ? false : true);
      }
      case Op.conditional: {
        const [cond, t, e] = args;
        if (!cond || !t || !e) return () => celError('invalid conditional', id);
        return (f) => {
          const v = cond(f);
          if (v === true) return t(f);
          if (v === false) return e(f);
          return isAbsent(v) ? v : celError(`no such overload`, id);
        };
      }
      default:
        break;
    }
    const impl = this.strictImpl(id, fn, target !== undefined);
    const folded = this.fold(impl, target, args);
    if (folded !== undefined) return this.constantNode(folded);
    return (f) => {
      let t: Concrete | undefined;
      if (target) {
        const tv = target(f);
        if (isAbsent(tv)) return tv;
        t = tv;
      }
      const vals: Concrete[] = [];
      for (const a of args) {
        const v = a(f);
        if (isAbsent(v)) return v;
        vals.push(v);
      }
      try {
        return impl(t, vals);
      } catch (err) {
        return celError(err, id);
      }
    };
  }

  /**
   * Evaluates a call of constants once, at compile time (`timestamp("2030-01-01T00:00:00Z")`),
   * when it succeeds; a failing call is left to fail at evaluation like any other.
   */
  private fold(impl: (t: Concrete | undefined, args: Concrete[]) => Val, target: Node | undefined, args: readonly Node[]): Val | undefined {
    const operands = [...(target ? [target] : []), ...args].map((n) => this.constants.get(n));
    if (operands.some((v) => v === undefined || isAbsent(v))) return undefined;
    const values = operands as Concrete[];
    try {
      const v = inCelContext(() => (target ? impl(values[0], values.slice(1)) : impl(undefined, values)));
      return isAbsent(v) ? undefined : v;
    } catch {
      return undefined;
    }
  }

  /** The operation of a strict call, once its operands are all concrete. */
  private strictImpl(id: number, fn: string, hasTarget: boolean): (t: Concrete | undefined, args: Concrete[]) => Val {
    const library = (t: Concrete | undefined, args: Concrete[]): Val => {
      const foreign = t instanceof IpAddress || args.some((a) => a instanceof IpAddress);
      const result = foreign ? undefined : callStd(fn, id, t as CelValue | undefined, args as CelValue[]);
      return result ?? noOverload(id, fn, t, args);
    };
    switch (fn) {
      case Op.index:
        return (_t, [container, key]) => index(id, container, key);
      case Op.equals:
      case Op.notEquals: {
        const negate = fn === Op.notEquals;
        return (t, args) => {
          const [a, b] = args;
          // Same-typed primitives compare directly; the library handles everything else.
          if (typeof a === typeof b && (typeof a === 'bigint' || typeof a === 'string' || typeof a === 'boolean')) {
            return negate ? a !== b : a === b;
          }
          if (a instanceof IpAddress || b instanceof IpAddress) {
            const same = a instanceof IpAddress && b instanceof IpAddress && a.equals(b);
            return negate ? !same : same;
          }
          return library(t, args);
        };
      }
      case Op.in:
        return (t, args) => {
          const [item, collection] = args;
          if (item instanceof IpAddress && collection !== undefined && isCelList(collection)) {
            for (const el of listItems(collection)) if (el instanceof IpAddress && el.equals(item)) return true;
            return false;
          }
          if (
            collection !== undefined &&
            isCelList(collection) &&
            (typeof item === 'string' || typeof item === 'bigint' || typeof item === 'boolean')
          ) {
            const found = primitiveIn(item, collection);
            if (found !== undefined) return found;
          }
          return library(t, args);
        };
      case '_<_':
      case '_<=_':
      case '_>_':
      case '_>=_': {
        const cmp = COMPARE[fn];
        return (t, args) => {
          const [a, b] = args;
          if (typeof a === typeof b && (typeof a === 'bigint' || typeof a === 'string')) return cmp(a as bigint, b as bigint);
          return library(t, args);
        };
      }
      case 'in_cidr':
        if (!hasTarget) break;
        return (t, [cidr]) => {
          if (!(t instanceof IpAddress) || typeof cidr !== 'string') return noOverload(id, fn, t, cidr === undefined ? [] : [cidr]);
          return t.inCidr(cidr) ?? celError(`invalid CIDR string: \`${cidr}\``, id);
        };
      case 'isSubtreeOf':
        if (!hasTarget) break;
        return (t, args) => {
          const [other] = args;
          if (t === undefined || !isCelMap(t) || other === undefined || !isCelMap(other)) return noOverload(id, fn, t, args);
          return isSubtree(t, other);
        };
      default:
        break;
    }
    return library;
  }

  private struct(id: number, s: CelStruct, scope: ReadonlyMap<string, number>): Node {
    if (s.messageName !== '') return () => celError(`unknown type: ${s.messageName}`, id);
    const entries = s.entries.map((entry) => ({
      key: entry.keyKind.case === 'mapKey' ? this.compile(entry.keyKind.value, scope) : () => celError('invalid map key', id),
      value: entry.value ? this.compile(entry.value, scope) : () => celError('map entry missing value', id),
    }));
    return (f) => {
      const out = new Map<string | bigint | boolean | ReturnType<typeof celUint>, CelValue>();
      for (const entry of entries) {
        const k = entry.key(f);
        if (isAbsent(k)) return k;
        const v = entry.value(f);
        if (isAbsent(v)) return v;
        if (typeof k !== 'string' && typeof k !== 'bigint' && typeof k !== 'boolean' && !isCelUint(k)) {
          return celError('unsupported key type', id);
        }
        if (v instanceof IpAddress) return celError('unsupported map value', id);
        if (out.has(k)) return celError(`Failed with repeated key`, id);
        out.set(k, v);
      }
      return celMap(out);
    };
  }

  private comprehension(id: number, c: CelComprehension, scope: ReadonlyMap<string, number>): Node {
    if (!c.iterRange || !c.accuInit || !c.loopCondition || !c.loopStep || !c.result) {
      return () => celError('invalid comprehension', id);
    }
    const range = this.compile(c.iterRange, scope);
    const init = this.compile(c.accuInit, scope);
    const accuSlot = this.slots++;
    const iterSlot = this.slots++;
    const loopScope = new Map(scope);
    loopScope.set(c.accuVar, accuSlot);
    loopScope.set(c.iterVar, iterSlot);
    const cond = this.compile(c.loopCondition, loopScope);
    const step = this.compile(c.loopStep, loopScope);
    const resultScope = new Map(scope);
    resultScope.set(c.accuVar, accuSlot);
    const result = this.compile(c.result, resultScope);
    return (f) => {
      const r = range(f);
      if (isAbsent(r)) return r;
      let items: Iterable<Concrete>;
      if (isCelList(r)) items = listItems(r);
      else if (isCelMap(r)) items = r.keys();
      else return celError(`type mismatch: iterable vs ${typeName(r)}`, id);
      f[accuSlot] = init(f);
      for (const item of items) {
        f[iterSlot] = item;
        if (cond(f) === false) break;
        f[accuSlot] = step(f);
      }
      return result(f);
    };
  }
}

/** `&&` (stopOn = false) and `||` (stopOn = true), cel-go's evalAnd/evalOr. */
function logical(args: readonly Node[], stopOn: boolean): Node {
  return (f) => {
    let unknown: Unknown | undefined;
    let error: Val | undefined;
    for (const arg of args) {
      const v = arg(f);
      if (v === stopOn) return stopOn;
      if (typeof v === 'boolean') continue;
      if (v instanceof Unknown) unknown = Unknown.merge(unknown, v);
      else error ??= isCelError(v) ? v : celError(`no such overload`);
    }
    if (unknown) return unknown;
    if (error !== undefined) return error;
    return !stopOn;
  };
}
