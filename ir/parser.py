"""IR text to kernel IR; the inverse of `printer.py`.

Names resolve as they are read: a value must be defined above its use, in the same block
or an enclosing one. Anything else is an `IRParseError` naming the file, line and column.
Typing rules are left to the verifier, which `parse` runs unless asked not to.
"""

from __future__ import annotations

import json

from kiln.base.errors import IRParseError, IRTypeError, SourceLoc
from kiln.ir.kernel import (
    Block,
    Direction,
    ForLoop,
    IfElse,
    Kernel,
    LoopDirectives,
    Module,
    Op,
    Param,
    Partition,
    Stmt,
    Storage,
    StorageKind,
    Value,
    WhileLoop,
)
from kiln.ir.lexer import Token, tokenize
from kiln.ir.ops import OPS
from kiln.ir.types import ArrayType, FloatType, IntType, Overflow, Rounding, ScalarType, Type, fixed

_LOOP_KEYS = ("pipeline", "unroll", "max_trip")


class _Parser:
    def __init__(self, text: str, filename: str):
        self.filename = filename
        self.toks = tokenize(text, filename)
        self.i = 0
        self.scopes: list[dict[str, Value]] = []
        self.storages: dict[str, Storage] = {}

    # ---- token helpers ----------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def where(self, tok: Token | None = None) -> SourceLoc:
        tok = tok or self.tok
        return SourceLoc(self.filename, tok.line, tok.col)

    def error(self, message: str, tok: Token | None = None, hint: str | None = None):
        return IRParseError(message, self.where(tok), hint)

    def next(self) -> Token:
        tok = self.tok
        self.i += 1
        return tok

    def at(self, text: str) -> bool:
        return self.tok.text == text and self.tok.kind in ("punct", "ident")

    def accept(self, text: str) -> bool:
        if self.at(text):
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> Token:
        if not self.at(text):
            raise self.error(f"expected '{text}', got {self._describe()}")
        return self.next()

    def expect_kind(self, kind: str, what: str) -> Token:
        if self.tok.kind != kind:
            raise self.error(f"expected {what}, got {self._describe()}")
        return self.next()

    def _describe(self) -> str:
        return "end of file" if self.tok.kind == "eof" else f"'{self.tok.text}'"

    def int_(self, what: str = "an integer") -> int:
        tok = self.expect_kind("int", what)
        try:
            return int(tok.text, 0)
        except ValueError:
            raise self.error(
                f"'{tok.text}' is not a valid integer",
                tok,
                "write decimal without leading zeros, or hex as 0x1f",
            ) from None

    # ---- names ------------------------------------------------------------------------

    def define(self, tok: Token, t: ScalarType) -> Value:
        name = tok.text[1:]
        if any(name in s for s in self.scopes):
            raise self.error(f"value %{name} is defined twice", tok, "SSA values get one name each")
        v = Value(name, t)
        self.scopes[-1][name] = v
        return v

    def use(self) -> Value:
        tok = self.expect_kind("value", "a value (%name)")
        for scope in reversed(self.scopes):
            if tok.text[1:] in scope:
                return scope[tok.text[1:]]
        raise self.error(
            f"value {tok.text} is not defined here",
            tok,
            "a value must be defined above its use, in this block or an enclosing one",
        )

    def storage(self) -> Storage:
        tok = self.expect_kind("symbol", "an array or variable (@name)")
        if tok.text[1:] not in self.storages:
            raise self.error(f"no array or variable named {tok.text}", tok)
        return self.storages[tok.text[1:]]

    # ---- types and locations ------------------------------------------------------------

    def scalar_type(self) -> ScalarType:
        tok = self.expect_kind("ident", "a type")
        name = tok.text
        try:
            if name in ("fixed", "ufixed"):
                self.expect("<")
                width = self.int_("the width")
                self.expect(",")
                frac = self.int_("the fractional bits")
                modes: list[str] = []
                while self.accept(","):
                    modes.append(self.expect_kind("ident", "a rounding or overflow mode").text)
                self.expect(">")
                rounding, overflow = Rounding.TRN, Overflow.WRAP
                for m in modes:
                    if m in Rounding._value2member_map_:
                        rounding = Rounding(m)
                    elif m in Overflow._value2member_map_:
                        overflow = Overflow(m)
                    else:
                        raise self.error(
                            f"unknown fixed-point mode '{m}'",
                            tok,
                            "rounding: trn, rnd, rnd_conv; overflow: wrap, sat",
                        )
                return fixed(width, frac, name == "fixed", rounding, overflow)
            if name in ("f32", "f64"):
                return FloatType(int(name[1:]), False)
            if name[0] in "iu" and name[1:].isdigit():
                return IntType(int(name[1:]), name[0] == "i")
        except IRTypeError as e:
            raise self.error(e.message, tok, e.hint) from None
        raise self.error(
            f"unknown type '{name}'",
            tok,
            "types: i8, u8, f32, f64, fixed<16,8>, ufixed<8,4,rnd,sat>",
        )

    def type_(self) -> Type:
        elem = self.scalar_type()
        shape = []
        while self.at("[") and self.toks[self.i + 1].kind == "int":
            self.next()
            shape.append(self.int_("an array dimension"))
            self.expect("]")
        if shape:
            if any(d < 1 for d in shape):
                raise self.error(f"array dimensions must be positive, got {shape}")
            return ArrayType(elem, tuple(shape))
        return elem

    def loc(self) -> SourceLoc | None:
        if not self.accept("loc"):
            return None
        self.expect("(")
        ftok = self.expect_kind("string", "a file name in quotes")
        try:
            file = json.loads(ftok.text)
        except json.JSONDecodeError:
            raise self.error(
                f"bad escape in {ftok.text}", ftok, 'escape as in JSON: \\" \\\\ \\n \\uXXXX'
            ) from None
        line = col = None
        if self.accept(":"):
            line = self.int_("a line number")
            if self.accept(":"):
                col = self.int_("a column number")
        self.expect(")")
        return SourceLoc(file, line, col)

    def directives(self, allowed: tuple[str, ...]) -> dict[str, int | str]:
        out: dict[str, int | str] = {}
        if not self.accept("["):
            return out
        while True:
            key = self.expect_kind("ident", "a directive name")
            if key.text not in allowed:
                raise self.error(
                    f"unknown directive '{key.text}'", key, f"allowed here: {', '.join(allowed)}"
                )
            self.expect("=")
            out[key.text] = self.int_() if self.tok.kind == "int" else self.next().text
            if not self.accept(","):
                break
        self.expect("]")
        return out

    def loop_directives(self) -> dict[str, int]:
        tok = self.tok
        d = self.directives(_LOOP_KEYS)
        for key, v in d.items():
            if not isinstance(v, int):
                raise self.error(f"directive '{key}' needs an integer, got '{v}'", tok)
        return d  # type: ignore[return-value]

    # ---- structure ----------------------------------------------------------------------

    def module(self) -> Module:
        kernels = []
        while self.tok.kind != "eof":
            kernels.append(self.kernel())
        if not kernels:
            raise self.error("no kernel in the file", hint="start with: kernel @name(...) {")
        return Module(kernels)

    def kernel(self) -> Kernel:
        self.expect("kernel")
        name = self.expect_kind("symbol", "the kernel name (@name)").text[1:]
        self.scopes = [{}]
        self.storages = {}
        self.expect("(")
        params = []
        while not self.at(")"):
            params.append(self.param())
            if not self.accept(","):
                break
        self.expect(")")
        loc = self.loc()
        self.expect("{")
        storages = []
        while self.tok.text in ("var", "local", "const", "static") and self.tok.kind == "ident":
            storages.append(self.storage_decl())
        body = self.block_body()
        return Kernel(name, params, storages, body, loc)

    def param(self) -> Param:
        dtok = self.expect_kind("ident", "a direction (in, out, inout)")
        if dtok.text not in ("in", "out", "inout"):
            raise self.error(f"expected in, out or inout, got '{dtok.text}'", dtok)
        direction = Direction(dtok.text)
        ntok = self.next()
        if ntok.kind not in ("value", "symbol"):
            raise self.error(f"expected a parameter name, got '{ntok.text}'", ntok)
        self.expect(":")
        t = self.type_()
        loc = self.loc()
        scalar_in = direction is Direction.IN and isinstance(t, ScalarType)
        if scalar_in != (ntok.kind == "value"):
            want = "%" if scalar_in else "@"
            raise self.error(
                f"parameter {ntok.text} must be written {want}{ntok.text[1:]}",
                ntok,
                "scalar inputs are values (%); arrays and outputs are storage (@)",
            )
        p = Param(ntok.text[1:], t, direction, loc=loc, where=self.where(dtok))
        if scalar_in:
            p.value = self.define(ntok, t)
        else:
            st = Storage(p.name, t, StorageKind.PARAM, direction, loc=loc, where=p.where)
            self._declare(ntok, st)
            p.storage = self.storages[p.name]
        return p

    def _declare(self, tok: Token, s: Storage) -> None:
        if s.name in self.storages:
            raise self.error(f"@{s.name} is declared twice", tok)
        self.storages[s.name] = s

    def storage_decl(self) -> Storage:
        ktok = self.next()
        kind = StorageKind(ktok.text)
        ntok = self.expect_kind("symbol", "a name (@name)")
        self.expect(":")
        t = self.type_()
        d = self.directives(("partition", "factor", "dim"))
        partition = None
        if d:
            if "partition" not in d:
                raise self.error("factor/dim need a partition=... directive", ntok)
            partition = Partition(
                str(d["partition"]), int(d.get("factor", 0)), int(d.get("dim", 0))
            )
        init = None
        if self.accept("="):
            if self.accept("["):
                init = []
                while not self.at("]"):
                    init.append(self.int_("an initial value"))
                    if not self.accept(","):
                        break
                self.expect("]")
            else:
                init = [self.int_("an initial value")]
        s = Storage(
            ntok.text[1:],
            t,
            kind,
            init=init,
            partition=partition,
            loc=self.loc(),
            where=self.where(ktok),
        )
        self._declare(ntok, s)
        return s

    def block_body(self) -> Block:
        """Statements up to and including the closing '}'."""
        stmts: list[Stmt] = []
        while not self.accept("}"):
            if self.tok.kind == "eof":
                raise self.error("missing '}' before end of file")
            stmts.append(self.stmt())
        return Block(stmts)

    def nested(self) -> Block:
        self.expect("{")
        self.scopes.append({})
        try:
            return self.block_body()
        finally:
            self.scopes.pop()

    def stmt(self) -> Stmt:
        if self.tok.kind == "ident" and self.tok.text in ("for", "while", "if"):
            return getattr(self, f"stmt_{self.tok.text}")()
        return self.op()

    def stmt_for(self) -> ForLoop:
        start = self.next()
        vtok = self.expect_kind("value", "the induction variable (%name)")
        self.expect(":")
        vt = self.scalar_type()
        self.expect("=")
        lo = self.bound()
        self.expect("to")
        hi = self.bound()
        self.expect("step")
        step = self.int_("the step")
        d = self.loop_directives()
        loc = self.loc()
        self.expect("{")
        self.scopes.append({})
        var = self.define(vtok, vt)
        try:
            body = self.block_body()
        finally:
            self.scopes.pop()
        return ForLoop(var, lo, hi, step, body, LoopDirectives(**d), loc, self.where(start))

    def bound(self) -> int | Value:
        return self.int_("a bound") if self.tok.kind == "int" else self.use()

    def stmt_while(self) -> WhileLoop:
        start = self.next()
        d = self.loop_directives()
        loc = self.loc()
        self.expect("{")
        self.scopes.append({})  # the condition's values stay visible in the body
        try:
            cond = self.block_body()
            self.expect("cond")
            cond_value = self.use()
            self.expect("do")
            body = self.nested()
        finally:
            self.scopes.pop()
        return WhileLoop(cond, cond_value, body, LoopDirectives(**d), loc, self.where(start))

    def stmt_if(self) -> IfElse:
        start = self.next()
        cond = self.use()
        loc = self.loc()
        then = self.nested()
        orelse = self.nested() if self.accept("else") else None
        return IfElse(cond, then, orelse, loc, self.where(start))

    def op(self) -> Op:
        start = self.tok
        result_tok = None
        if self.tok.kind == "value":
            result_tok = self.next()
            self.expect("=")
        otok = self.expect_kind("ident", "an op name or statement")
        spec = OPS.get(otok.text)
        if spec is None:
            raise self.error(f"unknown op '{otok.text}'", otok, "see kiln.ir.ops.OPS for the list")
        if spec.has_result != (result_tok is not None):
            need = "needs a result (%x = ...)" if spec.has_result else "has no result"
            raise self.error(f"op '{spec.name}' {need}", otok)
        storage, operands, attrs = None, [], {}
        if spec.storage:
            storage = self.storage()
            if spec.indexed:
                self.expect("[")
                while not self.at("]"):
                    operands.append(self.use())
                    if not self.accept(","):
                        break
                self.expect("]")
            if spec.arity:
                self.expect(",")
        if spec.name == "const":
            attrs["value"] = self.int_("the constant's raw value")
        elif not (spec.storage and not spec.arity) and self.tok.kind == "value":
            operands.append(self.use())
            while self.accept(","):
                operands.append(self.use())
        if spec.attrs and spec.name != "const":
            self.expect("{")
            while True:
                key = self.expect_kind("ident", "an attribute name")
                if key.text not in spec.attrs:
                    raise self.error(f"op '{spec.name}' has no attribute '{key.text}'", key)
                self.expect("=")
                attrs[key.text] = self.int_()
                if not self.accept(","):
                    break
            self.expect("}")
        result = None
        if result_tok is not None:
            self.expect(":")
            result = self.define(result_tok, self.scalar_type())
        return Op(spec.name, operands, result, attrs, storage, self.loc(), self.where(start))


def parse(text: str, filename: str = "<ir>", verify: bool = True) -> Module:
    """Parse IR text into a `Module`; verify it unless `verify` is False."""
    module = _Parser(text, filename).module()
    if verify:
        from kiln.ir.verifier import verify_module

        verify_module(module)
    return module


def parse_kernel(text: str, filename: str = "<ir>", verify: bool = True) -> Kernel:
    """Parse IR text holding exactly one kernel."""
    module = parse(text, filename, verify)
    if len(module.kernels) != 1:
        raise IRParseError(f"expected one kernel, found {len(module.kernels)}", SourceLoc(filename))
    return module.kernels[0]
