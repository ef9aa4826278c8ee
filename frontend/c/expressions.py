"""Lowering of C expressions with C's promotions and conversions, lvalues, array views,
flattened structs, and calls (inlined)."""

from __future__ import annotations

from pycparser import c_ast

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
from kiln.frontend.c.consteval import char_value, int_literal
from kiln.frontend.c.parse import loc_of
from kiln.frontend.c.symbols import (
    LV,
    RV,
    ArraySym,
    ConstSym,
    ElemSym,
    PtrSym,
    StructSym,
    Sym,
    ValSym,
    VarSym,
    error,
)
from kiln.ir.kernel import (
    Direction,
    StorageKind,
    Value,
)
from kiln.ir.semantics import wrap
from kiln.ir.types import BOOL, FloatType, IntType, ScalarType

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


class Expressions:
    """The expression half of `Lowerer` (a mixin; state lives in `Lowerer`)."""

    # ---- expressions -----------------------------------------------------------------

    def _rvalue(self, node) -> RV:
        rv = self._expr(node, want_value=True)
        if rv is None:
            raise error("expression has no value (void)", node)
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
            raise error(f"{type(node).__name__} expressions are outside the subset", node)
        return m(node, want_value)

    def _e_Constant(self, node, want_value):
        if node.type == "long double":
            raise error(
                f"long double literal {node.value} is outside the subset", node, "use double"
            )
        if node.type == "char" or node.value.startswith("'"):
            return self._int_const(char_value(node.value, node), INT)
        if node.type in ("float", "double"):
            t = syntax.float_literal_type(node.value)
            raw = syntax.python_to_float_raw(syntax.float_literal(node.value), t)
            return RV(self.kb.const(raw, t), t)
        if node.type == "string":
            raise error(
                "string literals are outside the kernel subset",
                node,
                "use a const char array initialized with { ... }",
            )
        value, t = int_literal(node.value, node)
        return self._int_const(value, t)

    def _e_ID(self, node, want_value):
        sym = self.lookup(node.name, node)
        if id(sym) in self.pointers:
            raise error(
                f"pointer '{node.name}' used as a value", node, f"dereference it: *{node.name}"
            )
        return self._sym_rvalue(sym, node)

    def _sym_rvalue(self, sym: Sym, node) -> RV:
        if isinstance(sym, ElemSym):
            return self._read(sym.lv)
        if isinstance(sym, ValSym):
            return RV(sym.value, sym.ctype)
        if isinstance(sym, VarSym):
            return RV(self.kb.read(sym.storage), sym.ctype)
        if isinstance(sym, ConstSym):
            return RV(self.kb.const(sym.value, sym.ctype), sym.ctype)
        if isinstance(sym, PtrSym):
            raise error("a pointer used as a value", node, "dereference it (*p) or index it (p[i])")
        raise error(
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
            raise error(
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
            raise error(
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
                raise error("~ needs an integer", node)
            return RV(self.kb.not_(v), t)
        raise error(f"operator {op} is outside the subset", node)

    def _read_back(self, lv: LV, new: RV) -> RV:
        return RV(self._convert(new, lv.ctype, None), lv.ctype)

    def _sizeof(self, node) -> RV:
        e = node.expr
        t = self.types.resolve(e.type, e) if isinstance(e, c_ast.Typename) else self._type_of(e)
        n = sizeof(t)
        if n is None:
            raise error(f"sizeof of an incomplete type {t}", node)
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
                if isinstance(sym, StructSym):
                    return sym.ctype  # an element of an array of structs
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
            raise error(f"operator {op} is outside the subset", node)
        if op in ("<<", ">>"):
            t = promote(a.ctype)
            tn = promote(b.ctype)
            if not isinstance(t, IntType) or not isinstance(tn, IntType):
                raise error(f"{op} needs integer operands", node)
            va = self._convert(a, t, node)
            vn = self._convert(b, tn, node)
            if tn.signed:
                vn = self.kb.cast(vn, IntType(tn.width, False))
            return RV(self.kb.op(_ARITH[op], [va, vn], t), t)
        t = common_type(a.ctype, b.ctype)
        if isinstance(t, FloatType) and op in ("%", "&", "|", "^"):
            raise error(f"operator {op} needs integers, got {elem_name(t)}", node)
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
        if isinstance(node.rvalue, c_ast.Constant) and node.rvalue.type == "string":
            self._e_Constant(node.rvalue, True)  # the string literal is the problem
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
            raise error(
                f"assignment to read-only '{lv.storage.name}'",
                node,
                "it is declared const (or is an input)",
            )
        if lv.indices is None:
            self.kb.write(lv.storage, v)
        else:
            self.kb.store(lv.storage, list(lv.indices), v)

    def _sym_lvalue(self, sym: Sym, node) -> LV:
        if isinstance(sym, ElemSym):
            return sym.lv
        if isinstance(sym, VarSym):
            return LV(sym.storage, sym.ctype)
        if isinstance(sym, PtrSym):
            return self._sym_lvalue(sym.target, node)
        if isinstance(sym, ValSym):
            raise error(
                "cannot assign here: it is a loop counter or an input",
                node,
                "counted-loop counters may not change inside the loop body",
            )
        if isinstance(sym, ConstSym):
            raise error("assignment to a constant", node)
        raise error("this is not a scalar that can be assigned", node)

    def _lvalue(self, node) -> LV:
        if isinstance(node, c_ast.ID):
            sym = self.lookup(node.name, node)
            if isinstance(sym, ArraySym | PtrSym | StructSym) or id(sym) in self.pointers:
                raise error(
                    f"changing the pointer or array '{node.name}' itself (pointer "
                    "arithmetic or reassignment) is outside the subset",
                    node,
                    f"change what it points to: {node.name}[i] = ... or *{node.name} = ...",
                )
            return self._sym_lvalue(sym, node)
        if isinstance(node, c_ast.ArrayRef):
            sym, idx = self._array_ref(node)
            return self._element(sym, idx, node)
        if isinstance(node, c_ast.UnaryOp) and node.op == "*":
            inner = node.expr
            if isinstance(inner, c_ast.BinaryOp) and inner.op in ("+", "-"):
                raise error(
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
        raise error(f"{type(node).__name__} cannot be assigned to", node)

    def _operand_sym(self, node) -> Sym:
        if isinstance(node, c_ast.Constant) and node.type == "string":
            raise error(
                "string literals are outside the kernel subset",
                node,
                "use a const char array initialized with { ... }",
            )
        if isinstance(node, c_ast.ID):
            return self.lookup(node.name, node)
        if isinstance(node, c_ast.StructRef):
            return self._field(node)
        if isinstance(node, c_ast.ArrayRef):
            sym, idx = self._array_ref(node)
            return self._view(sym, idx, node)
        raise error(
            "pointer arithmetic or an unsupported pointer expression",
            node,
            "index arrays directly: a[i]",
        )

    def _array_ref(self, node) -> tuple[ArraySym, list[RV]]:
        base, idx_nodes = syntax.array_chain(node)
        if isinstance(base, c_ast.Cast):
            raise error(
                "pointer cast is outside the subset",
                base,
                "kernels use typed arrays; index the array itself",
            )
        if isinstance(base, c_ast.UnaryOp | c_ast.BinaryOp):
            raise error(
                "pointer arithmetic is outside the subset", base, "index the array itself: a[i + k]"
            )
        sym = self._operand_sym(base)
        if isinstance(sym, PtrSym):
            sym = sym.target
        if not isinstance(sym, ArraySym):
            name = base.name if isinstance(base, c_ast.ID) else "p"
            raise error(
                f"'{name}' is indexed but is not an array of known size",
                node,
                f"declare it as an array ({name}[N]) or, for a pointer parameter, add "
                f"#pragma HLS interface port={name} depth=N",
            )
        idx = [self._rvalue(i) for i in idx_nodes]
        return sym, idx

    def _index_value(self, rv: RV, node) -> Value:
        t = promote(rv.ctype)
        if not isinstance(t, IntType):
            raise error("array index is not an integer", node)
        return self._convert(rv, t, node)

    def _element(self, sym: ArraySym, idx: list[RV], node) -> LV:
        if len(idx) != len(sym.dims):
            raise error(
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
            raise error("too many indices", node)
        if len(idx) == len(sym.dims):
            raise error("an array element used where an array is needed", node)
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
            raise error(f"struct {base.ctype.name} has no field '{name}'", node.field)
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
            raise error("indexing something that is not an array of structs", node)
        elif isinstance(node, c_ast.UnaryOp) and node.op == "*":
            sym = self._operand_sym(node.expr)
        else:
            raise error("not a struct", node)
        if isinstance(sym, PtrSym):
            sym = sym.target
        if not isinstance(sym, StructSym):
            raise error("'.' or '->' on something that is not a struct", node)
        return sym

    def _struct_element(self, sym: StructSym, idx: list[RV], node) -> StructSym:
        """`pts[i]` of a flattened array of structs: each field array indexed by i."""
        out = StructSym(sym.ctype)
        for fname, f in sym.fields.items():
            if not isinstance(f, ArraySym):
                raise error("indexing a struct that is not in an array", node)
            v = self._view(f, idx, node) if len(idx) < len(f.dims) else None
            if v is None:
                lv = self._element(f, idx, node)
                out.fields[fname] = ElemSym(lv)
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
            raise error("call through a function pointer is outside the subset", node)
        name = node.name.name
        if name in _IO_CALLS:
            raise error(
                f"I/O call '{name}' in the kernel",
                node,
                "keep printing in the testbench (main); kernels compute only",
            )
        if name in _ALLOC_CALLS:
            raise error(
                f"dynamic allocation ('{name}') is outside the subset",
                node,
                "use fixed-size arrays",
            )
        if name not in self.functions:
            raise error(
                f"call to '{name}', which is not defined in {self.src.path.name}",
                node,
                "kernels may call functions defined in the same file; the kernel IR has "
                "no math or C library yet",
            )
        if any(f.name == name for f in self.fn_stack):
            raise error(
                f"recursive call to '{name}' is outside the subset",
                node,
                "rewrite the recursion as a loop with an explicit stack array",
            )
        return self._inline(self.functions[name], node)

    def _inline(self, fdef: c_ast.FuncDef, call: c_ast.FuncCall) -> RV | None:
        args = call.args.exprs if call.args is not None else []
        params = syntax.params_of(fdef)
        if len(args) != len(params):
            raise error(
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
                if isinstance(target, c_ast.ArrayRef) and isinstance(
                    self._operand_sym(syntax.array_chain(target)[0]), StructSym
                ):
                    return PtrSym(self._struct_of(target))  # &pts[i]: one struct
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
                raise error(
                    "pointer arithmetic in an argument is outside the subset",
                    a,
                    "pass &a[k] instead of a + k",
                )
            sym = self._operand_sym(a)
            if isinstance(sym, PtrSym):
                return sym
            if isinstance(sym, ArraySym):
                if isinstance(t, CArray):
                    want = len(t.dims)
                else:  # T *p, or T (*p)[M] for rows
                    want = 1 + (len(t.target.dims) if isinstance(t.target, CArray) else 0)
                if len(sym.dims) != want:
                    raise error(
                        f"passing an array of {len(sym.dims)} dimension(s) to parameter "
                        f"'{p.name}' of {want}",
                        a,
                        "reshaping arrays through pointers is "
                        "outside the subset; pass a row a[i] or declare matching dimensions",
                    )
                return sym
            if isinstance(sym, StructSym):
                return PtrSym(sym)
            raise error(f"argument for pointer parameter '{p.name}' is not an array", a)
        if isinstance(t, CStruct):
            src = self._struct_of(a)
            copy = StructSym(t)
            for fname, ft in t.fields or ():
                f = src.fields[fname]
                if not isinstance(ft, ScalarType):
                    raise error(
                        "passing a struct with array fields by value is outside the subset",
                        a,
                        "pass a pointer to it",
                    )
                var = self._new_var(f"{p.name}.{fname}", ft)
                self.kb.write(var, self._convert(self._sym_rvalue(f, a), ft, a))
                copy.fields[fname] = VarSym(var, ft)
            return copy
        raise error(f"parameter '{p.name}' of type {t} is outside the subset", p)
