"""Kernel IR to text. The parser reads exactly this form back (see `parser.py`)."""

from __future__ import annotations

import json

from kiln.base.errors import SourceLoc
from kiln.ir.kernel import (
    Block,
    ForLoop,
    IfElse,
    Kernel,
    LoopDirectives,
    Module,
    Op,
    Param,
    Partition,
    Storage,
    Value,
)

INDENT = "  "


def print_loc(loc: SourceLoc | None) -> str:
    if loc is None:
        return ""
    text = json.dumps(loc.file)
    if loc.line is not None:
        text += f":{loc.line}"
        if loc.col is not None:
            text += f":{loc.col}"
    return f" loc({text})"


def _val(v: Value) -> str:
    return f"%{v.name}"


def _bound(b: int | Value) -> str:
    return _val(b) if isinstance(b, Value) else str(b)


def _directives(d: LoopDirectives) -> str:
    items = []
    if d.pipeline:
        items.append(f"pipeline={d.pipeline}")
    if d.unroll != 1:
        items.append(f"unroll={d.unroll}")
    if d.max_trip:
        items.append(f"max_trip={d.max_trip}")
    return f" [{', '.join(items)}]" if items else ""


def _partition(p: Partition | None) -> str:
    if p is None:
        return ""
    items = [f"partition={p.kind}"]
    if p.factor:
        items.append(f"factor={p.factor}")
    if p.dim:
        items.append(f"dim={p.dim}")
    return f" [{', '.join(items)}]"


def print_param(p: Param) -> str:
    sigil = "%" if p.value is not None else "@"
    return f"{p.direction.value} {sigil}{p.name}: {p.type}{print_loc(p.loc)}"


def print_storage(s: Storage) -> str:
    text = f"{s.kind.value} @{s.name}: {s.type}{_partition(s.partition)}"
    if s.init is not None:
        init = f"[{', '.join(map(str, s.init))}]" if s.is_array else str(s.init[0])
        text += f" = {init}"
    return text + print_loc(s.loc)


def print_op(op: Op) -> str:
    args = [_val(v) for v in op.operands]
    if op.storage is not None:
        target = f"@{op.storage.name}"
        if op.opcode in ("load", "store"):
            rank = len(op.storage.type.shape) if op.storage.is_array else 0
            target += f"[{', '.join(args[:rank])}]"
            args = args[rank:]
        args = [target, *args]
    text = f"{op.opcode} {', '.join(args)}" if args else op.opcode
    if op.opcode == "const":
        text += f" {op.attrs['value']}"
    elif op.attrs:
        text += " {" + ", ".join(f"{k}={v}" for k, v in op.attrs.items()) + "}"
    if op.result is not None:
        text = f"%{op.result.name} = {text} : {op.result.type}"
    return text + print_loc(op.loc)


def _block(block: Block, depth: int, out: list[str]) -> None:
    pad = INDENT * depth
    for s in block.stmts:
        if isinstance(s, Op):
            out.append(pad + print_op(s))
        elif isinstance(s, ForLoop):
            out.append(
                f"{pad}for %{s.var.name}: {s.var.type} = {_bound(s.lo)} to {_bound(s.hi)}"
                f" step {s.step}{_directives(s.directives)}{print_loc(s.loc)} {{"
            )
            _block(s.body, depth + 1, out)
            out.append(pad + "}")
        elif isinstance(s, IfElse):
            out.append(f"{pad}if %{s.cond.name}{print_loc(s.loc)} {{")
            _block(s.then, depth + 1, out)
            if s.orelse is not None:
                out.append(pad + "} else {")
                _block(s.orelse, depth + 1, out)
            out.append(pad + "}")
        else:
            out.append(f"{pad}while{_directives(s.directives)}{print_loc(s.loc)} {{")
            _block(s.cond, depth + 1, out)
            out.append(f"{pad}}} cond %{s.cond_value.name} do {{")
            _block(s.body, depth + 1, out)
            out.append(pad + "}")


def print_kernel(k: Kernel) -> str:
    params = ", ".join(print_param(p) for p in k.params)
    out = [f"kernel @{k.name}({params}){print_loc(k.loc)} {{"]
    out.extend(INDENT + print_storage(s) for s in k.storages)
    _block(k.body, 1, out)
    out.append("}")
    return "\n".join(out) + "\n"


def print_module(m: Module) -> str:
    return "\n".join(print_kernel(k) for k in m.kernels)


def print_ir(x: Kernel | Module) -> str:
    return print_kernel(x) if isinstance(x, Kernel) else print_module(x)


__all__ = ["print_ir", "print_kernel", "print_module", "print_op", "print_loc"]
