"""The `kiln` command line: parsing only; every command calls the package's API."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from kiln.base.errors import KilnError
from kiln.sources import pick_kernel as _pick_kernel
from kiln.sources import read_ir as _read_ir

_EPILOG = "Run `kiln COMMAND --help` for a command's options."


def _parse_assignment(text: str, kernel) -> tuple[str, int | list[int]]:
    """NAME=VALUE with VALUE a real for fixed-point types (quantized), an integer for
    integer types, or a comma-separated list for arrays; `raw:` before VALUE gives raw bits."""
    from kiln.ir.kernel import Direction
    from kiln.ir.types import ArrayType, IntType, from_real

    name, sep, value = text.partition("=")
    if not sep:
        raise KilnError(f"input '{text}' is not NAME=VALUE", hint="for example: a=1.5 b=-3")
    try:
        param = kernel.param(name)
    except KeyError:
        names = ", ".join(p.name for p in kernel.params if p.direction.value != "out")
        raise KilnError(
            f"kernel @{kernel.name} has no parameter '{name}'", hint=f"inputs: {names}"
        ) from None
    if param.direction is Direction.OUT:
        raise KilnError(f"'{name}' is an output of kernel @{kernel.name}; it takes no value")
    elem = param.type.elem if isinstance(param.type, ArrayType) else param.type
    raw = value.startswith("raw:")
    items = value.removeprefix("raw:").split(",")
    try:
        exact = [None if raw else Fraction(x) for x in items]
        if isinstance(elem, IntType) and any(f is not None and f.denominator != 1 for f in exact):
            raise KilnError(
                f"input '{text}': {name} is an integer ({elem})",
                hint="give whole numbers, or raw:BITS",
            )
        numbers = [
            int(x, 0) if raw else from_real(elem, f) for x, f in zip(items, exact, strict=True)
        ]
    except (ValueError, ZeroDivisionError):
        raise KilnError(
            f"input '{text}': '{value}' is not a number list",
            hint="use decimals like 1.25, or raw:0x1f for raw bits",
        ) from None
    if isinstance(param.type, ArrayType):
        return name, numbers
    if len(numbers) != 1:
        raise KilnError(f"input '{name}' is a scalar; give one value")
    return name, numbers[0]


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def cmd_doctor(args) -> int:
    from kiln.base.toolchain import doctor, doctor_json, doctor_ok, format_doctor

    rows = doctor()
    print(json.dumps(doctor_json(rows), indent=1) if args.json else format_doctor(rows).rstrip())
    return 0 if doctor_ok(rows) else 1


def cmd_ir(args) -> int:
    from kiln.ir.interpreter import interpret
    from kiln.ir.printer import print_kernel, print_module
    from kiln.ir.types import ArrayType

    module = _read_ir(args.file)
    if args.interpret is None:
        if args.kernel is not None:
            print(print_kernel(_pick_kernel(module, args.kernel)), end="")
        else:
            print(print_module(module), end="")
        return 0
    kernel = _pick_kernel(module, args.kernel)
    inputs = dict(_parse_assignment(a, kernel) for a in args.interpret)
    outputs = interpret(kernel, inputs)
    for name, raw in outputs.items():
        t = kernel.param(name).type
        elem = t.elem if isinstance(t, ArrayType) else t
        values = raw if isinstance(raw, list) else [raw]
        reals = [elem.to_real(v) for v in values]
        shown = ", ".join(str(r.numerator) if r.denominator == 1 else str(float(r)) for r in reals)
        print(f"{name} = {shown}    (raw {', '.join(map(str, values))} : {t})")
    return 0


def _config(args, **extra):
    """The compile's config from the shared flags, built once; the clock is converted from
    the user's ns here and nowhere else."""
    from kiln.config import CompileConfig

    target = _target(args)
    options = dict(
        ii=getattr(args, "ii", None),
        limits=tuple(getattr(args, "limit", ())),
        include_dirs=tuple(getattr(args, "include", ())),
        defines=tuple(getattr(args, "define", ())),
        tb_sources=tuple(getattr(args, "tb", ())),
        **extra,
    )
    if getattr(args, "passes", None) is not None:
        options["passes"] = tuple(_pass_names(args.passes))
    config = CompileConfig.make(clock_ns=args.clock_ns, target=target, **options)
    if getattr(args, "isdc", False):
        config = replace(config, isdc=_isdc_options(args, target))
    return config


def _target(args):
    from kiln.feedback.targets import Target

    return Target.parse(args.target)


def _pass_names(text: str) -> list[str]:
    return [] if text == "none" else [n for n in text.split(",") if n]


def cmd_compile(args) -> int:
    from kiln.api import compile_c, compile_ir
    from kiln.backend.report import format_table

    config = _config(
        args,
        simulate=not args.no_sim,
        simulator=args.simulator,
        waves=args.waves,
        max_calls=args.max_calls,
        vectors=args.vectors,
        seed=args.seed,
        synthesize=not args.no_synth,
    )
    if Path(args.file).suffix == ".c":
        if not args.top:
            raise KilnError(f"{args.file}: which function is the kernel?", hint="pass --top NAME")
        design = compile_c(args.file, args.top, args.output, config)
    else:
        design = compile_ir(args.file, args.output, config, top=args.top)
    print(format_table(design.report()))
    isdc = design.kernel.isdc
    return 0 if isdc is None or isdc.signoff is None or isdc.signoff.passed else 1


def cmd_sim(args) -> int:
    from kiln.api import stderr_progress
    from kiln.backend.report import format_table
    from kiln.design import rerun_simulation

    report = rerun_simulation(args.dir, args.simulator, args.waves, args.max_calls, stderr_progress)
    print(format_table(report))
    checks = report["checks"][f"cosim_{args.simulator}"]
    if checks.get("waves"):
        print(f"waveform: {checks['waves']}")
    return 0


def cmd_synth(args) -> int:
    from kiln.api import stderr_progress
    from kiln.backend.report import format_table
    from kiln.design import rerun_synthesis

    target = _target(args) if args.target else None
    print(format_table(rerun_synthesis(args.dir, target, stderr_progress)))
    return 0


def cmd_c(args) -> int:
    from kiln.frontend.c.check import check_c, load_c
    from kiln.ir.printer import print_kernel

    passes = _pass_names(args.passes)
    options = dict(include_dirs=args.include, defines=args.define, passes=passes)
    if not args.interpret:
        print(print_kernel(load_c(args.file, args.top, **options).kernel), end="")
        return 0
    result = check_c(
        args.file, args.top, tb_sources=args.tb, sanitize=not args.no_sanitize, **options
    )
    if args.print_ir:
        print(print_kernel(result.ckernel.kernel), end="")
    for mode, report in result.replays.items():
        print(f"{mode}: {report.summary()}")
    return 0


def _limit(text: str) -> tuple[str, int]:
    name, sep, value = text.partition("=")
    if not sep or not name or not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not CLASS=N (e.g. mul=2, div=1, @A=1 for array A's ports)"
        )
    return name, int(value)


def _add_clock_option(p) -> None:
    p.add_argument(
        "--clock-ns", type=float, default=2.0, metavar="NS",
        help="clock period in ns (default 2.0: 500 MHz)",
    )  # fmt: skip


def _add_isdc_options(p) -> None:
    p.add_argument(
        "--isdc",
        action="store_true",
        help="refine the schedule with synthesis feedback (ISDC): time subgraphs with "
        "Yosys/ABC/OpenSTA, reschedule at the same stage counts, then sign off on the "
        "whole design; exit status 1 when sign-off fails",
    )
    p.add_argument("--isdc-iterations", type=int, default=5, metavar="K", help="default 5")
    p.add_argument(
        "--isdc-subgraphs", type=_positive, default=8, metavar="N",
        help="subgraphs timed per iteration (default 8)",
    )  # fmt: skip
    p.add_argument(
        "--isdc-strategy", default="all", choices=("delay", "fanout", "dual", "all"),
        help="how subgraphs are picked (default all: the three in turn)",
    )  # fmt: skip
    p.add_argument(
        "--isdc-expansion", default="cone", choices=("path", "cone", "window"),
        help="how a picked pair grows into a subgraph (default cone)",
    )  # fmt: skip
    p.add_argument(
        "--target", default="generic", metavar="generic|ice40|liberty:FILE",
        help="what the design is scheduled for (its delays), synthesized on and ISDC times "
        "on: a cell library (default: kiln's generic one; liberty:FILE for yours) or the iCE40 "
        "HX8K FPGA (Yosys synth_ice40 + nextpnr-ice40)",
    )  # fmt: skip
    p.add_argument("--isdc-workers", type=_positive, default=2, help="parallel syntheses")
    p.add_argument(
        "--isdc-executor", choices=("process", "ray"), default="process",
        help="where subgraphs are synthesized: a local process pool (default) or Ray",
    )  # fmt: skip
    p.add_argument("--isdc-address", help="Ray cluster address (with --isdc-executor ray)")
    p.add_argument("--isdc-workdir", metavar="DIR", help="keep the sign-off files here")
    p.add_argument("--no-signoff", action="store_true", help="ISDC without the final sign-off")
    p.add_argument(
        "--isdc-fewer-stages", action="store_true",
        help="also cut pipeline stages that the measured delays, then whole-design sign-off, "
        "show are not needed",
    )  # fmt: skip


def _isdc_options(args, target):
    """IsdcOptions from the --isdc-* flags, on the config's target."""
    from kiln.feedback.isdc import IsdcOptions

    return IsdcOptions(
        iterations=args.isdc_iterations,
        subgraphs=args.isdc_subgraphs,
        selection=args.isdc_strategy,
        expansion=args.isdc_expansion,
        target=target,
        workers=args.isdc_workers,
        executor=args.isdc_executor,
        address=args.isdc_address,
        signoff=not args.no_signoff,
        fewer_stages=args.isdc_fewer_stages,
        workdir=Path(args.isdc_workdir) if args.isdc_workdir else None,
    )


def cmd_schedule(args) -> int:
    from kiln.api import load_kernel, schedule, stderr_progress
    from kiln.base.files import write_atomically
    from kiln.scheduler.delay_model import DelayModel

    config = _config(args, param_ports=args.param_ports, local_ports=args.local_ports)
    config = replace(config, schedule=replace(config.schedule, exact=args.exact))
    kernel = load_kernel(args.file, args.top, config)
    delays = DelayModel.from_file(args.delays) if args.delays else None
    ks, isdc = schedule(kernel, config, stderr_progress, delays=delays)
    print(ks.format())
    doc = ks.to_json()
    if isdc is not None:
        print()
        print(isdc.format())
        doc = {"schedule": doc, "isdc": isdc.to_json()}
    if args.json:
        text = json.dumps(doc, indent=None if isdc is not None else 2)
        print(f"schedule written to {write_atomically(args.json, text + chr(10))}")
    return 0 if isdc is None or isdc.signoff is None or isdc.signoff.passed else 1


def cmd_characterize(args) -> int:
    from kiln.feedback.characterize import characterize, stderr_progress

    target = _target(args)
    data = characterize(
        target=target,
        out=Path(args.out),
        opcodes=args.ops.split(",") if args.ops else None,
        widths=[int(w) for w in args.widths.split(",")] if args.widths else None,
        jobs=args.jobs,
        workdir=Path(args.workdir) if args.workdir else None,
        progress=stderr_progress,
    )
    ops = data["ops"]
    print(
        f"library {data['library']}: register overhead {data['register_overhead_ps']:g} ps, "
        f"{len(ops)} op(s) characterized; written to {args.out}"
    )
    print(f"use it with: kiln schedule FILE --top F --clock-ns T --delays {args.out}")
    return 0


def cmd_kernels(args) -> int:
    from kiln.llm_kernels import registry
    from kiln.llm_kernels.export import op_types

    if args.kernels_command == "list":
        rows = [
            {"name": k.name, "summary": k.summary, "options": k.options()} for k in registry.KERNELS
        ]
        if args.json:
            print(json.dumps(rows, indent=2, default=str))
            return 0
        for row in rows:
            options = " ".join(f"{key}={value}" for key, value in row["options"].items())
            print(f"{row['name']:<14} {row['summary']}\n{'':<14} {options}")
        return 0
    kernel = registry.find(args.name)
    options = registry.parse_options(kernel, args.config)
    if args.kernels_command == "export":
        _, path = registry.export(args.name, options, args.output)
        print(f"wrote {path} (ONNX opset 18; ops: {', '.join(op_types(path))})")
        return 0
    report = registry.check(args.name, options, args.device)
    print(json.dumps(report.to_json(), indent=2) if args.json else report.table())
    return 0


def cmd_onnx(args) -> int:
    from kiln.frontend.onnx import info, run

    if args.onnx_command == "info":
        summary = info.model_info(args.model)
        print(json.dumps(summary, indent=2) if args.json else info.format_info(summary))
        return 0
    shapes = run.parse_shapes(args.shape)
    result = run.run_model_file(
        args.model, args.inputs, shapes, args.precision, args.check, args.seed
    )
    if args.print_ir:
        from kiln.ir.graph_text import print_graph

        print(print_graph(result.graph), end="")
    print(result.table())
    if args.output:
        import numpy as np

        np.savez(args.output, **result.outputs)
        print(f"wrote {args.output}")
    return 0 if result.ok else 1


def cmd_dataset(args) -> int:
    from kiln.datasets.bugs import build, chrysalis, export, validate

    action = args.dataset_command
    if action == "build":
        kernels = args.kernels.split(",") if args.kernels else None
        stats = build.build(
            args.out, args.seed, args.samples, args.workers, args.executor, args.address, kernels
        )
        print(
            f"\n{stats['samples']} samples in {args.out}/samples.jsonl "
            f"(sha256 {stats['sha256'][:16]}...), {stats['jobs_run']} jobs run in "
            f"{stats['seconds']:g} s"
        )
        _print_stats(export.statistics(export.read_samples(args.out)))
        return 0
    if action == "stats":
        st = export.statistics(export.read_samples(args.dir))
        print(json.dumps(st, indent=1) if args.json else "", end="")
        if not args.json:
            _print_stats(st)
        return 0
    if action == "export":
        for path in export.export(args.dir, args.format, args.output):
            print(path)
        return 0
    if action == "validate":
        report = validate.validate(args.dir, args.workers, _validate_progress)
        print(json.dumps(report.to_json(), indent=1) if args.json else _validate_text(report))
        return 0 if report.ok else 1
    report = chrysalis.import_chrysalis(args.path, not args.no_oracles)
    if args.output:
        from kiln.base.files import write_atomically

        lines = "".join(json.dumps(r, sort_keys=True) + "\n" for r in report.records)
        write_atomically(Path(args.output), lines)
    print(json.dumps(report.to_json(), indent=1))
    return 0


def _print_stats(st: dict) -> None:
    print(f"samples {st['samples']} (buggy {st['buggy']}); per split {st['per_split']}")
    print(
        f"clean ratio {st['clean_ratio']}; two-bug share of buggy "
        f"{st['two_bug_share_of_buggy']:.1%}; "
        f"largest type share {st['max_type_share_of_buggy']:.1%}"
    )
    for code, counts in st["per_type"].items():
        print(
            f"  {code:6} {counts['all']:6}  "
            + "  ".join(f"{k} {v}" for k, v in counts.items() if k != "all")
        )


def _validate_progress(done: int, total: int) -> None:
    print(f"validated {done}/{total}", file=sys.stderr, end="\r" if sys.stderr.isatty() else "\n")


def _validate_text(r) -> str:
    lines = [
        f"samples {r.samples}: {r.compiled} compile",
        f"functional labels confirmed {r.functional_confirmed}/{r.functional_labels}",
        f"pragma labels confirmed {r.pragma_confirmed}/{r.pragma_labels}",
        f"clean samples tripping an oracle {r.clean_tripped}/{r.clean}",
    ]
    lines += [f"problem: {p}" for p in r.problems[:30]]
    if len(r.problems) > 30:
        lines.append(f"... and {len(r.problems) - 30} more problems")
    lines.append("valid" if r.ok else "NOT valid")
    return "\n".join(lines)


def _add_c_options(p: argparse.ArgumentParser) -> None:
    """-I, -D and --tb, the same in every command that reads C."""
    p.add_argument(
        "-I",
        dest="include",
        action="append",
        default=[],
        metavar="DIR",
        help="add DIR to the include path (repeatable)",
    )
    p.add_argument(
        "-D",
        dest="define",
        action="append",
        default=[],
        metavar="NAME[=VALUE]",
        help="define a macro (repeatable)",
    )
    p.add_argument(
        "--tb",
        action="append",
        default=[],
        metavar="SRC",
        help="extra testbench C source holding main() (repeatable)",
    )


def cmd_demo(args) -> int:
    from kiln.demo import run_demo

    run_demo(Path(args.output), args.vectors, tuple(args.simulator))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from kiln import __version__
    from kiln.ir.passes import COMPILE_FLOW, DEFAULT_FLOW, PASSES

    ap = argparse.ArgumentParser(
        prog="kiln",
        description="kiln: HLS from C kernels and ONNX graphs to verified Verilog.",
        epilog=_EPILOG,
    )
    ap.add_argument("--version", action="version", version=f"kiln {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("doctor", help="check the external tools kiln needs")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("ir", help="verify and print an IR text file, or interpret it")
    p.add_argument("file", help="IR text file (.kir)")
    p.add_argument("--kernel", help="which kernel of the file (default: the first)")
    p.add_argument(
        "--interpret",
        nargs="*",
        metavar="NAME=VALUE",
        help="run the kernel; fixed-point values as reals (1.5), integers as "
        "integers, arrays as 1,2,3, raw bits as raw:0x1f",
    )
    p.set_defaults(func=cmd_ir)

    p = sub.add_parser(
        "compile",
        help="C or IR kernel to checked RTL: Verilog, lint, co-simulation (against gcc for C, "
        "the IR interpreter for .kir), synthesis and a report",
    )
    p.add_argument("file", help="C source (.c) with the kernel and its testbench, or IR (.kir)")
    p.add_argument(
        "--top", help="the kernel: its C function (required for .c), or a kernel of a .kir "
        "file (default: the first)",
    )  # fmt: skip
    p.add_argument("-o", "--output", default="kiln_out", help="output folder (default kiln_out)")
    _add_clock_option(p)
    p.add_argument("--ii", type=_positive, help="pipeline every innermost loop at this II")
    p.add_argument(
        "--limit", type=_limit, action="append", default=[], metavar="CLASS=N",
        help="units of a resource class: mul, div, or @ARRAY for an array's ports per bank "
        "(repeatable)",
    )  # fmt: skip
    p.add_argument("--no-sim", action="store_true", help="skip co-simulation")
    p.add_argument("--no-synth", action="store_true", help="skip synthesis and timing")
    p.add_argument("--simulator", choices=["verilator", "icarus"], default="verilator")
    p.add_argument("--waves", action="store_true", help="dump a waveform (FST/VCD)")
    p.add_argument("--max-calls", type=int, default=0, help="co-simulate only the first N calls")
    p.add_argument(
        "--vectors", type=_positive, default=200,
        help=".kir: random calls drawn through the IR interpreter (default 200)",
    )  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help=".kir: seed of the random calls")
    p.add_argument(
        "--passes",
        default=",".join(COMPILE_FLOW),
        help=f"IR passes before scheduling, comma-separated, or 'none' (default "
        f"{','.join(COMPILE_FLOW)}; known: {', '.join(PASSES)})",
    )
    _add_c_options(p)
    _add_isdc_options(p)
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser("sim", help="rerun co-simulation of a compiled design (kiln compile -o DIR)")
    p.add_argument("dir", help="the folder kiln compile wrote")
    p.add_argument("--simulator", choices=["verilator", "icarus"], default="verilator")
    p.add_argument("--waves", action="store_true", help="dump a waveform (FST/VCD)")
    p.add_argument("--max-calls", type=int, default=0, help="only the first N recorded calls")
    p.set_defaults(func=cmd_sim)

    p = sub.add_parser(
        "synth", help="rerun Yosys + OpenSTA on a compiled design; update its report"
    )
    p.add_argument("dir", help="the folder kiln compile wrote")
    p.add_argument(
        "--target", metavar="generic|liberty:FILE",
        help="the cell library to synthesize on (default: the one the design was compiled for)",
    )  # fmt: skip
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("c", help="translate a C kernel to IR; --interpret checks it against gcc")
    p.add_argument("file", help="C source file holding the kernel")
    p.add_argument("--top", required=True, help="the kernel's function name")
    _add_c_options(p)
    p.add_argument(
        "--interpret",
        action="store_true",
        help="run the testbench main() under gcc, record each call of the kernel, replay "
        "the calls through the IR interpreter and compare bit for bit",
    )
    p.add_argument(
        "--no-sanitize",
        action="store_true",
        help="with --interpret: skip the second gcc run under ASan/UBSan",
    )
    p.add_argument("--print-ir", action="store_true", help="with --interpret: print the IR too")
    p.add_argument(
        "--passes",
        default=",".join(DEFAULT_FLOW),
        help=f"IR passes after translation, comma-separated, or 'none' (default "
        f"{','.join(DEFAULT_FLOW)})",
    )
    p.set_defaults(func=cmd_c)

    p = sub.add_parser(
        "schedule",
        help="SDC-schedule a C or IR kernel: per-op cycles, II of pipelined loops, registers",
    )
    p.add_argument("file", help="C source (.c) or IR text (.kir)")
    p.add_argument("--top", help="the kernel's function name (for .kir: default the first)")
    _add_clock_option(p)
    p.add_argument(
        "--ii",
        type=_positive,
        help="pipeline every innermost loop with this target II (default: loops with a "
        "pipeline pragma, at the pragma's II)",
    )
    p.add_argument("--json", metavar="OUT", help="also write the schedule as JSON to OUT")
    p.add_argument(
        "--delays",
        metavar="FILE",
        help="delay data from `kiln characterize` (default: the shipped generic library)",
    )
    p.add_argument(
        "--limit",
        type=_limit,
        action="append",
        default=[],
        metavar="CLASS=N",
        help="units of a resource class: mul, div, or @ARRAY for an array's ports per "
        "bank (repeatable; default: unlimited mul/div)",
    )
    p.add_argument(
        "--param-ports", type=_positive, default=1, help="ports per array parameter (default 1)"
    )
    p.add_argument(
        "--local-ports", type=_positive, default=2, help="ports per local array bank (default 2)"
    )
    p.add_argument(
        "--exact",
        action="store_true",
        help="solve with CP-SAT (exact, resource-optimal; for small kernels)",
    )
    _add_isdc_options(p)
    _add_c_options(p)
    p.set_defaults(func=cmd_schedule)

    p = sub.add_parser(
        "characterize",
        help="measure every op's delay on a cell library (Yosys + ABC + OpenSTA) or the iCE40 "
        "(Yosys + nextpnr) for the scheduler",
    )
    p.add_argument(
        "--target", default="generic", metavar="generic|ice40|liberty:FILE",
        help="a cell library (default: kiln's generic 45 nm one; liberty:FILE for yours) or "
        "the iCE40 HX8K through nextpnr",
    )  # fmt: skip
    p.add_argument("--out", required=True, metavar="FILE", help="delay data file to write (JSON)")
    p.add_argument("--ops", metavar="OP,OP", help="only these opcodes (default: every timed op)")
    p.add_argument(
        "--widths", metavar="W,W",
        help="bit widths (default: every width 1..64; dividers and the iCE40 fewer)",
    )  # fmt: skip
    p.add_argument("--jobs", type=_positive, default=2, help="parallel synthesis jobs")
    p.add_argument("--workdir", metavar="DIR", help="keep each job's netlists and tool logs here")
    p.set_defaults(func=cmd_characterize)

    p = sub.add_parser("dataset", help="build, check and export the HLS bug dataset")
    dsub = p.add_subparsers(dest="dataset_command", metavar="ACTION", required=True)
    b = dsub.add_parser("build", help="generate and validate samples (resumable)")
    b.add_argument("--out", required=True, help="dataset folder (resumes when it exists)")
    b.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    b.add_argument("--samples", type=_positive, default=5000, help="buggy samples (default 5000)")
    b.add_argument("--workers", type=_positive, default=2, help="parallel jobs (default 2)")
    b.add_argument("--executor", choices=["process", "ray"], default="process")
    b.add_argument("--address", help="Ray cluster address (with --executor ray)")
    b.add_argument("--kernels", metavar="A,B", help="only these base kernels")
    st = dsub.add_parser("stats", help="counts per type and split, clean ratio, lengths")
    st.add_argument("dir")
    st.add_argument("--json", action="store_true")
    ex = dsub.add_parser("export", help="write an export: jsonl, messages, prompt, instruction, hf")
    ex.add_argument("dir")
    ex.add_argument(
        "--format", required=True, choices=["jsonl", "messages", "prompt", "instruction", "hf"]
    )
    ex.add_argument("-o", "--output", required=True, help="output folder")
    va = dsub.add_parser("validate", help="rerun every oracle and confirm every label")
    va.add_argument("dir")
    va.add_argument("--workers", type=_positive, default=2)
    va.add_argument("--json", action="store_true")
    ch = dsub.add_parser("import-chrysalis", help="map Chrysalis-HLS bug files onto kiln labels")
    ch.add_argument("path", help="a Chrysalis-HLS checkout or its HLS_Bug_Dataset folder")
    ch.add_argument("-o", "--output", help="write the mapped records as JSONL here")
    ch.add_argument("--no-oracles", action="store_true", help="do not run kiln's oracles")
    p.set_defaults(func=cmd_dataset)

    p = sub.add_parser("kernels", help="the LLM reference kernels: list, export to ONNX, check")
    ksub = p.add_subparsers(dest="kernels_command", metavar="ACTION", required=True)
    kl = ksub.add_parser("list", help="kernels and their options with defaults")
    kl.add_argument("--json", action="store_true")
    config = {
        "action": "append",
        "metavar": "KEY=VALUE",
        "help": "a builder option (repeat, or comma-separate), e.g. seq=32,n_heads=4",
    }
    ke = ksub.add_parser("export", help="write a kernel as a checked ONNX graph (opset 18)")
    ke.add_argument("name")
    ke.add_argument("--config", **config)
    ke.add_argument("-o", "--output", required=True, metavar="FILE.onnx")
    kc = ksub.add_parser(
        "check", help="reference (torch f32 on the device, f64) vs onnxruntime: error table"
    )
    kc.add_argument("name")
    kc.add_argument("--config", **config)
    kc.add_argument("--device", choices=["auto", "cuda", "cpu"], default="auto")
    kc.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_kernels)

    p = sub.add_parser("onnx", help="ONNX models: what a model holds, and run it in kiln")
    osub = p.add_subparsers(dest="onnx_command", metavar="ACTION", required=True)
    oi = osub.add_parser("info", help="inputs, outputs, opset, op histogram, unsupported ops")
    oi.add_argument("model", metavar="MODEL.onnx")
    oi.add_argument("--json", action="store_true", help="print JSON instead of text")
    orun = osub.add_parser("run", help="import and run a model in the graph interpreter")
    orun.add_argument("model", metavar="MODEL.onnx")
    orun.add_argument("--inputs", metavar="X.npz", help="input arrays by name (random if absent)")
    orun.add_argument(
        "--shape",
        action="append",
        default=[],
        metavar="NAME=1x16x32",
        help="bind a dynamic shape: an input's whole shape, or a symbolic dimension (NAME=16)",
    )
    orun.add_argument(
        "--precision", choices=["native", "float64"], default="native", help="float arithmetic"
    )
    orun.add_argument("--check", action="store_true", help="compare with onnxruntime")
    orun.add_argument("--print-ir", action="store_true", help="print the imported graph IR")
    orun.add_argument("-o", "--output", metavar="Y.npz", help="write the outputs here")
    orun.add_argument("--seed", type=int, default=0, help="seed of random inputs")
    p.set_defaults(func=cmd_onnx)

    p = sub.add_parser("demo", help="compile y = sat((a*b + c) >> 3) and prove it in RTL")
    p.add_argument("-o", "--output", default="kiln_out/demo", help="output folder")
    p.add_argument("--vectors", type=_positive, default=1000, help="random vectors to simulate")
    p.add_argument(
        "--simulator",
        nargs="+",
        default=["verilator", "icarus"],
        choices=["verilator", "icarus"],
        help="simulators to run",
    )
    p.set_defaults(func=cmd_demo)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KilnError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
