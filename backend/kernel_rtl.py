"""A scheduled kernel as one Verilog module: a controller, one pipeline per region, memories.

Interface: clk, rst (synchronous, active high), start, done, idle; one input per scalar
`in`/`inout` parameter (sampled when start is seen in idle); one output per scalar
`out`/`inout` parameter (valid from done until the next start); and per bank of each
array parameter a single-port synchronous RAM interface: `<a>_addr`, `<a>_ce`, `<a>_we`,
`<a>_d` out, `<a>_q` in (read data the clock after `ce`, the old word on a write).

Every region, loop body or straight code, is a pipeline of its scheduled stages. Stage s
holds `valid_s`; values made in stage c and used in stage c + k pass through k pipeline
registers, exactly as the schedule counts them. The controller issues iterations into
stage 0 every II clocks (II = the stage count for a loop that is not pipelined) while the
loop runs, and moves to what follows once no iteration is left but in the last stage, so
consecutive regions run back to back. Loops that hold loops get a head state that tests
the bound; branches that hold loops get a state that tests the condition. `cycles()` in
`kiln.backend.latency` gives the clock counts that follow from these rules.

Emission runs in phases that hand each other records (the module body, `ModuleBody`,
only collects what they emit, in print order); `plan_kernel` runs 1 to 8 and returns their
records as a `KernelPlan`:

1. `controller.name_states`: the controller's first names;
2. `crossings.find_crossings`: values that leave their region (constants become wires);
3. `interface_plan.plan_interface`: ports, variable registers, array layouts -> InterfacePlan;
4. `controller.plan_counters`: counters of loops that hold loops -> LoopCounters;
5. `region_datapath.build_datapaths`: each region's pipeline, with its loads and stores
   lowered by `memory_requests` -> Datapaths (pipes, value homes, memory requests);
6. `controller.plan_issue`: each region's run, first, timer, counter and fin -> IssuePlan;
7. `memory_ports.build_memory_ports`: port muxes, RAMs, register files, load data;
8. `controller.plan_state_machine`: the states and their transitions -> StateMachine;
9. `assemble` (here): the module's items, and the KernelRtl.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kiln.backend.controller import (
    IssuePlan,
    LoopCounters,
    StateMachine,
    StateNames,
    name_states,
    plan_counters,
    plan_issue,
    plan_state_machine,
)
from kiln.backend.crossings import find_crossings
from kiln.backend.interface_plan import InterfacePlan, MemPort, plan_interface
from kiln.backend.memories import ArrayLayout, address_width
from kiln.backend.memory_ports import build_memory_ports
from kiln.backend.module_body import ModuleBody
from kiln.backend.region_datapath import Datapaths, build_datapaths
from kiln.backend.verilog_ast import (
    AlwaysFF,
    Assign,
    Binary,
    Const,
    Decl,
    If,
    LintOff,
    Localparam,
    Module,
    NonBlocking,
    Ref,
    Slice,
    Stmt,
    render_module,
)
from kiln.base.errors import BackendError
from kiln.ir.demanded import held_bits
from kiln.ir.kernel import Kernel, StorageKind, walk_ops
from kiln.ir.semantics import bits
from kiln.ir.types import FloatType
from kiln.scheduler.kernel_schedule import KernelSchedule, port_binding
from kiln.scheduler.signals import registered_variables

__all__ = [
    "CONTROL_PORTS",
    "KernelPlan",
    "KernelRtl",
    "MemPort",
    "check_interfaces",
    "emit_kernel_rtl",
    "plan_kernel",
]

CONTROL_PORTS = ("clk", "rst", "start", "done", "idle")


@dataclass
class KernelRtl:
    """The module and what a testbench or report needs to know about it."""

    name: str
    verilog: str
    inputs: dict[str, tuple[str, int]]  # parameter -> (port, width)
    outputs: dict[str, tuple[str, int]]
    memories: dict[str, ArrayLayout]  # array parameter -> layout
    mem_ports: list[MemPort]
    # completely partitioned array parameter -> per element (input port, output port)
    element_ports: dict[str, list[tuple[str | None, str | None]]]
    stages: dict[int, int]  # region -> stages as built (>= the schedule's)
    iis: dict[int, int]  # region -> clocks between iterations
    issue: dict[int, tuple[str, str]]  # region -> (stage-0 valid, first-issue flag) signals
    register_bits: dict[str, int] = field(default_factory=dict)  # by kind
    module: Module | None = None  # the object model `verilog` was printed from


STREAM_MODES = ("axis", "ap_fifo")  # interface modes that ask for ready/valid streams


def check_interfaces(directives) -> None:
    """Refuse interfaces the module cannot have, before anything is built: an array the
    source asks to stream would silently become a RAM port otherwise."""
    for d in directives:
        mode = d.options.get("mode") if d.name == "interface" else None
        if mode in STREAM_MODES:
            raise BackendError(
                f"#pragma HLS interface mode={mode} port={d.options.get('port', '?')}: kiln "
                "builds no ready/valid stream interface yet",
                d.loc,
                "leave the mode out (or write ap_memory): the array becomes a RAM interface "
                "with address, enable, write enable and data ports",
            )


def _check_supported(k: Kernel, ks: KernelSchedule) -> None:
    if ks.options.param_ports != 1:
        raise BackendError(
            f"kernel @{k.name} was scheduled with {ks.options.param_ports} ports per array "
            "parameter bank; the module gives each bank one RAM interface",
            k.loc,
            "schedule with one port per parameter bank (the default)",
        )
    for op in walk_ops(k.body):
        for v in [*op.operands, *([op.result] if op.result is not None else [])]:
            if isinstance(v.type, FloatType):
                raise BackendError(
                    f"kernel @{k.name}: op '{op.opcode}' works on {v.type}; floating-point "
                    "hardware is not generated yet",
                    op.place,
                    "use integers or fixed point (ap_fixed / fixed<W,F>) for RTL",
                )
    for st in k.storages:
        if st.kind is StorageKind.LOCAL and st.init:
            raise BackendError(
                f"local array @{st.name} has initial contents, which a RAM cannot reload on "
                "every call",
                st.place,
                "declare it const (a ROM) or static, or fill it with a loop",
            )


@dataclass(frozen=True)
class KernelPlan:
    """Every phase's record for one kernel, and the body they emitted, ready to assemble."""

    name: str  # the module's
    body: ModuleBody
    states: StateNames
    interface: InterfacePlan
    counters: LoopCounters
    datapaths: Datapaths
    issue: IssuePlan
    fsm: StateMachine


def emit_kernel_rtl(k: Kernel, ks: KernelSchedule) -> KernelRtl:
    """Verilog for kernel `k` under its schedule `ks` (see the module docstring)."""
    return assemble(k, ks, plan_kernel(k, ks))


def plan_kernel(k: Kernel, ks: KernelSchedule) -> KernelPlan:
    """Phases 1 to 8 (see the module docstring), in the order the names are taken."""
    _check_supported(k, ks)
    body = ModuleBody.start(CONTROL_PORTS)
    name = body.namer.fresh(k.name)
    states = name_states(body.namer, len(ks.regions))
    held = held_bits(k)  # the bits registers hold, as the scheduler counted them
    crossings = find_crossings(ks, body)
    iface = plan_interface(k, held, registered_variables(ks.regions), body)
    counters = plan_counters(ks, body)
    ports = port_binding(ks.regions)  # (region, access) -> {port class: port}
    data = build_datapaths(ks, held, crossings, iface, counters.loop_vars, ports, body)
    issue = plan_issue(ks, data.pipes, counters, data.homes, states, body)
    build_memory_ports(ks, iface, data.memory, states.idle_wire, body)
    fsm = plan_state_machine(ks, issue, counters, data.homes, states, body)
    return KernelPlan(name, body, states, iface, counters, data, issue, fsm)


def assemble(k: Kernel, ks: KernelSchedule, plan: KernelPlan) -> KernelRtl:
    """The module: state encoding, declarations, op wires, logic, the controller's always
    block, the variables' and the datapath's registers; and what is known about it. It
    adds the last items to the plan's body: assemble a plan once."""
    body, states, fsm = plan.body, plan.states, plan.fsm
    iface, data = plan.interface, plan.datapaths
    sw = address_width(len(fsm.states))
    body.decls.insert(0, Decl("reg", states.register, sw, "controller state"))
    body.regs.append((states.register, sw, "control"))
    encoding = [Localparam(s, sw, n) for n, s in enumerate(fsm.states)]
    in_state = lambda s: Binary("==", Ref(states.register), Ref(s))  # noqa: E731
    idle = states.idle_wire
    body.decls.append(Decl("wire", idle, 1))
    body.logic.append(Assign(idle, in_state(states.idle)))
    begin = body.wire("begin_call", 1, Binary("&", Ref(idle), Ref("start")))
    transitions = [If(in_state(s), fsm.exits[s]) for s in fsm.states if s in fsm.exits]
    reset = [NonBlocking(states.register, Ref(states.idle)), *body.ctrl_reset]
    control = AlwaysFF("clk", (If(Ref("rst"), tuple(reset), (*body.ctrl, *transitions)),))
    storage = iface.storage
    variables: list = []
    for sid, (reg, kept, full) in storage.var_store.items():
        stmts: list[Stmt] = []
        if sid in storage.var_init:
            stmts.append(If(Ref(begin), (NonBlocking(reg, storage.var_init[sid]),)))
        else:  # a static: its initial value once, at reset
            st = next(s for s in k.storages if id(s) == sid)
            init = bits((st.init or [0])[0], st.elem) & ((1 << kept) - 1)
            stmts.append(If(Ref("rst"), (NonBlocking(reg, Const(kept, init)),)))
        for en, val in data.var_updates.get(sid, []):
            val = Slice(val.name, kept - 1, 0) if kept < full else val
            stmts.append(If(en, (NonBlocking(reg, val),)))
        variables.append(AlwaysFF("clk", tuple(stmts)))
    if iface.samples:
        variables.append(AlwaysFF("clk", (If(Ref(begin), iface.samples),)))
    lw = body.lowering
    m = Module(plan.name, list(iface.ports))
    m.items = [
        *encoding,
        LintOff("UNUSEDSIGNAL", _UNUSED, tuple(body.decls + lw.decls)),
        *lw.assigns,
        *body.logic,
        Assign("done", in_state(states.done)),
        Assign("idle", Ref(idle)),
        control,
        *variables,
    ]
    if body.datapath:
        m.items.append(AlwaysFF("clk", tuple(body.datapath)))
    counts: dict[str, int] = defaultdict(int)
    for _, w, kind in body.regs:
        counts[kind] += w
    m.header = [
        f"Generated by kiln from kernel @{k.name}: {len(ks.regions)} region(s), "
        f"clock period {ks.clock_period_ps:g} ps.",
    ]
    return KernelRtl(
        m.name,
        render_module(m),
        dict(iface.inputs),
        dict(iface.outputs),
        dict(iface.memories),
        list(iface.mem_ports),
        dict(iface.element_ports),
        {n: pipe.stages for n, pipe in enumerate(data.pipes)},
        {n: pipe.ii for n, pipe in enumerate(data.pipes)},
        dict(plan.issue.issue),
        dict(counts),
        m,
    )


_UNUSED = (
    "datapath values may be used in part (slices, bits that rounding drops), and index "
    "arithmetic is 32 bits wide"
)
