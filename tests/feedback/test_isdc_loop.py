"""The ISDC loop on a fake synthesizer (`fake_synth`): it converges, its register objective
never rises, sign-off failures are retried with a growing clock margin and reported when
they persist, and a user library's delays are measured once per point. No tool runs: these
tests take milliseconds and need no Yosys."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from fake_synth import FakeSynth, FakeTarget, pair_delays  # noqa: E402

from kiln.feedback import library_delays  # noqa: E402
from kiln.feedback.isdc import IsdcOptions, isdc_schedule  # noqa: E402
from kiln.ir import parse_kernel  # noqa: E402
from kiln.scheduler.delay_model import DelayModel  # noqa: E402
from kiln.scheduler.regions import Options  # noqa: E402

# Eight 32-bit values mixed by two levels of add/xor: summed per-op delays put about one
# add per stage at 1.6 ns; the fake "synthesis" chains them in 60% of that.
MIX = """kernel @mix(in %a: u32, in %b: u32, in %c: u32, in %d: u32, out @y: u32) {
  %k3 = const 3 : u32
  %0 = shl %b, %k3 : u32
  %1 = xor %a, %0 : u32
  %2 = add %1, %c : u32
  %3 = add %2, %d : u32
  %4 = xor %3, %a : u32
  %5 = add %4, %b : u32
  %6 = add %5, %2 : u32
  %7 = xor %6, %3 : u32
  %8 = add %7, %c : u32
  write @y, %8
}
"""
CLOCK_PS = 1600.0


def run(fake: FakeSynth, **options):
    target = FakeTarget("liberty", None, fake)
    opts = IsdcOptions(target=target, workers=1, **options)
    return isdc_schedule(parse_kernel(MIX), CLOCK_PS, Options(), opts, DelayModel())


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KILN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_the_fake_times_the_longest_chain_of_a_subgraph():
    verilog = """  assign n0 = (rin0_q + rin1_q);
  assign n1 = (n0 ^ rin1_q);
  assign n2 = n1[7:0];
    rout0_q <= n0;
    rout1_q <= n2;
"""
    assert pair_delays(verilog, 1.0) == {(0, 0): 250.0, (1, 0): 250.0, (0, 1): 290.0, (1, 1): 290.0}


def test_the_loop_cuts_registers_at_the_same_stages_and_converges(cache):
    fake = FakeSynth()
    r = run(fake, iterations=50, signoff=False)
    assert [x.solution.stages for x in r.schedule.regions] == [
        x.solution.stages for x in r.baseline.regions
    ]
    assert r.baseline.regions[0].solution.stages >= 3
    assert r.schedule.register_bits < r.baseline.register_bits
    # converged: it stopped on its own, well before the cap, when nothing was left to time
    assert 1 < len(r.iterations) < 51
    assert fake.timed == sum(it.synth_calls for it in r.iterations) > 0
    for rs in r.schedule.regions:
        rs.region.problem.verify(rs.solution)


def test_the_iteration_cap_holds(cache):
    r = run(FakeSynth(), iterations=1, signoff=False)
    assert len(r.iterations) == 2  # plain SDC, then one round


def test_the_register_objective_never_rises(cache):
    r = run(FakeSynth(), iterations=8, signoff=False)
    bits = [it.register_bits for it in r.iterations]
    assert all(later <= earlier for earlier, later in zip(bits, bits[1:], strict=False)), bits
    assert bits[-1] == r.schedule.register_bits


def test_a_warm_cache_times_nothing_and_gives_the_same_schedule(cache):
    first = run(FakeSynth(), signoff=False)
    fake = FakeSynth()
    again = run(fake, signoff=False)
    assert fake.timed == 0 and sum(it.cache_hits for it in again.iterations) > 0
    cycles = [[r.solution.cycles for r in x.schedule.regions] for x in (first, again)]
    assert cycles[0] == cycles[1]
    assert again.to_json()["isdc_register_bits"] == first.to_json()["isdc_register_bits"]


def test_a_failed_sign_off_is_retried_with_a_margin_until_it_passes(cache):
    # plain SDC meets timing; ISDC's schedule misses by 80 ps, then (rescheduled) meets it
    fake = FakeSynth(slacks=[25.0, -80.0, 12.0])
    r = run(fake)
    assert r.baseline_signoff.passed
    assert r.signoff.passed and r.signoff.attempts == 2 and r.signoff.slack_ps == 12.0
    assert r.margin_ps == pytest.approx(80.0 + 0.01 * CLOCK_PS)
    retry = r.iterations[-1]
    assert retry.picks[0] == "sign-off: every stage" and retry.timed > 0


def test_a_sign_off_that_keeps_failing_says_so_after_the_retries(cache):
    fake = FakeSynth(slacks=[25.0, -80.0])  # the last answer repeats
    r = run(fake, signoff_retries=2)
    assert not r.signoff.passed and r.signoff.attempts == 3
    assert len(fake.signed_off) == 4  # plain SDC, ISDC, two retries
    assert "sign-off" in r.format() and "-80" in r.format()


def test_a_user_library_is_measured_once_per_point(tmp_path, monkeypatch):
    """`--target liberty:FILE` characterizes the points the kernel needs, then reuses them."""
    lib = tmp_path / "mine.lib"
    lib.write_text("library (mine) { }\n")
    target = FakeTarget("liberty", lib, FakeSynth())
    measured: list[str] = []

    def fake_measure(target, jobs, overhead, workers, root, progress=None):
        measured.extend(j.label for j in jobs)
        return {j: 100.0 + j.width for j in jobs}

    monkeypatch.setattr(library_delays, "measure_jobs", fake_measure)
    monkeypatch.setattr(library_delays, "measure_register_overhead", lambda t, w: 90.0)
    kernel = parse_kernel(MIX)
    model = library_delays.library_delay_model(target, kernel, cache_dir=tmp_path / "c")
    assert sorted(set(measured)) == ["add_u32", "shl_u32", "xor_u32"]  # the kernel's ops only
    assert model.register_overhead_ps == 90.0
    assert model.op_delay_ps("add", 32) == 132.0
    again = library_delays.library_delay_model(target, kernel, cache_dir=tmp_path / "c")
    assert len(measured) == 3 and again.op_delay_ps("xor", 32) == 132.0  # nothing re-measured
    wider = parse_kernel(MIX.replace("u32", "u16"))
    library_delays.library_delay_model(target, wider, cache_dir=tmp_path / "c")
    assert sorted(measured[3:]) == ["add_u16", "shl_u16", "xor_u16"]  # only the new points
