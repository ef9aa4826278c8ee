"""The ISDC loop on a small datapath kernel: fewer register bits at the same stage counts,
a register objective that never rises from one iteration to the next, the same result on
a second run, no synthesis at all on a warm cache, and a sign-off that meets timing.
Needs Yosys and OpenSTA (apt-get install -y yosys opensta)."""

from __future__ import annotations

import json
import tempfile

import pytest

from kiln.backend.subgraph_rtl import subgraph_module
from kiln.base.errors import ToolError
from kiln.feedback import isdc as isdc_module
from kiln.feedback import synthesis
from kiln.feedback.characterize import build_op
from kiln.feedback.isdc import SIGNOFF_NOT_KEPT, IsdcOptions, SignOff, isdc_schedule, signoff
from kiln.feedback.subgraph_timing import time_subgraph
from kiln.frontend.c.check import load_c
from kiln.ir.passes import COMPILE_FLOW
from kiln.scheduler.delay_model import DEFAULT_DATA, DelayModel
from kiln.scheduler.regions import Options

pytestmark = [pytest.mark.yosys, pytest.mark.slow]

# Two levels of xor-add pairs, then two add chains: summed op delays put one add per
# stage, synthesis chains two or three adds in the time of one (their carries overlap).
MIX = """\
#include <stdint.h>
uint32_t mix8(uint32_t a, uint32_t b, uint32_t c, uint32_t d,
              uint32_t e, uint32_t f, uint32_t g, uint32_t h)
{
    uint32_t x0 = (a ^ (b << 3)) + (c ^ (d >> 5));
    uint32_t x1 = (e ^ (f << 7)) + (g ^ (h >> 2));
    uint32_t x2 = (a + e) ^ (b + f);
    uint32_t x3 = (c + g) ^ (d + h);
    uint32_t y0 = x0 + x1 + (x0 >> 11);
    uint32_t y1 = x2 + x3 + (x3 << 9);
    return y0 ^ (y1 + y0);
}

#include <stdio.h>
int main(void)
{
    uint32_t s = 1, h = 0;
    for (int i = 0; i < 40; i++) {
        s = s * 1664525u + 1013904223u;
        h ^= mix8(s, s >> 3, s * 7u, s ^ 0x55u, s + 9u, s << 2, ~s, s * 13u);
    }
    printf("checksum: %08x\\n", h);
    return 0;
}
"""


@pytest.fixture(scope="module")
def mix8(tmp_path_factory):
    src = tmp_path_factory.mktemp("mix8") / "mix8.c"
    src.write_text(MIX)
    return load_c(src, "mix8", passes=COMPILE_FLOW).kernel


def _run(kernel, cache, **kw):
    opts = IsdcOptions(cache_dir=cache, signoff=False, **kw)
    return isdc_schedule(kernel, 2000.0, Options(), opts)


def test_isdc_cuts_register_bits_at_the_same_stage_counts(mix8, tmp_path):
    r = _run(mix8, tmp_path / "cache")
    assert [x.solution.stages for x in r.schedule.regions] == [
        x.solution.stages for x in r.baseline.regions
    ]
    assert r.baseline.regions[0].solution.stages >= 3
    assert r.schedule.register_bits < 0.8 * r.baseline.register_bits
    for rs in r.schedule.regions:
        rs.region.problem.verify(rs.solution)


def test_the_objective_never_rises_and_a_second_run_is_the_same(mix8, tmp_path):
    first = _run(mix8, tmp_path / "cache", iterations=6)
    bits = [it.region_bits for it in first.iterations]
    for before, after in zip(bits, bits[1:], strict=False):
        assert all(b >= a for b, a in zip(before, after, strict=True)), bits
    again = _run(mix8, tmp_path / "cache", iterations=6)
    assert [r.solution.cycles for r in again.schedule.regions] == [
        r.solution.cycles for r in first.schedule.regions
    ]
    assert [it.region_bits for it in again.iterations] == bits


def test_a_warm_cache_makes_no_synthesis_calls(mix8, tmp_path):
    """The warm run fans out on Ray: the executor changes nothing but where jobs run."""
    cold = _run(mix8, tmp_path / "cache")
    assert cold.synth_calls > 0
    warm = _run(mix8, tmp_path / "cache", executor="ray")
    assert warm.synth_calls == 0
    assert warm.cache_hits == cold.synth_calls + cold.cache_hits
    # and the cache changes nothing but the time
    assert [it.region_bits for it in warm.iterations] == [it.region_bits for it in cold.iterations]
    assert [r.solution.cycles for r in warm.schedule.regions] == [
        r.solution.cycles for r in cold.schedule.regions
    ]


def test_isdc_meets_timing_at_sign_off(mix8, tmp_path):
    opts = IsdcOptions(cache_dir=tmp_path / "cache", workdir=tmp_path / "work")
    r = isdc_schedule(mix8, 2000.0, Options(), opts)
    assert r.signoff is not None and r.signoff.passed, r.signoff
    assert r.signoff.slack_ps >= 0
    assert r.signoff.register_bits <= r.baseline_signoff.register_bits


def test_fewer_stages_are_kept_only_when_sign_off_agrees(mix8, tmp_path):
    opts = IsdcOptions(cache_dir=tmp_path / "cache", workdir=tmp_path / "work", fewer_stages=True)
    r = isdc_schedule(mix8, 2000.0, Options(), opts)
    probes = [p for it in r.iterations for p in it.picks if p.startswith("sign-off probe")]
    assert probes, [it.picks for it in r.iterations]
    final = sum(x.solution.stages for x in r.schedule.regions)
    kept = [p for p in probes if p.endswith("meets timing")]
    assert all(p.endswith("meets timing") for p in probes[:-1])  # it stops at the first fail
    if kept:
        assert kept[-1].startswith(f"sign-off probe: {final} stage(s)")
    assert r.signoff.passed and final < sum(x.solution.stages for x in r.baseline.regions)


def test_the_probe_cuts_stages_a_far_too_slow_model_keeps(mix8, tmp_path, monkeypatch):
    """Summed per-op delays can be several times what the circuit takes (4x on an AES
    round): when sign-off agrees, the probe goes on down to one stage, even where the model
    needs its clock stretched past 3x to fit it. Here every op is modelled 4x too slow and
    sign-off always agrees."""
    data = json.loads(DEFAULT_DATA.read_text())
    for variants in data["ops"].values():
        for v in variants.values():
            v["points"] = [[w, 4 * d] for w, d in v["points"]]
    (tmp_path / "slow.json").write_text(json.dumps(data))
    agree = SignOff(True, 1.0, 4999.0, 0, 0, "")
    monkeypatch.setattr(isdc_module, "signoff", lambda *a, **k: agree)
    opts = IsdcOptions(iterations=0, workdir=tmp_path / "work", fewer_stages=True)
    r = isdc_schedule(mix8, 5000.0, Options(), opts, delays=DelayModel(tmp_path / "slow.json"))
    assert sum(x.solution.stages for x in r.baseline.regions) >= 4
    assert [x.solution.stages for x in r.schedule.regions] == [1] * len(r.schedule.regions)
    stretches = [p for it in r.iterations for p in it.picks if p.startswith("sign-off probe")]
    assert stretches[-1].startswith("sign-off probe: 1 stage(s)")
    assert float(stretches[-1].split(" at ")[1].split("x")[0]) > 3.0, stretches


def test_one_design_is_signed_off_once(mix8, tmp_path):
    """ISDC often keeps plain SDC's schedule: the same circuit is not synthesized twice."""
    ks = _run(mix8, tmp_path / "cache", iterations=0).baseline
    opts = IsdcOptions(workdir=tmp_path / "work")
    done: dict = {}
    first = signoff(mix8, ks, opts, "a", 2000.0, done)
    again = signoff(mix8, ks, opts, "b", 2000.0, done)
    assert again == first and again is not first and len(done) == 1
    assert (tmp_path / "work" / "signoff-a").is_dir()
    assert not (tmp_path / "work" / "signoff-b").exists()


def test_a_sign_off_without_a_folder_leaves_files_only_when_it_fails(mix8, tmp_path, monkeypatch):
    """A run signs off several designs of a few MB each: without a folder to keep them in,
    they are removed once timed, but kept when a tool fails, since the error names a log."""
    from kiln.scheduler.kernel_schedule import schedule_kernel

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    ks = schedule_kernel(mix8, 2000.0, DelayModel(), Options())
    got = signoff(mix8, ks, IsdcOptions(), "a", 2000.0)
    assert got.passed and got.log == SIGNOFF_NOT_KEPT
    assert list(tmp.iterdir()) == []

    def broken(*_a, **_k):
        raise ToolError("exit status 1", tool="yosys", log="yosys.log")

    monkeypatch.setattr(synthesis, "synthesize", broken)
    with pytest.raises(ToolError):
        signoff(mix8, ks, IsdcOptions(), "b", 2000.0)
    kept = list(tmp.iterdir())
    assert len(kept) == 1 and (kept[0] / "signoff-b" / "mix8.v").is_file()


def test_a_one_op_subgraph_measures_what_characterization_says(tmp_path):
    """The baseline is honest: the per-op model is what synthesis gives for one op alone,
    register overhead counted once, so only cross-op optimization separates the two."""
    model = DelayModel()
    for opcode, width in (("add", 32), ("xor", 32), ("lt", 16)):
        op = build_op(opcode, width, False)
        rtl = subgraph_module({"y": op}, ["y"], ["y"], {})
        t = time_subgraph(
            rtl.verilog, rtl.top, len(rtl.inputs), len(rtl.outputs), model.register_overhead_ps,
            cache_dir=tmp_path,
        )  # fmt: skip
        measured = max(t.delays.values())
        assert measured == pytest.approx(model.op_delay_ps(opcode, width), rel=0.1, abs=15)


@pytest.mark.verilator
def test_kiln_compile_isdc_co_simulates_bit_exact(tmp_path, monkeypatch):
    """A schedule that chains more than summed delays allow is still emitted right."""
    from dataclasses import replace

    from kiln.api import compile_c
    from kiln.config import CompileConfig

    monkeypatch.setenv("KILN_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "mix8.c"
    src.write_text(MIX)
    isdc = IsdcOptions(signoff=False)
    opts = replace(CompileConfig.make(clock_ns=2.0, synthesize=False), isdc=isdc)
    report = compile_c(src, "mix8", tmp_path / "out", opts, progress=lambda _m: None).report()
    cosim = report["checks"]["cosim_verilator"]
    assert cosim["passed"] and cosim["calls"] == 40, cosim
    assert any(note.startswith("ISDC mix8") for note in report["notes"])
    assert report["latency"]["measured_min"] == report["latency"]["predicted"]
    plot = (tmp_path / "out" / "isdc_bits.svg").read_text()  # register bits per iteration
    assert plot.startswith("<svg") and plot.count("<rect") == len(
        json.loads((tmp_path / "out" / "isdc.json").read_text())["iterations"]
    )


def test_extraction_never_cuts_across_a_subgraph_already_timed(mix8):
    """A newer measurement replaces the older ones it overlaps: one that cut across an
    older subgraph would lose what that one found, so extraction passes over it."""
    from kiln.feedback.subgraphs import extract
    from kiln.scheduler.kernel_schedule import schedule_kernel

    ks = schedule_kernel(mix8, 2000.0, DelayModel(), Options())
    first = extract(ks, "all", "cone", 3, set(), {})
    timed: dict[int, list] = {}
    for c in first:
        timed.setdefault(c.region, []).append(c.nodes)

    def cuts(cands):
        return [c for c in cands for t in timed[c.region] if c.nodes & t and not t <= c.nodes]

    assert cuts(extract(ks, "all", "cone", 50, set()))  # unfiltered, some would cut across
    later = extract(ks, "all", "cone", 50, {(c.region, c.nodes) for c in first}, timed)
    assert later and not cuts(later)
    for a in later:  # nor do the new ones cut across each other
        for b in later:
            assert a is b or not (a.nodes & b.nodes) or a.nodes <= b.nodes or b.nodes <= a.nodes


def test_fewer_stages_cuts_the_stages_measurement_shows_are_not_needed(mix8, tmp_path):
    """Summed delays give mix8 four stages at 2 ns; measured, its chains fit in fewer."""
    opts = IsdcOptions(cache_dir=tmp_path / "cache", workdir=tmp_path / "w", fewer_stages=True)
    r = isdc_schedule(mix8, 2000.0, Options(), opts)
    before = sum(x.solution.stages for x in r.baseline.regions)
    after = sum(x.solution.stages for x in r.schedule.regions)
    assert after < before, r.format()
    assert f"{before} -> {after} stages" in r.format()
    assert r.signoff.passed, r.format()
