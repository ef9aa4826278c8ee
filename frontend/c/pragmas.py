"""`#pragma HLS ...` directives: read, checked and reported with their line.

Vitis HLS spelling is accepted (`II=1`, `factor=4`, `variable=buf type=cyclic dim=1`), as
are its older positional forms (`#pragma HLS array_partition variable=a cyclic factor=2`).
Pragmas other than HLS (omp, GCC, once) are not kiln's business and are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiln.base.errors import CFrontendError, SourceLoc

# Interface modes, which Vitis also accepts as a bare word (`#pragma HLS interface m_axi`).
_INTERFACE_MODES = frozenset(
    [
        "m_axi",
        "s_axilite",
        "ap_none",
        "ap_vld",
        "ap_ctrl_hs",
        "ap_ctrl_none",
        "ap_memory",
        "bram",
        "axis",
        "ap_fifo",
        "ap_hs",
        "ap_ack",
        "ap_ovld",
        "ap_stable",
    ]
)
KNOWN = {
    "pipeline": {"ii", "off", "style", "rewind"},
    "unroll": {"factor", "off", "skip_exit_check", "region"},
    "array_partition": {"variable", "type", "factor", "dim", "complete", "block", "cyclic", "off"},
    "inline": {"off", "recursive", "region"},
    "loop_tripcount": {"min", "max", "avg"},
    "interface": {
        *[
            "port",
            "mode",
            "depth",
            "bundle",
            "offset",
            "name",
            "register",
            "max_widen_bitwidth",
            "latency",
            "num_read_outstanding",
            "num_write_outstanding",
            "max_read_burst_length",
            "max_write_burst_length",
            "storage_type",
        ],
        *_INTERFACE_MODES,
    },
}
# Directives kiln reads but that do not change the IR yet; accepted so real code parses.
TOLERATED = {
    "dataflow",
    "stream",
    "array_reshape",
    "bind_op",
    "bind_storage",
    "resource",
    "latency",
    "loop_flatten",
    "loop_merge",
    "expression_balance",
    "occurrence",
    "dependence",
    "allocation",
    "function_instantiate",
    "aggregate",
    "disaggregate",
    "top",
    "stable",
    "reset",
}


@dataclass
class Directive:
    """One HLS pragma: its name, its `key=value` options (keys lower-case) and its place."""

    name: str
    options: dict[str, str] = field(default_factory=dict)
    loc: SourceLoc | None = None
    used: bool = False

    def integer(self, key: str, default: int | None = None, minimum: int = 1) -> int | None:
        text = self.options.get(key)
        if text is None or text == "":
            return default
        try:
            value = int(text, 0)
        except ValueError:
            raise CFrontendError(
                f"#pragma HLS {self.name}: {key}={text} is not an integer",
                self.loc,
                f"write {key}=N with a literal number (macros in pragmas are not expanded)",
            ) from None
        if value < minimum:
            raise CFrontendError(
                f"#pragma HLS {self.name}: {key}={value} must be at least {minimum}", self.loc
            )
        return value

    def error(self, message: str, hint: str | None = None) -> CFrontendError:
        return CFrontendError(f"#pragma HLS {self.name}: {message}", self.loc, hint)


def parse_pragma(text: str, loc: SourceLoc | None) -> Directive | None:
    """The directive in a `#pragma` line's text, None for a non-HLS pragma."""
    words = text.replace(",", " ").split()
    if not words or words[0].upper() != "HLS":
        return None
    if len(words) < 2:
        raise CFrontendError("#pragma HLS without a directive", loc, _known_hint())
    name = words[1].lower()
    if name in TOLERATED:
        return Directive(name, {}, loc)
    if name not in KNOWN:
        raise CFrontendError(f"unknown directive '#pragma HLS {words[1]}'", loc, _known_hint())
    d = Directive(name, {}, loc)
    for word in words[2:]:
        key, eq, value = word.partition("=")
        key = key.lower()
        if key not in KNOWN[name]:
            raise d.error(f"unknown option '{key}'", f"options: {', '.join(sorted(KNOWN[name]))}")
        if not eq and name == "array_partition" and key in ("complete", "block", "cyclic"):
            d.options["type"] = key
        elif not eq and name == "interface" and key in _INTERFACE_MODES:
            d.options["mode"] = key
        else:
            d.options[key] = value if eq else ""
    if name == "array_partition":
        if "variable" not in d.options:
            raise d.error(
                "needs variable=NAME",
                "#pragma HLS array_partition variable=buf type=cyclic factor=2",
            )
        kind = d.options.setdefault("type", "complete").lower()
        if kind not in ("complete", "block", "cyclic"):
            raise d.error(f"type={kind} is not complete, block or cyclic")
        d.options["type"] = kind
        if kind != "complete" and "factor" not in d.options:
            raise d.error(f"type={kind} needs factor=N")
    if name == "interface" and "port" not in d.options:
        raise d.error("needs port=NAME", "#pragma HLS interface m_axi port=p depth=64")
    return d


def _known_hint() -> str:
    return "directives: " + ", ".join(sorted(KNOWN))
