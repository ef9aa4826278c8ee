"""A compile's options as frozen records, built once from the CLI or the Python API.

Inside kiln the clock is in picoseconds, everywhere; the user's spelling is nanoseconds
(`--clock-ns`, `clock_ns=`), converted once, here, by `clock_ps_from_ns`. Each record
checks its own values when it is made, so a bad option fails before anything is written.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

from kiln.base.errors import ConfigError
from kiln.feedback.targets import GENERIC, Target
from kiln.ir.passes import COMPILE_FLOW, passes_named
from kiln.scheduler.regions import Options

DEFAULT_CLOCK_NS = 2.0
SIMULATORS = ("verilator", "icarus")


def clock_ps_from_ns(clock_ns: float) -> float:
    """The one conversion of a user's clock period (ns) into kiln's unit (ps)."""
    if not (isinstance(clock_ns, int | float) and math.isfinite(clock_ns) and clock_ns > 0):
        raise ConfigError(
            f"clock period must be a positive number of ns, got {clock_ns!r}",
            hint="for example --clock-ns 2.5 (400 MHz)",
        )
    return float(clock_ns) * 1000.0


@dataclass(frozen=True)
class ScheduleConfig:
    """What the scheduler is asked for: the clock, pipelining, resources, the passes."""

    clock_ps: float = DEFAULT_CLOCK_NS * 1000.0
    ii: int | None = None  # pipeline every innermost loop at this II
    limits: tuple[tuple[str, int], ...] = ()  # (class, units): mul, div, @ARRAY
    param_ports: int = 1
    local_ports: int = 2
    exact: bool = False  # CP-SAT instead of the SDC LP (small kernels)
    passes: tuple[str, ...] = COMPILE_FLOW

    def __post_init__(self) -> None:
        if not self.clock_ps > 0:
            raise ConfigError(f"clock period must be positive, got {self.clock_ps:g} ps")
        for name in ("ii", "param_ports", "local_ports"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"{name} must be at least 1, got {value}")
        for cls, units in self.limits:
            if units < 1:
                raise ConfigError(f"limit {cls}={units}: at least 1 unit")
        passes_named(self.passes)  # an unknown pass name fails here, not mid-compile

    @property
    def clock_ns(self) -> float:
        return self.clock_ps / 1000.0

    def options(self) -> Options:
        """A fresh scheduler `Options` for these settings, at this clock."""
        return Options(
            clock_period_ps=self.clock_ps,
            ii=self.ii,
            limits=dict(self.limits),
            param_ports=self.param_ports,
            local_ports=self.local_ports,
        )


@dataclass(frozen=True)
class CSourceConfig:
    """How a C file is read: include path, macros, and extra testbench sources."""

    include_dirs: tuple[str, ...] = ()
    defines: tuple[str, ...] = ()
    tb_sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class SimConfig:
    """Co-simulation: which simulator, and for IR kernels how many random calls."""

    enabled: bool = True
    simulator: str = "verilator"
    waves: bool = False
    max_calls: int = 0  # 0: every call
    vectors: int = 200  # random calls drawn for a kernel with no C testbench
    seed: int = 0

    def __post_init__(self) -> None:
        if self.simulator not in SIMULATORS:
            raise ConfigError(
                f"unknown simulator '{self.simulator}'", hint=f"choose {' or '.join(SIMULATORS)}"
            )
        if self.vectors < 1:
            raise ConfigError(
                f"asked to simulate {self.vectors} calls; nothing would be checked",
                hint="give at least 1",
            )
        if self.max_calls < 0:
            raise ConfigError(f"max_calls must be 0 (all) or more, got {self.max_calls}")


@dataclass(frozen=True)
class SynthConfig:
    """Whole-design synthesis and timing on the target after emission."""

    enabled: bool = True


@dataclass(frozen=True)
class CompileConfig:
    """Everything one compile is told; `to_json` is what the report records of it."""

    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    target: Target = GENERIC
    sim: SimConfig = field(default_factory=SimConfig)
    synth: SynthConfig = field(default_factory=SynthConfig)
    c: CSourceConfig = field(default_factory=CSourceConfig)
    isdc: object | None = None  # kiln.feedback.isdc.IsdcOptions: schedule with ISDC

    @classmethod
    def make(
        cls,
        clock_ns: float = DEFAULT_CLOCK_NS,
        target: str | Target = "generic",
        **options,
    ) -> CompileConfig:
        """The Python API's spelling: `CompileConfig.make(clock_ns=2.5, target="ice40",
        ii=1, simulate=False)`. Keys: those of ScheduleConfig (but clock_ps), SimConfig
        (`simulate` for enabled), SynthConfig (`synthesize`) and CSourceConfig."""
        groups = {ScheduleConfig: {}, SimConfig: {}, SynthConfig: {}, CSourceConfig: {}}
        renamed = {"simulate": (SimConfig, "enabled"), "synthesize": (SynthConfig, "enabled")}
        for key, value in options.items():
            if key in renamed:
                record, name = renamed[key]
                groups[record][name] = value
                continue
            owner = [r for r in groups if key in r.__dataclass_fields__ and key != "clock_ps"]
            if not owner:
                raise ConfigError(f"unknown compile option {key!r}", hint=_option_hint())
            groups[owner[0]][key] = tuple(value) if isinstance(value, list) else value
        if "limits" in groups[ScheduleConfig]:
            groups[ScheduleConfig]["limits"] = tuple(dict(groups[ScheduleConfig]["limits"]).items())
        return cls(
            schedule=ScheduleConfig(clock_ps=clock_ps_from_ns(clock_ns), **groups[ScheduleConfig]),
            target=target if isinstance(target, Target) else Target.parse(target),
            sim=SimConfig(**groups[SimConfig]),
            synth=SynthConfig(**groups[SynthConfig]),
            c=CSourceConfig(**groups[CSourceConfig]),
        )

    def to_json(self) -> dict:
        isdc = self.isdc
        return {
            "schedule": asdict(self.schedule),
            "target": self.target.name,
            "sim": asdict(self.sim),
            "synth": asdict(self.synth),
            "c": asdict(self.c),
            "isdc": None if isdc is None else json.loads(json.dumps(asdict(isdc), default=str)),
        }

    @classmethod
    def from_json(cls, data: dict) -> CompileConfig:
        """The config a report recorded (ISDC's options are not restored: a rerun of
        simulation or synthesis does not schedule)."""

        def tuples(d: dict) -> dict:
            return {k: tuple(map(_tuple, v)) if isinstance(v, list) else v for k, v in d.items()}

        return cls(
            schedule=ScheduleConfig(**tuples(data["schedule"])),
            target=Target.parse(data["target"]) if data["target"] else GENERIC,
            sim=SimConfig(**data["sim"]),
            synth=SynthConfig(**data["synth"]),
            c=CSourceConfig(**tuples(data["c"])),
        )


def _tuple(v):
    return tuple(v) if isinstance(v, list) else v


def _option_hint() -> str:
    keys = [
        k
        for r in (ScheduleConfig, SimConfig, CSourceConfig)
        for k in r.__dataclass_fields__
        if k not in ("clock_ps", "enabled")
    ]
    return "options: clock_ns, target, simulate, synthesize, " + ", ".join(keys)
