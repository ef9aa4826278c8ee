"""The body of a kernel module under construction: one namer, and the item lists that the
phases of `kernel_rtl` append to, each list in the order the module prints it.

Phases hand each other what they decided as records; this object only collects what they
emit (declarations, assigns, always-block statements), so that one module's names stay
unique and its text comes out in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiln.backend.expressions import OpLowering
from kiln.backend.names import Namer
from kiln.backend.verilog_ast import (
    Comment,
    Concat,
    Const,
    Decl,
    Expr,
    Item,
    Ref,
    Repeat,
    Slice,
    Stmt,
)

BUG_HINT = "a kiln backend bug: please report it with the kernel"


@dataclass
class ModuleBody:
    """What the phases have emitted so far. `lowering` holds the op wires (declared and
    assigned together); `decls` the other declarations, printed first."""

    namer: Namer
    lowering: OpLowering
    decls: list[Item] = field(default_factory=list)
    logic: list[Item] = field(default_factory=list)  # assigns and always blocks
    regs: list[tuple[str, int, str]] = field(default_factory=list)  # (name, bits, kind)
    ctrl: list[Stmt] = field(default_factory=list)  # controller updates (reset-free part)
    ctrl_reset: list[Stmt] = field(default_factory=list)
    datapath: list[Stmt] = field(default_factory=list)  # datapath registers, every clock

    @classmethod
    def start(cls, reserved: tuple[str, ...]) -> ModuleBody:
        namer = Namer(reserved)
        return cls(namer, OpLowering(namer))

    def reg(self, hint: str, width: int, kind: str, comment: str = "") -> str:
        """A fresh register, counted under `kind` in the report."""
        name = self.namer.fresh(hint)
        self.decls.append(Decl("reg", name, width, comment))
        self.regs.append((name, width, kind))
        return name

    def wire(self, hint: str, width: int, rhs: Expr) -> str:
        """A fresh wire assigned `rhs`."""
        return self.lowering.wire(hint, width, rhs)

    def declared_wire(self, hint: str, width: int) -> str:
        """A fresh wire that a later phase assigns."""
        name = self.namer.fresh(hint)
        self.decls.append(Decl("wire", name, width))
        return name

    def comment(self, text: str) -> None:
        """A comment among the op wires (before the wires of the op it names)."""
        self.lowering.assigns.append(Comment(text))

    def widened(self, name: str, kept: int, full: int, signed: bool) -> str:
        """`name`'s `kept` low bits widened to `full`: the bits above are zeros (no use
        reads them, or the value's range makes them zero) or copies of the top kept bit."""
        if kept == full:
            return name
        high = (
            Repeat(full - kept, Slice(name, kept - 1, kept - 1))
            if signed
            else Const(full - kept, 0)
        )
        return self.wire(f"{name}_x", full, Concat((high, Ref(name))))
