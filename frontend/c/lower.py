"""C (a pycparser AST) to kernel IR: the top function with its callees inlined.

Scalars that C assigns live in `var` storages (read/write ops); scalars never assigned are
SSA values. Arrays are storages, and views of them (a row, `&a[k]`) are passed to callees
as prefix indices and offsets. break, continue and return become flags that guard the
statements after them; a loop that can stop early becomes a while loop. Counted loops in the
usual `for (i = lo; i < hi; i++)` shape become IR for loops that schedulers can reason
about.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pycparser import c_ast

from kiln.base.errors import CFrontendError, SourceLoc
from kiln.frontend.c import syntax
from kiln.frontend.c.c_types import (
    INT,
    CArray,
    CPointer,
    CStruct,
    CType,
    CVoid,
    elem_name,
)
from kiln.frontend.c.consteval import const_eval
from kiln.frontend.c.expressions import Expressions
from kiln.frontend.c.parse import CSource, loc_of
from kiln.frontend.c.pragmas import Directive, parse_pragma
from kiln.frontend.c.statements import Statements
from kiln.frontend.c.symbols import (
    LV,
    RV,
    ArraySym,
    ConstSym,
    Exit,
    Function,
    StructSym,
    Sym,
    ValSym,
    VarSym,
    error,
)
from kiln.frontend.c.types_from_ast import TypeResolver
from kiln.ir.builder import KernelBuilder
from kiln.ir.kernel import (
    Direction,
    Kernel,
    Partition,
    Storage,
    StorageKind,
    walk_ops,
)
from kiln.ir.semantics import wrap
from kiln.ir.types import BOOL, ArrayType, FloatType, IntType, ScalarType


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


class Lowerer(Statements, Expressions):
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
        self.fn_stack: list[Function] = []
        self.exits: list[Exit] = []
        self.partitions: dict[str, list[Directive]] = {}
        self.directives: list[Directive] = []
        self.interface_depth: dict[str, int] = {}
        self.pointers: set[int] = set()  # ids of symbols standing for pointer parameters

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

    def _function_entry(self, fdef: c_ast.FuncDef) -> Function:
        ftype = fdef.decl.type
        ret = self.types.resolve(ftype.type, fdef)
        fn = Function(fdef.decl.name, ret)
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

    def _body(self, fdef: c_ast.FuncDef, fn: Function) -> None:
        items = fdef.body.block_items or []
        returns = syntax.count(fdef.body, c_ast.Return)
        tail_only = returns == 1 and items and isinstance(items[-1], c_ast.Return)
        if not isinstance(fn.ret_type, CVoid) and not isinstance(fn.ret_type, ScalarType):
            raise error(
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

    def _bind_top_params(self, fdef: c_ast.FuncDef, fn: Function) -> None:
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
            inner = t.target
            if isinstance(inner, CArray):  # T (*p)[M]: rows of M
                t = CArray(inner.elem, (self.interface_depth[name], *inner.dims))
            else:
                t = CArray(inner, (self.interface_depth[name],))
        if isinstance(t, CPointer) and isinstance(t.target, CArray):
            raise error(
                f"parameter '{name}' points to rows ({t}) but their number is unknown",
                p,
                f"declare it {elem_name(t.target.elem)} {name}[ROWS]"
                + "".join(f"[{d}]" for d in t.target.dims)
                + f", or add #pragma HLS interface port={name} depth=ROWS",
            )
        if isinstance(t, CArray):
            if 0 in t.dims:
                raise error(
                    f"parameter '{name}' is an array of unknown size ({t})",
                    p,
                    f"give every dimension a size, e.g. {elem_name(t.elem)} {name}[64]",
                )
            return self._port_array(name, name, t, p)
        if isinstance(t, CPointer):
            target = t.target
            if isinstance(target, ScalarType):
                sym = self._port_scalar(name, f"(*{name})", target, p)
                self.pointers.add(id(sym))
                return sym
            if isinstance(target, CStruct):
                return self._port_struct(name, f"(*{name})", target, p, ())
            raise error(f"parameter '{name}' has type {t}, which kiln cannot map", p)
        if isinstance(t, CStruct):
            return self._port_struct(name, name, t, p, ())
        raise error(f"parameter '{name}' has type {t}, which kiln cannot map", p)

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
            raise error(f"array '{name}' holds {elem}, which kiln cannot map", node)
        direction = self._direction(name)
        port = Port(name, access, elem, t.dims, member, after, direction)
        self.ports.append(port)
        st = self._param_storage(name, ArrayType(elem, port.shape), direction, node)
        self._apply_partition(name, st, node)
        return ArraySym(st, elem, port.shape)

    def _port_struct(self, name, access, t: CStruct, node, dims: tuple[int, ...]) -> StructSym:
        if t.fields is None:
            raise error(f"struct {t.name} is used but never defined", node)
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
                raise error(
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
            raise error(
                f"function '{name}' used as a value (function pointer)",
                node,
                "kernels call functions directly; function pointers are outside the subset",
            )
        raise error(f"'{name}' is not declared", node)

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
            raise error(f"global '{g.name}' has type {t}, which kiln cannot map", g)
        finally:
            self.kb.current_loc = saved

    # ---- initializers ----------------------------------------------------------------

    def _init_constant(self, node, t: ScalarType, where) -> int:
        """The raw value of a constant initializer converted to `t`."""
        if isinstance(node, c_ast.InitList):
            if len(node.exprs) != 1:
                raise error("scalar initializer has several values", node)
            node = node.exprs[0]
        v = self._constant_scalar(node)
        if v is None:
            raise error(
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
        if isinstance(node, c_ast.Constant) and node.type == "long double":
            raise error(f"long double literal {node.value} is outside the subset", node)
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
        return wrap(int(value), t)  # a float truncates toward zero, as C converts

    def _complete_dims(self, t: CArray, init, node) -> CArray:
        if t.dims and t.dims[0] == 0:
            if isinstance(init, c_ast.InitList):
                n = len(init.exprs)
            elif isinstance(init, c_ast.Constant) and init.type == "string":
                n = len(syntax.string_bytes(init.value)) + 1
            else:
                raise error("cannot size this array from its initializer", node)
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
                    raise error("too many values in initializer", init)
                init = init.exprs[0]
            out[base] = self._init_constant(init, elem, node) if constant else init
            return
        if isinstance(init, c_ast.Constant) and init.type == "string" and len(dims) == 1:
            data = syntax.string_bytes(init.value)
            for k, b in enumerate(data[: dims[0]]):
                out[base + k] = wrap(b, elem) if constant else c_ast.Constant("int", str(b))
            return
        if not isinstance(init, c_ast.InitList):
            raise error("array initializer needs braces { ... }", init)
        stride = 1
        for d in dims[1:]:
            stride *= d
        k = 0
        exprs = list(init.exprs)
        j = 0
        while j < len(exprs):
            e = exprs[j]
            if isinstance(e, c_ast.NamedInitializer):
                raise error(  # pycparser gives designators no position; use the list's
                    "designated initializers are outside the subset",
                    e if e.coord else (init if init.coord else node),
                    "list the values in order",
                )
            if k >= dims[0]:
                raise error(f"too many values in initializer (array has {dims[0]})", e)
            if isinstance(e, c_ast.InitList) or len(dims) == 1:
                self._fill(e, elem, dims[1:], base + k * stride, out, node, constant)
                j += 1
            else:  # brace elision: a flat list fills the sub-array element by element
                n = stride
                sub = c_ast.InitList(exprs[j : j + n], e.coord)
                self._fill(sub, elem, dims[1:], base + k * stride, out, node, constant)
                j += n
            k += 1


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
