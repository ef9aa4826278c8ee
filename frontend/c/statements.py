"""Lowering of C statements: declarations, if, loops (counted ones to IR for loops), switch,
and the flags that carry break, continue and return."""

from __future__ import annotations

from contextlib import contextmanager

from pycparser import c_ast

from kiln.base.errors import CFrontendError
from kiln.frontend.c import syntax
from kiln.frontend.c.c_types import (
    CArray,
    CPointer,
    CStruct,
    CType,
    CVoid,
    common_type,
    promote,
)
from kiln.frontend.c.consteval import const_eval
from kiln.frontend.c.parse import loc_of
from kiln.frontend.c.pragmas import Directive, parse_pragma
from kiln.frontend.c.symbols import (
    LV,
    RV,
    ArraySym,
    ConstSym,
    Exit,
    StructSym,
    Sym,
    ValSym,
    VarSym,
    error,
)
from kiln.ir.kernel import (
    Block,
    ForLoop,
    LoopDirectives,
    Storage,
    StorageKind,
    Value,
    WhileLoop,
)
from kiln.ir.semantics import wrap
from kiln.ir.types import BOOL, ArrayType, IntType, ScalarType, u


class Statements:
    """The statement half of `Lowerer` (a mixin; state lives in `Lowerer`)."""

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
                raise error("break outside a loop or switch", s)
            self.kb.write(self.exits[-1].brk, self.kb.const(1, BOOL))
        elif isinstance(s, c_ast.Continue):
            loop = next((e for e in reversed(self.exits) if e.kind == "loop"), None)
            if loop is None:
                raise error("continue outside a loop", s)
            self.kb.write(loop.cont, self.kb.const(1, BOOL))
        elif isinstance(s, c_ast.Return):
            self._return(s)
        elif isinstance(s, c_ast.Goto | c_ast.Label):
            raise error(
                "goto and labels are outside the subset",
                s,
                "use loops with break/continue, or flags",
            )
        elif isinstance(s, c_ast.EmptyStatement):
            pass
        elif isinstance(s, c_ast.Typedef):
            self.types.add_typedef(s)
        elif isinstance(s, c_ast.Case | c_ast.Default):
            raise error("case label outside a switch", s)
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
                raise error(f"function '{fn.name}' is void but returns a value", s)
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
            raise error("extern declarations inside a kernel are outside the subset", d)
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
                raise error(f"array '{d.name}' has no size", d)
            if not isinstance(t.elem, ScalarType):
                raise error(
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
            raise error(
                f"local pointer '{d.name}' is outside the subset",
                d,
                "index the array directly; pointers are allowed only as parameters",
            )
        else:
            raise error(f"cannot declare '{d.name}' of type {t}", d)

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
            raise error(f"static '{d.name}' of type {t} is outside the subset", d)
        self.statics[key] = sym
        return sym

    def _local_struct(self, d: c_ast.Decl, t: CStruct) -> StructSym:
        if t.fields is None:
            raise error(f"struct {t.name} is used but never defined", d)
        sym = StructSym(t)
        for fname, ft in t.fields:
            if isinstance(ft, ScalarType):
                sym.fields[fname] = VarSym(self._new_var(f"{d.name}.{fname}", ft), ft)
            elif isinstance(ft, CArray) and isinstance(ft.elem, ScalarType):
                st = self._new_array(f"{d.name}.{fname}", ft.elem, ft.dims, StorageKind.LOCAL)
                sym.fields[fname] = ArraySym(st, ft.elem, ft.dims)
            else:
                raise error(f"field '{fname}' of struct {t.name} is outside the subset", d)
        if isinstance(d.init, c_ast.InitList) and any(
            isinstance(e, c_ast.NamedInitializer) for e in d.init.exprs
        ):
            raise error(
                "designated initializers are outside the subset",
                d,
                "list the field values in order",
            )
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
                raise error(
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

    def _loop_body(self, body, exit_: Exit) -> None:
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
        lo_c = self._constant_of(canon.lo)
        lo_rv = None if lo_c is not None else self._rvalue(canon.lo)  # C evaluates it first
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
            lo = self._convert(lo_rv or self._rvalue(canon.lo), var_t, s)
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
        exit_ = Exit(
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
            self._loop_body(body, Exit("loop", brk, cont))
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
            raise error("switch on a non-integer", s.cond)
        sel_v = self._convert(sel, st, s)
        if not isinstance(s.stmt, c_ast.Compound):
            raise error("switch body must be a { ... } block", s)
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
            raise error("statements before the first case label never run", pending[0])
        values = []
        for labels, _ in groups:
            for lab in labels:
                if isinstance(lab, c_ast.Case):
                    c = self._constant_of(lab.expr)
                    if c is None:
                        raise error("case label is not an integer constant", lab.expr)
                    v = wrap(c[0], st)
                    if v in values:
                        raise error(f"duplicate case value {c[0]}", lab)
                    values.append(v)
        self.kb.current_loc = loc_of(s)
        brk = self._flag("switch.break")
        active = self._new_var("switch.active", BOOL)
        self.kb.write(active, self.kb.const(0, BOOL))
        any_case = None
        for v in values:
            e = self.kb.cmp("eq", sel_v, self.kb.const(v, st))
            any_case = e if any_case is None else self.kb.or_(any_case, e)
        self.exits.append(Exit("switch", brk))
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
