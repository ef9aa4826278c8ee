"""C (a pycparser AST) to kernel IR: the top function with its callees inlined.

Scalars that C assigns live in `var` storages (read/write ops); scalars never assigned are
SSA values. Arrays are storages, and views of them (a row, `&a[k]`) are passed to callees
as prefix indices and offsets. break, continue and return become flags that guard the
statements after them; a loop that can stop early becomes a while loop. Counted loops in the
usual `for (i = lo; i < hi; i++)` shape become IR for loops that schedulers can reason
about.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from pycparser import c_ast

from kiln.errors import CFrontendError, SourceLoc
from kiln.frontend.c import syntax
from kiln.frontend.c.c_types import (
    INT,
    SIZE_T,
    CArray,
    CPointer,
    CStruct,
    CType,
    CVoid,
    common_type,
    elem_name,
    promote,
    sizeof,
)
from kiln.frontend.c.consteval import char_value, const_eval, int_literal
from kiln.frontend.c.parse import CSource, loc_of
from kiln.frontend.c.pragmas import Directive, parse_pragma
from kiln.frontend.c.symbols import ArraySym, ConstSym, PtrSym, StructSym, Sym, ValSym, VarSym
from kiln.frontend.c.types_from_ast import TypeResolver
from kiln.ir.builder import KernelBuilder
from kiln.ir.kernel import (
    Block,
    Direction,
    ForLoop,
    Kernel,
    LoopDirectives,
    Partition,
    Storage,
    StorageKind,
    Value,
    WhileLoop,
    walk_ops,
)
from kiln.ir.semantics import wrap
from kiln.ir.types import BOOL, ArrayType, FloatType, IntType, ScalarType, u

_IO_CALLS = {
    "printf",
    "fprintf",
    "puts",
    "putchar",
    "sprintf",
    "snprintf",
    "scanf",
    "fopen",
    "fclose",
    "fwrite",
    "fread",
    "fputs",
    "fputc",
    "getchar",
    "perror",
    "fflush",
}
_ALLOC_CALLS = {"malloc", "calloc", "realloc", "free", "alloca"}
_ARITH = {
    "+": "add",
    "-": "sub",
    "*": "mul",
    "/": "div",
    "%": "rem",
    "&": "and",
    "|": "or",
    "^": "xor",
    "<<": "shl",
    ">>": "shr",
}
_COMPARE = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}


@dataclass
class Port:
    """A kernel parameter as the C code sees it, so the golden harness can record it:
    `base` + index over `dims_before` + `member` + index over `dims_after`."""

    name: str
    base: str
    elem: ScalarType
    dims_before: tuple[int, ...] = ()
    member: str = ""
    dims_after: tuple[int, ...] = ()
    direction: Direction = Direction.IN
    is_return: bool = False

    @property
    def shape(self) -> tuple[int, ...]:
        return self.dims_before + self.dims_after


@dataclass
class CKernel:
    """The result of lowering: the verified kernel, its ports, and the directives seen."""

    kernel: Kernel
    ports: list[Port]
    top: str
    source: CSource
    directives: list[Directive] = field(default_factory=list)


@dataclass
class RV:
    """An rvalue: an IR value and its C type. A comparison's u1 result stays u1 until it
    is used as an int (`value.type` is then u1 while `ctype` is int)."""

    value: Value
    ctype: ScalarType


@dataclass
class LV:
    """An lvalue: a scalar storage, or an array element."""

    storage: Storage
    ctype: ScalarType
    indices: tuple[Value, ...] | None = None


@dataclass
class _Function:
    name: str
    ret_type: CType
    ret_lv: LV | None = None
    ret_flag: Storage | None = None
    tail_value: RV | None = None


@dataclass
class _Exit:
    """A loop or switch in progress: the flags its break and continue set."""

    kind: str  # "loop" | "switch"
    brk: Storage | None = None
    cont: Storage | None = None


def _error(message: str, node, hint: str | None = None) -> CFrontendError:
    return CFrontendError(message, loc_of(node), hint)


class Lowerer:
    def __init__(self, source: CSource, top: str, directions: dict[str, Direction] | None):
        self.src = source
        self.ast = source.ast
        self.directions = directions
        self.scopes: list[dict[str, Sym]] = []
        self.functions = {f.decl.name: f for f in self.ast.ext if isinstance(f, c_ast.FuncDef)}
        self.globals = syntax.global_decls(self.ast)
        self.types = TypeResolver(self.ast, self._const_lookup)
        if top not in self.functions:
            names = ", ".join(n for n in self.functions if n != "main") or "none"
            raise CFrontendError(
                f"no function '{top}' is defined in {source.path}",
                SourceLoc(str(source.path)),
                f"functions defined there: {names}",
            )
        self.top = top
        fdef = self.functions[top]
        self.kb = KernelBuilder(top, track_locations=False, loc=loc_of(fdef))
        self.ports: list[Port] = []
        self.global_syms: dict[str, Sym] = {}
        self.statics: dict[int, Sym] = {}
        self.fn_stack: list[_Function] = []
        self.exits: list[_Exit] = []
        self.partitions: dict[str, list[Directive]] = {}
        self.directives: list[Directive] = []
        self.interface_depth: dict[str, int] = {}

    # ---- entry ----------------------------------------------------------------------

    def run(self) -> CKernel:
        fdef = self.functions[self.top]
        fn = self._function_entry(fdef)
        self.scopes = [{}]
        self._bind_top_params(fdef, fn)
        self._body(fdef, fn)
        if fn.tail_value is not None and fn.ret_lv is not None:
            self._write(fn.ret_lv, fn.tail_value, fdef)
        self.fn_stack.pop()
        kernel = self.kb.build()
        return CKernel(kernel, self.ports, self.top, self.src, self.directives)

    def _function_entry(self, fdef: c_ast.FuncDef) -> _Function:
        ftype = fdef.decl.type
        ret = self.types.resolve(ftype.type, fdef)
        fn = _Function(fdef.decl.name, ret)
        self.fn_stack.append(fn)
        self._collect_pragmas(fdef)
        return fn

    def _collect_pragmas(self, fdef: c_ast.FuncDef) -> None:
        for node in syntax.pragmas_in(fdef.body):
            d = parse_pragma(node.string, loc_of(node))
            if d is None:
                continue
            self.directives.append(d)
            if d.name == "array_partition":
                self.partitions.setdefault(d.options["variable"], []).append(d)
            elif d.name == "interface":
                depth = d.integer("depth")
                if depth is not None:
                    self.interface_depth[d.options["port"]] = depth
                d.used = True
            elif d.name in ("inline",):
                d.used = True

    def _check_pragmas_used(self, fdef) -> None:
        for name, ds in list(self.partitions.items()):
            for d in ds:
                if not d.used:
                    raise d.error(
                        f"no array named '{name}' in function '{fdef.decl.name}'",
                        "array_partition names an array declared in the same function",
                    )
            del self.partitions[name]

    def _body(self, fdef: c_ast.FuncDef, fn: _Function) -> None:
        items = fdef.body.block_items or []
        returns = syntax.count(fdef.body, c_ast.Return)
        tail_only = returns == 1 and items and isinstance(items[-1], c_ast.Return)
        if not isinstance(fn.ret_type, CVoid) and not isinstance(fn.ret_type, ScalarType):
            raise _error(
                f"function '{fn.name}' returns {fn.ret_type}; kernels return scalars",
                fdef.decl,
                "return results through an array or pointer parameter",
            )
        if returns and not tail_only:
            fn.ret_flag = self._flag(f"{fn.name}.returned")
        if fn.ret_lv is None and not isinstance(fn.ret_type, CVoid) and not tail_only:
            st = self._new_var(f"{fn.name}.ret", fn.ret_type)
            fn.ret_lv = LV(st, fn.ret_type)
        self.scopes.append({})
        self._block(items)
        self.scopes.pop()
        self._check_pragmas_used(fdef)

    # ---- parameters ------------------------------------------------------------------

    def _bind_top_params(self, fdef: c_ast.FuncDef, fn: _Function) -> None:
        params = syntax.params_of(fdef)
        assigned = syntax.assigned_names(fdef.body)
        for p in params:
            t = self.types.resolve(p.type, p)
            self.scopes[-1][p.name] = self._top_param(p, t, assigned)
        if isinstance(fn.ret_type, ScalarType):
            st = self._param_storage("return", fn.ret_type, Direction.OUT, fdef.decl)
            self.ports.append(
                Port("return", "", fn.ret_type, direction=Direction.OUT, is_return=True)
            )
            fn.ret_lv = LV(st, fn.ret_type)

    def _direction(self, name: str) -> Direction:
        if self.directions is None:
            return Direction.INOUT
        return self.directions.get(name, Direction.IN)

    def _param_storage(self, name, t, direction, node) -> Storage:
        self.kb.current_loc = loc_of(node)
        if direction is Direction.IN:
            return self.kb.input(name, t)
        if direction is Direction.OUT:
            return self.kb.output(name, t)
        return self.kb.inout(name, t)

    def _top_param(self, p: c_ast.Decl, t: CType, assigned: set[str]) -> Sym:
        name = p.name
        if isinstance(t, ScalarType):
            value = self._param_storage(name, t, Direction.IN, p)
            self.ports.append(Port(name, name, t))
            if name in assigned:
                var = self._new_var(name, t)
                self._write(LV(var, t), RV(value, t), p)
                return VarSym(var, t)
            return ValSym(value, t)
        if isinstance(t, CPointer) and name in self.interface_depth:
            t = CArray(t.target, (self.interface_depth[name],))
        if isinstance(t, CArray):
            if 0 in t.dims:
                raise _error(
                    f"parameter '{name}' is an array of unknown size ({t})",
                    p,
                    f"give every dimension a size, e.g. {elem_name(t.elem)} {name}[64]",
                )
            return self._port_array(name, name, t, p)
        if isinstance(t, CPointer):
            target = t.target
            if isinstance(target, ScalarType):
                return self._port_scalar(name, f"(*{name})", target, p)
            if isinstance(target, CStruct):
                return self._port_struct(name, f"(*{name})", target, p, ())
            raise _error(f"parameter '{name}' has type {t}, which kiln cannot map", p)
        if isinstance(t, CStruct):
            return self._port_struct(name, name, t, p, ())
        raise _error(f"parameter '{name}' has type {t}, which kiln cannot map", p)

    def _port_scalar(self, name: str, access: str, t: ScalarType, node) -> Sym:
        direction = self._direction(name)
        self.ports.append(Port(name, access, t, direction=direction))
        st = self._param_storage(name, t, direction, node)
        if direction is Direction.IN:
            return ValSym(st, t)  # an input scalar parameter is a value
        return VarSym(st, t)

    def _port_array(self, name: str, access: str, t: CArray, node, member="", after=()) -> Sym:
        elem = t.elem
        if isinstance(elem, CStruct):
            return self._port_struct(name, access, elem, node, t.dims)
        if not isinstance(elem, ScalarType):
            raise _error(f"array '{name}' holds {elem}, which kiln cannot map", node)
        direction = self._direction(name)
        port = Port(name, access, elem, t.dims, member, after, direction)
        self.ports.append(port)
        st = self._param_storage(name, ArrayType(elem, port.shape), direction, node)
        self._apply_partition(name, st, node)
        return ArraySym(st, elem, port.shape)

    def _port_struct(self, name, access, t: CStruct, node, dims: tuple[int, ...]) -> StructSym:
        if t.fields is None:
            raise _error(f"struct {t.name} is used but never defined", node)
        sym = StructSym(t)
        for fname, ft in t.fields:
            pname = f"{name}.{fname}"
            member = f".{fname}"
            if isinstance(ft, ScalarType) and not dims:
                direction = self._direction(pname)
                self.ports.append(Port(pname, access + member, ft, direction=direction))
                st = self._param_storage(pname, ft, direction, node)
                sym.fields[fname] = ValSym(st, ft) if direction is Direction.IN else VarSym(st, ft)
            elif isinstance(ft, ScalarType) or (
                isinstance(ft, CArray) and isinstance(ft.elem, ScalarType)
            ):
                after = ft.dims if isinstance(ft, CArray) else ()
                elem = ft.elem if isinstance(ft, CArray) else ft
                direction = self._direction(pname)
                port = Port(pname, access, elem, dims, member, after, direction)
                if not dims:
                    port = Port(pname, access + member, elem, after, "", (), direction)
                self.ports.append(port)
                st = self._param_storage(pname, ArrayType(elem, port.shape), direction, node)
                sym.fields[fname] = ArraySym(st, elem, port.shape)
            else:
                raise _error(
                    f"field '{fname}' of struct {t.name} has type {ft}; kiln flattens "
                    "structs of scalars and arrays of scalars only",
                    node,
                )
        return sym

    # ---- storage helpers -------------------------------------------------------------

    def _new_var(self, hint: str, t: ScalarType, kind=StorageKind.VAR, init=None) -> Storage:
        name = self.kb.unique(hint)
        st = Storage(name, t, kind, init=init, loc=self.kb.current_loc)
        self.kb.storages.append(st)
        self.kb._names.add(name)
        return st

    def _new_array(self, hint, elem, dims, kind, init=None) -> Storage:
        name = self.kb.unique(hint)
        st = Storage(name, ArrayType(elem, tuple(dims)), kind, init=init, loc=self.kb.current_loc)
        self.kb.storages.append(st)
        self.kb._names.add(name)
        return st

    def _flag(self, hint: str) -> Storage:
        st = self._new_var(hint, BOOL)
        self.kb.write(st, self.kb.const(0, BOOL))
        return st

    def _apply_partition(self, cname: str, st: Storage, node) -> None:
        for d in self.partitions.get(cname, []):
            if d.used:
                continue
            dims = st.type.shape if isinstance(st.type, ArrayType) else ()
            dim = d.integer("dim", 1, minimum=0)
            if dim > len(dims):
                raise d.error(f"dim={dim} but '{cname}' has {len(dims)} dimension(s)")
            kind = d.options["type"]
            factor = 0 if kind == "complete" else d.integer("factor")
            st.partition = Partition(kind, factor, dim - 1 if len(dims) > 1 else max(dim - 1, 0))
            d.used = True

    # ---- symbols ---------------------------------------------------------------------

    def _const_lookup(self, name: str):
        for scope in reversed(self.scopes):
            if name in scope:
                s = scope[name]
                return (s.value, s.ctype) if isinstance(s, ConstSym) else None
        types = getattr(self, "types", None)
        if types is not None and name in types.enum_constants:
            return types.enum_constants[name], INT
        g = self.globals.get(name)
        if g is not None and "const" in (g.quals or []) and g.init is not None:
            t = self.types.resolve(g.type, g)
            if isinstance(t, IntType):
                v = const_eval(g.init, self._const_lookup)
                if v is not None:
                    return wrap(v[0], t), t
        return None

    def lookup(self, name: str, node) -> Sym:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in self.types.enum_constants:
            return ConstSym(self.types.enum_constants[name], INT)
        if name in self.global_syms:
            return self.global_syms[name]
        g = self.globals.get(name)
        if g is not None:
            sym = self._global(g)
            self.global_syms[name] = sym
            return sym
        if name in self.functions:
            raise _error(
                f"function '{name}' used as a value (function pointer)",
                node,
                "kernels call functions directly; function pointers are outside the subset",
            )
        raise _error(f"'{name}' is not declared", node)

    def _global(self, g: c_ast.Decl) -> Sym:
        t = self.types.resolve(g.type, g)
        const = "const" in (g.quals or []) or self.types.is_const(g.type)
        saved = self.kb.current_loc
        self.kb.current_loc = loc_of(g)
        try:
            if const and g.init is not None:
                if isinstance(t, ScalarType):
                    rv = self._init_constant(g.init, t, g)
                    return ConstSym(rv, t)
                if isinstance(t, CArray) and isinstance(t.elem, ScalarType):
                    t = self._complete_dims(t, g.init, g)
                    values = self._init_values(g.init, t, g)
                    st = self._new_array(g.name, t.elem, t.dims, StorageKind.CONST, values)
                    return ArraySym(st, t.elem, t.dims)
            if isinstance(t, ScalarType):
                return self._port_scalar(g.name, g.name, t, g)
            if isinstance(t, CArray):
                return self._port_array(g.name, g.name, t, g)
            if isinstance(t, CStruct):
                return self._port_struct(g.name, g.name, t, g, ())
            raise _error(f"global '{g.name}' has type {t}, which kiln cannot map", g)
        finally:
            self.kb.current_loc = saved

    # ---- initializers ----------------------------------------------------------------

    def _init_constant(self, node, t: ScalarType, where) -> int:
        """The raw value of a constant initializer converted to `t`."""
        if isinstance(node, c_ast.InitList):
            if len(node.exprs) != 1:
                raise _error("scalar initializer has several values", node)
            node = node.exprs[0]
        v = self._constant_scalar(node)
        if v is None:
            raise _error(
                "initializer is not a constant expression",
                node,
                "static and global data need constant initial values",
            )
        value, vt = v
        return self._convert_constant(value, vt, t)

    def _constant_scalar(self, node) -> tuple[int | float, ScalarType] | None:
        """A constant int or float expression: (python number, its C type)."""
        ic = const_eval(node, self._const_lookup)
        if ic is not None:
            return ic
        if isinstance(node, c_ast.Constant) and node.type in ("float", "double"):
            t = syntax.float_literal_type(node.value)
            return syntax.float_literal(node.value), t
        if isinstance(node, c_ast.UnaryOp) and node.op in ("-", "+"):
            inner = self._constant_scalar(node.expr)
            if inner is not None and isinstance(inner[1], FloatType):
                return (-inner[0] if node.op == "-" else inner[0]), inner[1]
        if isinstance(node, c_ast.Cast):
            inner = self._constant_scalar(node.expr)
            t = self.types.resolve(node.to_type.type, node)
            if inner is not None and isinstance(t, ScalarType):
                raw = self._convert_constant(inner[0], inner[1], t)
                return (syntax.raw_to_python(raw, t), t)
        return None

    def _convert_constant(self, value, vt: ScalarType, t: ScalarType) -> int:
        if t == BOOL:
            return int(value != 0)
        if isinstance(t, FloatType):
            return syntax.python_to_float_raw(value, t)
        if isinstance(vt, FloatType):
            return wrap(int(value), t)
        return wrap(int(value), t)

    def _complete_dims(self, t: CArray, init, node) -> CArray:
        if t.dims and t.dims[0] == 0:
            if isinstance(init, c_ast.InitList):
                n = len(init.exprs)
            elif isinstance(init, c_ast.Constant) and init.type == "string":
                n = len(syntax.string_bytes(init.value)) + 1
            else:
                raise _error("cannot size this array from its initializer", node)
            return CArray(t.elem, (n, *t.dims[1:]))
        return t

    def _init_values(self, init, t: CArray, node) -> list[int]:
        """Flat raw values of a constant array initializer (missing ones are zero)."""
        out = [0] * int(ArrayType(t.elem, t.dims).size)
        self._fill(init, t.elem, t.dims, 0, out, node, constant=True)
        return out  # type: ignore[return-value]

    def _fill(self, init, elem, dims, base, out, node, constant: bool):
        """Place initializer values row-major; `out` gets raw ints (constant) or nodes."""
        if not dims:
            if isinstance(init, c_ast.InitList):
                if len(init.exprs) != 1:
                    raise _error("too many values in initializer", init)
                init = init.exprs[0]
            out[base] = self._init_constant(init, elem, node) if constant else init
            return
        if isinstance(init, c_ast.Constant) and init.type == "string" and len(dims) == 1:
            data = syntax.string_bytes(init.value)
            for k, b in enumerate(data[: dims[0]]):
                out[base + k] = wrap(b, elem) if constant else c_ast.Constant("int", str(b))
            return
        if not isinstance(init, c_ast.InitList):
            raise _error("array initializer needs braces { ... }", init)
        stride = 1
        for d in dims[1:]:
            stride *= d
        k = 0
        exprs = list(init.exprs)
        j = 0
        while j < len(exprs):
            e = exprs[j]
            if isinstance(e, c_ast.NamedInitializer):
                raise _error(
                    "designated initializers are outside the subset", e, "list the values in order"
                )
            if k >= dims[0]:
                raise _error(f"too many values in initializer (array has {dims[0]})", e)
            if isinstance(e, c_ast.InitList) or len(dims) == 1:
                self._fill(e, elem, dims[1:], base + k * stride, out, node, constant)
                j += 1
            else:  # brace elision: a flat list fills the sub-array element by element
                n = stride
                sub = c_ast.InitList(exprs[j : j + n], e.coord)
                self._fill(sub, elem, dims[1:], base + k * stride, out, node, constant)
                j += n
            k += 1

    # ---- statements ------------------------------------------------------------------

    @contextmanager
    def _scope(self):
        self.scopes.append({})
        try:
            yield
        finally:
            self.scopes.pop()

    def _block(self, items: list) -> None:
        for k, item in enumerate(items):
            self._stmt(item)
            rest = items[k + 1 :]
            if not rest or all(isinstance(r, c_ast.Pragma) for r in rest):
                continue
            flags = self._exit_flags(item)
            if flags:
                self.kb.current_loc = loc_of(rest[0])
                with self.kb.if_(self._none_set(flags)):
                    self._block(rest)
                return

    def _exit_flags(self, stmt) -> list[Storage]:
        kinds = syntax.exits(stmt)
        flags: list[Storage] = []
        if "break" in kinds and self.exits and self.exits[-1].brk is not None:
            flags.append(self.exits[-1].brk)
        if "continue" in kinds:
            loop = next((e for e in reversed(self.exits) if e.kind == "loop"), None)
            if loop is not None and loop.cont is not None:
                flags.append(loop.cont)
        if "return" in kinds and self.fn_stack[-1].ret_flag is not None:
            flags.append(self.fn_stack[-1].ret_flag)
        return list({id(f): f for f in flags}.values())

    def _none_set(self, flags: list[Storage]) -> Value:
        acc = None
        for f in flags:
            v = self.kb.read(f)
            acc = v if acc is None else self.kb.or_(acc, v)
        return self.kb.cmp("eq", acc, self.kb.const(0, BOOL))

    def _stmt(self, s) -> None:
        self.kb.current_loc = loc_of(s)
        if isinstance(s, c_ast.Compound):
            with self._scope():
                self._block(s.block_items or [])
        elif isinstance(s, c_ast.Decl):
            self._decl(s)
        elif isinstance(s, c_ast.DeclList):
            for d in s.decls:
                self._decl(d)
        elif isinstance(s, c_ast.Pragma):
            self._stray_pragma(s)
        elif isinstance(s, c_ast.If):
            self._if(s)
        elif isinstance(s, c_ast.For):
            self._for(s)
        elif isinstance(s, c_ast.While):
            self._while(s, s.cond, s.stmt, do=False)
        elif isinstance(s, c_ast.DoWhile):
            self._while(s, s.cond, s.stmt, do=True)
        elif isinstance(s, c_ast.Switch):
            self._switch(s)
        elif isinstance(s, c_ast.Break):
            if not self.exits:
                raise _error("break outside a loop or switch", s)
            self.kb.write(self.exits[-1].brk, self.kb.const(1, BOOL))
        elif isinstance(s, c_ast.Continue):
            loop = next((e for e in reversed(self.exits) if e.kind == "loop"), None)
            if loop is None:
                raise _error("continue outside a loop", s)
            self.kb.write(loop.cont, self.kb.const(1, BOOL))
        elif isinstance(s, c_ast.Return):
            self._return(s)
        elif isinstance(s, c_ast.Goto | c_ast.Label):
            raise _error(
                "goto and labels are outside the subset",
                s,
                "use loops with break/continue, or flags",
            )
        elif isinstance(s, c_ast.EmptyStatement):
            pass
        elif isinstance(s, c_ast.Typedef):
            self.types.add_typedef(s)
        elif isinstance(s, c_ast.Case | c_ast.Default):
            raise _error("case label outside a switch", s)
        else:
            self._expr(s, want_value=False)

    def _stray_pragma(self, s: c_ast.Pragma) -> None:
        d = parse_pragma(s.string, loc_of(s))
        if d is None or d.name in ("array_partition", "interface", "inline") or d.used:
            return
        if d.name in ("pipeline", "unroll", "loop_tripcount"):
            fn = self.fn_stack[-1]
            if d.name == "pipeline" and not self.exits:
                return  # a function-level pipeline: recorded, the function is inlined
            raise d.error(
                f"is not the first statement of a loop body (in function '{fn.name}')",
                "put it on the first line inside the loop's braces",
            )

    def _return(self, s: c_ast.Return) -> None:
        fn = self.fn_stack[-1]
        if s.expr is not None:
            if isinstance(fn.ret_type, CVoid):
                raise _error(f"function '{fn.name}' is void but returns a value", s)
            rv = self._rvalue(s.expr)
            rv = RV(self._convert(rv, fn.ret_type, s), fn.ret_type)
            if fn.ret_lv is None:
                fn.tail_value = rv
            else:
                self._write(fn.ret_lv, rv, s)
        if fn.ret_flag is not None:
            self.kb.write(fn.ret_flag, self.kb.const(1, BOOL))

    def _decl(self, d: c_ast.Decl) -> None:
        if d.name is None:  # a struct or enum declaration
            self.types.declare_tags(d)
            return
        t = self.types.resolve(d.type, d)
        storage_class = d.storage or []
        if "extern" in storage_class:
            raise _error("extern declarations inside a kernel are outside the subset", d)
        if isinstance(d.type, c_ast.FuncDecl):
            return  # a local prototype
        static = "static" in storage_class
        const = self.types.is_const(d.type) or "const" in (d.quals or [])
        if static:
            self.scopes[-1][d.name] = self._static_local(d, t, const)
            return
        if isinstance(t, ScalarType):
            st = self._new_var(d.name, t)
            if d.init is not None:
                self._write(LV(st, t), self._rvalue(d.init), d)
            self.scopes[-1][d.name] = VarSym(st, t)
        elif isinstance(t, CArray):
            t = self._complete_dims(t, d.init, d) if d.init is not None else t
            if 0 in t.dims:
                raise _error(f"array '{d.name}' has no size", d)
            if not isinstance(t.elem, ScalarType):
                raise _error(
                    f"local array '{d.name}' of {t.elem} is outside the subset",
                    d,
                    "use one array per struct field",
                )
            values = None
            if const and d.init is not None:
                try:
                    values = self._init_values(d.init, t, d)
                except CFrontendError:
                    values = None
            if values is not None:
                st = self._new_array(d.name, t.elem, t.dims, StorageKind.CONST, values)
            else:
                st = self._new_array(d.name, t.elem, t.dims, StorageKind.LOCAL)
                if d.init is not None:
                    self._init_local_array(st, t, d)
            self._apply_partition(d.name, st, d)
            self.scopes[-1][d.name] = ArraySym(st, t.elem, t.dims)
        elif isinstance(t, CStruct):
            self.scopes[-1][d.name] = self._local_struct(d, t)
        elif isinstance(t, CPointer):
            raise _error(
                f"local pointer '{d.name}' is outside the subset",
                d,
                "index the array directly; pointers are allowed only as parameters",
            )
        else:
            raise _error(f"cannot declare '{d.name}' of type {t}", d)

    def _init_local_array(self, st: Storage, t: CArray, d) -> None:
        nodes: list = [None] * st.type.size
        self._fill(d.init, t.elem, t.dims, 0, nodes, d, constant=False)
        for flat, node in enumerate(nodes):
            idx = []
            rem = flat
            for dim in reversed(t.dims):
                idx.append(rem % dim)
                rem //= dim
            indices = [self.kb.const(k, u(32)) for k in reversed(idx)]
            value = self._rvalue(node) if node is not None else None
            v = self._convert(value, t.elem, d) if value is not None else self.kb.const(0, t.elem)
            self.kb.store(st, indices, v)

    def _static_local(self, d: c_ast.Decl, t: CType, const: bool) -> Sym:
        key = id(d)
        if key in self.statics:
            return self.statics[key]
        fn = self.fn_stack[-1].name
        kind = StorageKind.CONST if const else StorageKind.STATIC
        if isinstance(t, ScalarType):
            init = self._init_constant(d.init, t, d) if d.init is not None else 0
            if const:
                sym: Sym = ConstSym(init, t)
            else:
                sym = VarSym(self._new_var(f"{fn}.{d.name}", t, StorageKind.STATIC, [init]), t)
        elif isinstance(t, CArray) and isinstance(t.elem, ScalarType):
            t = self._complete_dims(t, d.init, d) if d.init is not None else t
            values = (
                self._init_values(d.init, t, d)
                if d.init is not None
                else [0] * ArrayType(t.elem, t.dims).size
            )
            st = self._new_array(f"{fn}.{d.name}", t.elem, t.dims, kind, values)
            self._apply_partition(d.name, st, d)
            sym = ArraySym(st, t.elem, t.dims)
        else:
            raise _error(f"static '{d.name}' of type {t} is outside the subset", d)
        self.statics[key] = sym
        return sym

    def _local_struct(self, d: c_ast.Decl, t: CStruct) -> StructSym:
        if t.fields is None:
            raise _error(f"struct {t.name} is used but never defined", d)
        sym = StructSym(t)
        for fname, ft in t.fields:
            if isinstance(ft, ScalarType):
                sym.fields[fname] = VarSym(self._new_var(f"{d.name}.{fname}", ft), ft)
            elif isinstance(ft, CArray) and isinstance(ft.elem, ScalarType):
                st = self._new_array(f"{d.name}.{fname}", ft.elem, ft.dims, StorageKind.LOCAL)
                sym.fields[fname] = ArraySym(st, ft.elem, ft.dims)
            else:
                raise _error(f"field '{fname}' of struct {t.name} is outside the subset", d)
        if d.init is not None:
            if not isinstance(d.init, c_ast.InitList):
                self._assign_struct(sym, d.init, d)
                return sym
            for (fname, ft), e in zip(t.fields, d.init.exprs, strict=False):
                f = sym.fields[fname]
                if isinstance(f, VarSym):
                    self._write(LV(f.storage, ft), self._rvalue(e), e)
                else:
                    assert isinstance(ft, CArray)
                    self._init_local_array(
                        f.storage,
                        ft,
                        c_ast.Decl(fname, [], [], [], [], None, e, None, coord=e.coord),
                    )
        return sym

    def _assign_struct(self, dst: StructSym, src_node, node) -> None:
        src = self._struct_of(src_node)
        for fname, ft in dst.ctype.fields or ():
            a, b = dst.fields[fname], src.fields[fname]
            if not isinstance(ft, ScalarType):
                raise _error(
                    "copying a struct with array fields is outside the subset",
                    node,
                    "copy the fields one by one",
                )
            self._write(self._sym_lvalue(a, node), self._sym_rvalue(b, node), node)

    def _if(self, s: c_ast.If) -> None:
        cond = self._truth(s.cond)
        self.kb.current_loc = loc_of(s)
        with self.kb.if_(cond):
            self._sub_stmt(s.iftrue)
        if s.iffalse is not None:
            with self.kb.else_():
                self._sub_stmt(s.iffalse)

    def _sub_stmt(self, s) -> None:
        with self._scope():
            if isinstance(s, c_ast.Compound):
                self._block(s.block_items or [])
            else:
                self._stmt(s)

    # ---- loops -------------------------------------------------------------------------

    def _loop_directives(self, body) -> tuple[LoopDirectives, list[Directive]]:
        pipeline, unroll, max_trip = 0, 1, 0
        found = []
        items = body.block_items or [] if isinstance(body, c_ast.Compound) else []
        for item in items:
            if not isinstance(item, c_ast.Pragma):
                continue
            d = parse_pragma(item.string, loc_of(item))
            if d is None:
                continue
            if d.name == "pipeline":
                pipeline = 0 if "off" in d.options else d.integer("ii", 1)
            elif d.name == "unroll":
                unroll = 1 if "off" in d.options else d.integer("factor", 0)
            elif d.name == "loop_tripcount":
                max_trip = d.integer("max", 0) or 0
            else:
                continue
            d.used = True
            found.append(d)
        return LoopDirectives(pipeline, unroll, max_trip), found

    def _loop_body(self, body, exit_: _Exit) -> None:
        self.exits.append(exit_)
        try:
            if exit_.cont is not None:
                self.kb.write(exit_.cont, self.kb.const(0, BOOL))
            self._sub_stmt_skipping_pragmas(body)
        finally:
            self.exits.pop()

    def _sub_stmt_skipping_pragmas(self, body) -> None:
        with self._scope():
            if isinstance(body, c_ast.Compound):
                items = [i for i in body.block_items or [] if not self._loop_pragma(i)]
                self._block(items)
            else:
                self._stmt(body)

    @staticmethod
    def _loop_pragma(item) -> bool:
        if not isinstance(item, c_ast.Pragma):
            return False
        words = item.string.split()
        return (
            len(words) > 1
            and words[0].upper() == "HLS"
            and words[1].lower() in ("pipeline", "unroll", "loop_tripcount")
        )

    def _for(self, s: c_ast.For) -> None:
        with self._scope():
            canon = syntax.canonical_for(s, self._const_lookup)
            if canon is not None:
                done = self._counted_for(s, canon)
                if done:
                    return
            if s.init is not None:
                if isinstance(s.init, c_ast.DeclList):
                    for d in s.init.decls:
                        self._decl(d)
                else:
                    self._expr(s.init, want_value=False)
            self._while(s, s.cond, s.stmt, do=False, step=s.next)

    def _counted_for(self, s: c_ast.For, canon: syntax.CountedLoop) -> bool:
        """Lower a counted loop to an IR for loop; False when it must be a while loop."""
        body = s.stmt
        if syntax.exits_loop(body) or syntax.count(body, c_ast.Return):
            return False
        declared = isinstance(s.init, c_ast.DeclList)
        if declared:
            var_t = self.types.resolve(s.init.decls[0].type, s.init.decls[0])
        else:
            sym = self.lookup(canon.var, s)
            if not isinstance(sym, VarSym):
                return False
            var_t = sym.ctype
        if not isinstance(var_t, IntType):
            return False
        lo_rv = self._rvalue(canon.lo)
        lo_c = self._constant_of(canon.lo)
        hi_c = self._constant_of(canon.hi)
        pvar = promote(var_t)
        if hi_c is None:
            hi_rv = self._rvalue(canon.hi)
            if common_type(pvar, hi_rv.ctype) != pvar or var_t != pvar:
                return False
        else:
            if common_type(pvar, hi_c[1]) != pvar:
                return False
        # Exclusive bound in the loop's direction (IR: i < hi, or i > hi when counting down).
        adjust = {"<": 0, "<=": 1, ">": 0, ">=": -1}[canon.rel]
        if hi_c is not None:
            hi: int | Value = hi_c[0] + adjust
            last = hi - (1 if canon.step > 0 else -1)
            if not (var_t.contains_raw(hi) or hi == var_t.max_raw + 1 or hi == var_t.min_raw - 1):
                return False
            if (
                lo_c is not None
                and (lo_c[0] - hi) * canon.step < 0
                and not var_t.contains_raw(last)
            ):
                return False
        else:
            h = self._convert(hi_rv, pvar, s)
            hi = h if adjust == 0 else self.kb.add(h, self.kb.const(adjust, pvar), pvar)
        if lo_c is not None and var_t.contains_raw(wrap(lo_c[0], var_t)):
            lo: int | Value = wrap(lo_c[0], var_t)
        else:
            lo = self._convert(lo_rv, var_t, s)
        # A counter declared outside the loop keeps its final value, unless nothing reads it.
        final = None
        if not declared and syntax.used_outside_counted_loops(
            self.functions[self.fn_stack[-1].name].body, canon.var
        ):
            if not (isinstance(lo, int) and isinstance(hi, int)):
                return False
            trips = (
                max(0, -(-(hi - lo) // canon.step))
                if canon.step > 0
                else max(0, -(-(lo - hi) // -canon.step))
            )
            final = lo + trips * canon.step
            if not var_t.contains_raw(wrap(final, var_t)):
                return False
        directives, _ = self._loop_directives(body)
        self.kb.current_loc = loc_of(s)
        exit_ = _Exit(
            "loop", None, self._flag(f"{canon.var}.continue") if syntax.continues(body) else None
        )
        if isinstance(hi, int) and hi > var_t.max_raw:
            var_ir = IntType(var_t.width + 1, var_t.signed)
        elif isinstance(hi, int) and hi < var_t.min_raw:
            var_ir = IntType(var_t.width + 1, True)
        else:
            var_ir = var_t
        loop = ForLoop(
            Value(self.kb._fresh(canon.var), var_ir),
            lo,
            hi,
            canon.step,
            Block(),
            directives,
            loc_of(s),
        )
        self.kb._blocks[-1].stmts.append(loop)
        with self.kb._into(loop.body), self._scope():
            iv = loop.var if var_ir == var_t else self.kb.cast(loop.var, var_t)
            self.scopes[-1][canon.var] = ValSym(iv, var_t)
            self._loop_body(body, exit_)
        if final is not None:
            sym = self.lookup(canon.var, s)
            self.kb.write(sym.storage, self.kb.const(wrap(final, var_t), var_t))
        elif declared:
            pass
        return True

    def _constant_of(self, node):
        return const_eval(node, self._const_lookup)

    def _while(self, s, cond_node, body, do: bool, step=None) -> None:
        directives, _ = self._loop_directives(body)
        self.kb.current_loc = loc_of(s)
        brk = self._flag("break") if syntax.breaks(body) else None
        cont = self._flag("continue") if syntax.continues(body) else None
        stop_flags = [f for f in (brk, self.fn_stack[-1].ret_flag) if f is not None]
        if not syntax.count(body, c_ast.Return):
            stop_flags = [f for f in stop_flags if f is not self.fn_stack[-1].ret_flag]
        # The IR evaluates a while condition as plain ops; a condition that needs control
        # flow (a short-circuit read of memory) is computed into a flag before the loop and
        # again after each trip instead, as is a do-while's.
        go = None
        if do or (cond_node is not None and not syntax.is_safe(cond_node)):
            go = self._new_var("loop.again", BOOL)
            first = self.kb.const(1, BOOL) if do else self._truth(cond_node)
            self.kb.write(go, first)
        with self.kb.while_(pipeline=directives.pipeline, max_trip=directives.max_trip) as w:
            loop: WhileLoop = self.kb._blocks[-2].stmts[-1]
            loop.directives = directives
            if go is not None:
                c = self.kb.read(go)
            elif cond_node is None:
                c = self.kb.const(1, BOOL)
            else:
                c = self._truth(cond_node)
            if stop_flags:
                c = self.kb.and_(c, self._none_set(stop_flags))
            w.cond(c)
            self._loop_body(body, _Exit("loop", brk, cont))
            guard = [f for f in (brk, self.fn_stack[-1].ret_flag) if f is not None]
            if not (brk is not None or syntax.count(body, c_ast.Return)):
                guard = []
            tails = [t for t in (step,) if t is not None]
            if go is not None and cond_node is not None:
                tails.append(("again", cond_node))
            if tails:
                if guard:
                    with self.kb.if_(self._none_set(guard)):
                        self._loop_tails(tails, go)
                else:
                    self._loop_tails(tails, go)

    def _loop_tails(self, tails, go) -> None:
        for tail in tails:
            if isinstance(tail, tuple):
                self.kb.current_loc = loc_of(tail[1])
                self.kb.write(go, self._truth(tail[1]))
            else:
                self.kb.current_loc = loc_of(tail)
                self._expr(tail, want_value=False)

    # ---- switch ----------------------------------------------------------------------

    def _switch(self, s: c_ast.Switch) -> None:
        sel = self._rvalue(s.cond)
        st = promote(sel.ctype)
        if not isinstance(st, IntType):
            raise _error("switch on a non-integer", s.cond)
        sel_v = self._convert(sel, st, s)
        if not isinstance(s.stmt, c_ast.Compound):
            raise _error("switch body must be a { ... } block", s)
        groups: list[tuple[list, list]] = []  # (labels, statements)
        pending: list = []
        for item in s.stmt.block_items or []:
            node = item
            labels = []
            while isinstance(node, c_ast.Case | c_ast.Default):
                labels.append(node)
                stmts = node.stmts or []
                if len(stmts) == 1 and isinstance(stmts[0], c_ast.Case | c_ast.Default):
                    node = stmts[0]
                    continue
                break
            if labels:
                groups.append((labels, list(labels[-1].stmts or [])))
            elif groups:
                groups[-1][1].append(item)
            else:
                pending.append(item)
        if pending and any(not isinstance(p, c_ast.Pragma) for p in pending):
            raise _error("statements before the first case label never run", pending[0])
        values = []
        for labels, _ in groups:
            for lab in labels:
                if isinstance(lab, c_ast.Case):
                    c = self._constant_of(lab.expr)
                    if c is None:
                        raise _error("case label is not an integer constant", lab.expr)
                    v = wrap(c[0], st)
                    if v in values:
                        raise _error(f"duplicate case value {c[0]}", lab)
                    values.append(v)
        self.kb.current_loc = loc_of(s)
        brk = self._flag("switch.break")
        active = self._new_var("switch.active", BOOL)
        self.kb.write(active, self.kb.const(0, BOOL))
        any_case = None
        for v in values:
            e = self.kb.cmp("eq", sel_v, self.kb.const(v, st))
            any_case = e if any_case is None else self.kb.or_(any_case, e)
        self.exits.append(_Exit("switch", brk))
        try:
            for labels, stmts in groups:
                self.kb.current_loc = loc_of(labels[0])
                hit = self.kb.read(active)
                for lab in labels:
                    if isinstance(lab, c_ast.Case):
                        v = wrap(self._constant_of(lab.expr)[0], st)
                        e = self.kb.cmp("eq", sel_v, self.kb.const(v, st))
                    else:
                        e = self.kb.const(1, BOOL) if any_case is None else self.kb.not_(any_case)
                    hit = self.kb.or_(hit, e)
                go = self.kb.and_(hit, self._none_set([brk, *self._exit_flags_outer()]))
                with self.kb.if_(go):
                    self.kb.write(active, self.kb.const(1, BOOL))
                    with self._scope():
                        self._block(stmts)
        finally:
            self.exits.pop()

    def _exit_flags_outer(self) -> list[Storage]:
        """Flags set by continue/return inside a switch, which skip its later cases."""
        out = []
        loop = next((e for e in reversed(self.exits) if e.kind == "loop"), None)
        if loop is not None and loop.cont is not None:
            out.append(loop.cont)
        if self.fn_stack[-1].ret_flag is not None:
            out.append(self.fn_stack[-1].ret_flag)
        return out

    # ---- expressions -----------------------------------------------------------------

    def _rvalue(self, node) -> RV:
        rv = self._expr(node, want_value=True)
        if rv is None:
            raise _error("expression has no value (void)", node)
        return rv

    def _value(self, rv: RV) -> Value:
        """The value in its C type (materializes a comparison's u1 as int)."""
        if rv.value.type != rv.ctype:
            return self.kb.cast(rv.value, rv.ctype)
        return rv.value

    def _convert(self, rv: RV, t: ScalarType, node) -> Value:
        """C's conversion of a value to type `t` (assignment, cast, argument, return)."""
        if t == BOOL:
            if rv.value.type == BOOL:
                return rv.value
            return self._nonzero(rv)
        if rv.value.type == t:
            return rv.value
        return self.kb.cast(rv.value, t)

    def _nonzero(self, rv: RV) -> Value:
        v = rv.value
        if v.type == BOOL:
            return v
        zero = self.kb.const(0, v.type)
        return self.kb.cmp("ne", v, zero)

    def _truth(self, node) -> Value:
        return self._nonzero(self._rvalue(node))

    def _int_const(self, value: int, t: ScalarType) -> RV:
        return RV(self.kb.const(wrap(value, t), t), t)

    def _expr(self, node, want_value: bool) -> RV | None:
        self.kb.current_loc = loc_of(node) or self.kb.current_loc
        m = getattr(self, "_e_" + type(node).__name__, None)
        if m is None:
            raise _error(f"{type(node).__name__} expressions are outside the subset", node)
        return m(node, want_value)

    def _e_Constant(self, node, want_value):
        if node.type == "char":
            return self._int_const(char_value(node.value, node), INT)
        if node.type in ("float", "double"):
            t = syntax.float_literal_type(node.value)
            raw = syntax.python_to_float_raw(syntax.float_literal(node.value), t)
            return RV(self.kb.const(raw, t), t)
        if node.type == "string":
            raise _error(
                "string literals are outside the kernel subset",
                node,
                "use a const char array initialized with { ... }",
            )
        value, t = int_literal(node.value, node)
        return self._int_const(value, t)

    def _e_ID(self, node, want_value):
        sym = self.lookup(node.name, node)
        return self._sym_rvalue(sym, node)

    def _sym_rvalue(self, sym: Sym, node) -> RV:
        if isinstance(sym, _ElemSym):
            return self._read(sym.lv)
        if isinstance(sym, ValSym):
            return RV(sym.value, sym.ctype)
        if isinstance(sym, VarSym):
            return RV(self.kb.read(sym.storage), sym.ctype)
        if isinstance(sym, ConstSym):
            return RV(self.kb.const(sym.value, sym.ctype), sym.ctype)
        if isinstance(sym, PtrSym):
            raise _error(
                "a pointer used as a value", node, "dereference it (*p) or index it (p[i])"
            )
        raise _error(
            f"'{getattr(node, 'name', '?')}' is an array or struct, used as a number",
            node,
            "index it or pick a field",
        )

    def _e_ExprList(self, node, want_value):
        rv = None
        for e in node.exprs:
            rv = self._expr(e, want_value=e is node.exprs[-1] and want_value)
        return rv

    def _e_Cast(self, node, want_value):
        t = self.types.resolve(node.to_type.type, node)
        if isinstance(t, CVoid):
            self._expr(node.expr, want_value=False)
            return None
        if not isinstance(t, ScalarType):
            raise _error(
                f"cast to {t} is outside the subset",
                node,
                "pointer casts reinterpret memory; kernels use typed arrays",
            )
        rv = self._rvalue(node.expr)
        return RV(self._convert(rv, t, node), t)

    def _e_UnaryOp(self, node, want_value):
        op = node.op
        if op == "sizeof":
            return self._sizeof(node)
        if op in ("p++", "p--", "++", "--"):
            lv = self._lvalue(node.expr)
            old = self._read(lv)
            one = self._int_const(1, INT)
            new = self._arith("+" if "++" in op else "-", old, one, node)
            self._write(lv, new, node)
            return old if op.startswith("p") else self._read_back(lv, new)
        if op == "*":
            return self._read(self._lvalue(node))
        if op == "&":
            raise _error(
                "taking an address is outside the subset",
                node,
                "only f(&x) with a pointer parameter of f is allowed",
            )
        rv = self._rvalue(node.expr)
        if op == "!":
            z = self._nonzero(rv)
            return RV(self.kb.cmp("eq", z, self.kb.const(0, BOOL)), INT)
        t = promote(rv.ctype)
        v = self._convert(rv, t, node)
        if op == "+":
            return RV(v, t)
        if op == "-":
            return RV(self.kb.neg(v, t), t)
        if op == "~":
            if not isinstance(t, IntType):
                raise _error("~ needs an integer", node)
            return RV(self.kb.not_(v), t)
        raise _error(f"operator {op} is outside the subset", node)

    def _read_back(self, lv: LV, new: RV) -> RV:
        return RV(self._convert(new, lv.ctype, None), lv.ctype)

    def _sizeof(self, node) -> RV:
        e = node.expr
        t = self.types.resolve(e.type, e) if isinstance(e, c_ast.Typename) else self._type_of(e)
        n = sizeof(t)
        if n is None:
            raise _error(f"sizeof of an incomplete type {t}", node)
        return self._int_const(n, SIZE_T)

    def _type_of(self, e) -> CType:
        """The C type of an expression for sizeof, without emitting ops for it."""
        if isinstance(e, c_ast.ID):
            sym = self.lookup(e.name, e)
            if isinstance(sym, ArraySym):
                return CArray(sym.elem, sym.dims)
            if isinstance(sym, StructSym):
                return sym.ctype
            if isinstance(sym, ValSym | VarSym | ConstSym):
                return sym.ctype
        if isinstance(e, c_ast.ArrayRef):
            base, idx = syntax.array_chain(e)
            if isinstance(base, c_ast.ID):
                sym = self.lookup(base.name, base)
                if isinstance(sym, ArraySym):
                    dims = sym.dims[len(idx) :]
                    return CArray(sym.elem, dims) if dims else sym.elem
        mark = len(self.kb._blocks[-1].stmts)
        rv = self._rvalue(e)  # sizeof never evaluates; drop the ops it made
        del self.kb._blocks[-1].stmts[mark:]
        return rv.ctype

    def _e_BinaryOp(self, node, want_value):
        op = node.op
        if op in ("&&", "||"):
            return self._logical(node)
        a = self._rvalue(node.left)
        b = self._rvalue(node.right)
        self.kb.current_loc = loc_of(node)
        if op in _COMPARE:
            t = common_type(a.ctype, b.ctype)
            va, vb = self._convert(a, t, node), self._convert(b, t, node)
            return RV(self.kb.cmp(_COMPARE[op], va, vb), INT)
        return self._arith(op, a, b, node)

    def _arith(self, op: str, a: RV, b: RV, node) -> RV:
        if op not in _ARITH:
            raise _error(f"operator {op} is outside the subset", node)
        if op in ("<<", ">>"):
            t = promote(a.ctype)
            tn = promote(b.ctype)
            if not isinstance(t, IntType) or not isinstance(tn, IntType):
                raise _error(f"{op} needs integer operands", node)
            va = self._convert(a, t, node)
            vn = self._convert(b, tn, node)
            if tn.signed:
                vn = self.kb.cast(vn, IntType(tn.width, False))
            return RV(self.kb.op(_ARITH[op], [va, vn], t), t)
        t = common_type(a.ctype, b.ctype)
        if isinstance(t, FloatType) and op in ("%", "&", "|", "^"):
            raise _error(f"operator {op} needs integers, got {elem_name(t)}", node)
        va, vb = self._convert(a, t, node), self._convert(b, t, node)
        return RV(self.kb.op(_ARITH[op], [va, vb], t), t)

    def _logical(self, node) -> RV:
        left = self._truth(node.left)
        if syntax.is_safe(node.right):
            right = self._truth(node.right)
            fn = self.kb.and_ if node.op == "&&" else self.kb.or_
            return RV(fn(left, right), INT)
        t = self._new_var("logic", BOOL)
        self.kb.write(t, left)
        gate = left if node.op == "&&" else self.kb.cmp("eq", left, self.kb.const(0, BOOL))
        with self.kb.if_(gate):
            self.kb.write(t, self._truth(node.right))
        return RV(self.kb.read(t), INT)

    def _e_TernaryOp(self, node, want_value):
        c = self._truth(node.cond)
        if syntax.is_safe(node.iftrue) and syntax.is_safe(node.iffalse) and want_value:
            a, b = self._rvalue(node.iftrue), self._rvalue(node.iffalse)
            t = common_type(a.ctype, b.ctype)
            return RV(self.kb.select(c, self._convert(a, t, node), self._convert(b, t, node)), t)
        ta, tb = self._scalar_type_of(node.iftrue), self._scalar_type_of(node.iffalse)
        if not want_value or ta is None or tb is None:
            with self.kb.if_(c):
                self._expr(node.iftrue, want_value=False)
            with self.kb.else_():
                self._expr(node.iffalse, want_value=False)
            return None
        t = common_type(ta, tb)
        tmp = self._new_var("cond", t)
        with self.kb.if_(c):
            self.kb.write(tmp, self._convert(self._rvalue(node.iftrue), t, node))
        with self.kb.else_():
            self.kb.write(tmp, self._convert(self._rvalue(node.iffalse), t, node))
        return RV(self.kb.read(tmp), t)

    def _scalar_type_of(self, e) -> ScalarType | None:
        t = self._type_of(e)
        return t if isinstance(t, ScalarType) else None

    def _e_Assignment(self, node, want_value):
        if node.op == "=":
            if isinstance(self._type_of_target(node.lvalue), CStruct):
                dst = self._struct_of(node.lvalue)
                self._assign_struct(dst, node.rvalue, node)
                return None
            lv = self._lvalue(node.lvalue)
            rv = self._rvalue(node.rvalue)
        else:
            lv = self._lvalue(node.lvalue)
            rhs = self._rvalue(node.rvalue)
            self.kb.current_loc = loc_of(node)
            rv = self._arith(node.op[:-1], self._read(lv), rhs, node)
        self.kb.current_loc = loc_of(node)
        self._write(lv, rv, node)
        return self._read_back(lv, rv) if want_value else None

    def _type_of_target(self, e):
        if isinstance(e, c_ast.ID):
            sym = self.lookup(e.name, e)
            return sym.ctype if isinstance(sym, StructSym) else None
        return None

    # ---- lvalues, arrays, structs ----------------------------------------------------

    def _read(self, lv: LV) -> RV:
        if lv.indices is None:
            return RV(self.kb.read(lv.storage), lv.ctype)
        return RV(self.kb.load(lv.storage, *lv.indices), lv.ctype)

    def _write(self, lv: LV, rv: RV, node) -> None:
        v = self._convert(rv, lv.ctype, node)
        if lv.storage.kind is StorageKind.CONST or lv.storage.direction is Direction.IN:
            raise _error(
                f"assignment to read-only '{lv.storage.name}'",
                node,
                "it is declared const (or is an input)",
            )
        if lv.indices is None:
            self.kb.write(lv.storage, v)
        else:
            self.kb.store(lv.storage, list(lv.indices), v)

    def _sym_lvalue(self, sym: Sym, node) -> LV:
        if isinstance(sym, _ElemSym):
            return sym.lv
        if isinstance(sym, VarSym):
            return LV(sym.storage, sym.ctype)
        if isinstance(sym, PtrSym):
            return self._sym_lvalue(sym.target, node)
        if isinstance(sym, ValSym):
            raise _error(
                "cannot assign here: it is a loop counter or an input",
                node,
                "counted-loop counters may not change inside the loop body",
            )
        if isinstance(sym, ConstSym):
            raise _error("assignment to a constant", node)
        if isinstance(sym, ArraySym) and len(sym.dims) == 1:  # *p on an array means p[0]
            return self._element(sym, [self._int_const(0, INT)], node)
        raise _error("this is not a scalar that can be assigned", node)

    def _lvalue(self, node) -> LV:
        if isinstance(node, c_ast.ID):
            return self._sym_lvalue(self.lookup(node.name, node), node)
        if isinstance(node, c_ast.ArrayRef):
            sym, idx = self._array_ref(node)
            return self._element(sym, idx, node)
        if isinstance(node, c_ast.UnaryOp) and node.op == "*":
            inner = node.expr
            if isinstance(inner, c_ast.BinaryOp) and inner.op in ("+", "-"):
                raise _error(
                    "pointer arithmetic is outside the subset",
                    node,
                    "write p[i] instead of *(p + i)",
                )
            sym = self._operand_sym(inner)
            if isinstance(sym, ArraySym):
                return (
                    self._element(sym, [self._int_const(0, INT)], node)
                    if len(sym.dims) == 1
                    else self._element(sym, [], node)
                )
            return self._sym_lvalue(sym, node)
        if isinstance(node, c_ast.StructRef):
            return self._sym_lvalue(self._field(node), node)
        raise _error(f"{type(node).__name__} cannot be assigned to", node)

    def _operand_sym(self, node) -> Sym:
        if isinstance(node, c_ast.ID):
            return self.lookup(node.name, node)
        if isinstance(node, c_ast.StructRef):
            return self._field(node)
        if isinstance(node, c_ast.ArrayRef):
            sym, idx = self._array_ref(node)
            return self._view(sym, idx, node)
        raise _error(
            "pointer arithmetic or an unsupported pointer expression",
            node,
            "index arrays directly: a[i]",
        )

    def _array_ref(self, node) -> tuple[ArraySym, list[RV]]:
        base, idx_nodes = syntax.array_chain(node)
        if isinstance(base, c_ast.UnaryOp | c_ast.BinaryOp | c_ast.Cast):
            raise _error(
                "pointer arithmetic is outside the subset", base, "index the array itself: a[i + k]"
            )
        sym = self._operand_sym(base)
        if isinstance(sym, PtrSym):
            sym = sym.target
        if not isinstance(sym, ArraySym):
            raise _error(
                "indexing something that is not an array",
                node,
                "give pointer parameters a size: #pragma HLS interface port=p "
                "depth=N, or declare them as arrays",
            )
        idx = [self._rvalue(i) for i in idx_nodes]
        return sym, idx

    def _index_value(self, rv: RV, node) -> Value:
        t = promote(rv.ctype)
        if not isinstance(t, IntType):
            raise _error("array index is not an integer", node)
        return self._convert(rv, t, node)

    def _element(self, sym: ArraySym, idx: list[RV], node) -> LV:
        if len(idx) != len(sym.dims):
            raise _error(
                f"array of {len(sym.dims)} dimension(s) indexed with {len(idx)} index(es)",
                node,
                "kernels read and write single elements",
            )
        values = [self._index_value(r, node) for r in idx]
        if sym.offset is not None:
            values[0] = self._add_offset(values[0], sym.offset)
        elem = sym.elem
        assert isinstance(elem, ScalarType)
        return LV(sym.storage, elem, (*sym.prefix, *values))

    def _add_offset(self, a: Value, b: Value) -> Value:
        t = common_type(a.type, b.type)
        a2 = a if a.type == t else self.kb.cast(a, t)
        b2 = b if b.type == t else self.kb.cast(b, t)
        return self.kb.add(a2, b2, t)

    def _view(self, sym: ArraySym, idx: list[RV], node) -> ArraySym:
        if len(idx) > len(sym.dims):
            raise _error("too many indices", node)
        if len(idx) == len(sym.dims):
            raise _error("an array element used where an array is needed", node)
        values = [self._index_value(r, node) for r in idx]
        if values and sym.offset is not None:
            values[0] = self._add_offset(values[0], sym.offset)
            offset = None
        else:
            offset = sym.offset
        return ArraySym(sym.storage, sym.elem, sym.dims[len(idx) :], (*sym.prefix, *values), offset)

    def _field(self, node: c_ast.StructRef) -> Sym:
        base = self._struct_of(node.name)
        name = node.field.name
        if name not in base.fields:
            raise _error(f"struct {base.ctype.name} has no field '{name}'", node.field)
        return base.fields[name]

    def _struct_of(self, node) -> StructSym:
        if isinstance(node, c_ast.ID):
            sym = self.lookup(node.name, node)
        elif isinstance(node, c_ast.StructRef):
            sym = self._field(node)
        elif isinstance(node, c_ast.ArrayRef):
            base, idx_nodes = syntax.array_chain(node)
            bsym = self._operand_sym(base)
            if isinstance(bsym, StructSym):
                idx = [self._rvalue(i) for i in idx_nodes]
                return self._struct_element(bsym, idx, node)
            raise _error("indexing something that is not an array of structs", node)
        elif isinstance(node, c_ast.UnaryOp) and node.op == "*":
            sym = self._operand_sym(node.expr)
        else:
            raise _error("not a struct", node)
        if isinstance(sym, PtrSym):
            sym = sym.target
        if not isinstance(sym, StructSym):
            raise _error("'.' or '->' on something that is not a struct", node)
        return sym

    def _struct_element(self, sym: StructSym, idx: list[RV], node) -> StructSym:
        """`pts[i]` of a flattened array of structs: each field array indexed by i."""
        out = StructSym(sym.ctype)
        for fname, f in sym.fields.items():
            if not isinstance(f, ArraySym):
                raise _error("indexing a struct that is not in an array", node)
            v = self._view(f, idx, node) if len(idx) < len(f.dims) else None
            if v is None:
                lv = self._element(f, idx, node)
                out.fields[fname] = _ElemSym(lv)
            else:
                out.fields[fname] = v
        return out

    # ---- calls -------------------------------------------------------------------------

    def _e_StructRef(self, node, want_value):
        sym = self._field(node)
        return self._sym_rvalue(sym, node)

    def _e_ArrayRef(self, node, want_value):
        sym, idx = self._array_ref(node)
        return self._read(self._element(sym, idx, node))

    def _e_FuncCall(self, node, want_value):
        if not isinstance(node.name, c_ast.ID):
            raise _error("call through a function pointer is outside the subset", node)
        name = node.name.name
        if name in _IO_CALLS:
            raise _error(
                f"I/O call '{name}' in the kernel",
                node,
                "keep printing in the testbench (main); kernels compute only",
            )
        if name in _ALLOC_CALLS:
            raise _error(
                f"dynamic allocation ('{name}') is outside the subset",
                node,
                "use fixed-size arrays",
            )
        if name not in self.functions:
            raise _error(
                f"call to '{name}', which is not defined in {self.src.path.name}",
                node,
                "kernels may call functions defined in the same file; the kernel IR has "
                "no math or C library yet",
            )
        if any(f.name == name for f in self.fn_stack):
            raise _error(
                f"recursive call to '{name}' is outside the subset",
                node,
                "rewrite the recursion as a loop with an explicit stack array",
            )
        return self._inline(self.functions[name], node)

    def _inline(self, fdef: c_ast.FuncDef, call: c_ast.FuncCall) -> RV | None:
        args = call.args.exprs if call.args is not None else []
        params = syntax.params_of(fdef)
        if len(args) != len(params):
            raise _error(
                f"'{fdef.decl.name}' takes {len(params)} argument(s), got {len(args)}", call
            )
        assigned = syntax.assigned_names(fdef.body)
        bound: dict[str, Sym] = {}
        for p, a in zip(params, args, strict=True):
            t = self.types.resolve(p.type, p)
            bound[p.name] = self._bind_arg(p, t, a, assigned)
        saved_scopes = self.scopes
        fn = self._function_entry(fdef)
        self.scopes = [bound]
        saved_exits = self.exits
        self.exits = []
        try:
            self._body(fdef, fn)
        finally:
            self.scopes = saved_scopes
            self.exits = saved_exits
            self.fn_stack.pop()
        if isinstance(fn.ret_type, CVoid):
            return None
        if fn.tail_value is not None:
            return fn.tail_value
        assert fn.ret_lv is not None
        return self._read(fn.ret_lv)

    def _bind_arg(self, p: c_ast.Decl, t: CType, a, assigned: set[str]) -> Sym:
        if isinstance(t, ScalarType):
            rv = self._rvalue(a)
            v = self._convert(rv, t, a)
            if p.name in assigned:
                var = self._new_var(p.name, t)
                self.kb.write(var, v)
                return VarSym(var, t)
            return ValSym(v, t)
        if isinstance(t, CArray | CPointer):
            if isinstance(a, c_ast.UnaryOp) and a.op == "&":
                target = a.expr
                if isinstance(target, c_ast.ArrayRef):
                    sym, idx = self._array_ref(target)
                    values = [self._index_value(r, target) for r in idx]
                    # &a[i][j]: row a[i] with j added to its first free index
                    prefix = values[:-1]
                    last = values[-1]
                    if sym.offset is not None and not prefix:
                        last = self._add_offset(last, sym.offset)
                    return ArraySym(
                        sym.storage,
                        sym.elem,
                        sym.dims[len(idx) - 1 :],
                        (*sym.prefix, *prefix),
                        last,
                    )
                return PtrSym(self._operand_sym(target))
            if isinstance(a, c_ast.BinaryOp) and a.op in ("+", "-"):
                raise _error(
                    "pointer arithmetic in an argument is outside the subset",
                    a,
                    "pass &a[k] instead of a + k",
                )
            sym = self._operand_sym(a)
            if isinstance(sym, PtrSym):
                return sym
            if isinstance(sym, ArraySym):
                want = len(t.dims) if isinstance(t, CArray) else 1
                if len(sym.dims) != want:
                    raise _error(
                        f"passing an array of {len(sym.dims)} dimension(s) to parameter "
                        f"'{p.name}' of {want}",
                        a,
                        "reshaping arrays through pointers is "
                        "outside the subset; pass a row a[i] or declare matching dimensions",
                    )
                return sym
            if isinstance(sym, StructSym):
                return PtrSym(sym)
            raise _error(f"argument for pointer parameter '{p.name}' is not an array", a)
        if isinstance(t, CStruct):
            src = self._struct_of(a)
            copy = StructSym(t)
            for fname, ft in t.fields or ():
                f = src.fields[fname]
                if not isinstance(ft, ScalarType):
                    raise _error(
                        "passing a struct with array fields by value is outside the subset",
                        a,
                        "pass a pointer to it",
                    )
                var = self._new_var(f"{p.name}.{fname}", ft)
                self.kb.write(var, self._convert(self._sym_rvalue(f, a), ft, a))
                copy.fields[fname] = VarSym(var, ft)
            return copy
        raise _error(f"parameter '{p.name}' of type {t} is outside the subset", p)


@dataclass
class _ElemSym:
    """A struct field element inside an array of structs: `pts[i].x`."""

    lv: LV


def lower(source: CSource, top: str) -> CKernel:
    """Lower `top` from a parsed C file. Parameter directions come from a first pass that
    sees which parameters the kernel reads and writes."""
    first = Lowerer(source, top, None).run()
    directions: dict[str, Direction] = {}
    reads, writes = set(), set()
    for op in walk_ops(first.kernel.body):
        if op.storage is not None and op.storage.kind is StorageKind.PARAM:
            (writes if op.opcode in ("store", "write") else reads).add(op.storage.name)
    for p in first.kernel.params:
        if p.name in writes:
            directions[p.name] = Direction.INOUT if p.name in reads else Direction.OUT
        else:
            directions[p.name] = Direction.IN
    directions["return"] = Direction.OUT
    return Lowerer(source, top, directions).run()
