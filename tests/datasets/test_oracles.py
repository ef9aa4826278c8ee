"""The execution oracles on real corpus kernels: the golden text is clean, and an
out-of-bounds write, an operator swap, an endless loop and a syntax error each show as
the oracle meant for them. Plus kiln's own frontend as an oracle."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import pytest

import kiln.datasets.bugs.oracles as oracles
from kiln.base.errors import GoldenError
from kiln.datasets.bugs.oracles import (
    Golden,
    Run,
    kiln_oracle,
    output_difference,
    run_oracles,
    sanitizer_report,
)

KERNELS = Path(__file__).resolve().parents[2] / "datasets" / "kernels"
TWO_MM = KERNELS / "linalg" / "2mm.c"
GCD = KERNELS / "control" / "gcd.c"


def mutate(path: Path, old: str, new: str) -> str:
    text = path.read_text()
    assert text.count(old) == 1, f"the snippet must occur once in {path.name}: {old!r}"
    return text.replace(old, new)


def line(path: Path, snippet: str) -> int:
    """The line of `snippet` in the corpus file (the corpus may gain lines above it)."""
    text = path.read_text()
    return text.count("\n", 0, text.index(snippet)) + 1


def children() -> str:
    """This process's live children (empty when none are left), where Linux tells."""
    proc = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
    return proc.read_text().strip() if proc.exists() else ""


@pytest.mark.parametrize("path", [TWO_MM, GCD, KERNELS / "signal" / "fir.c"], ids=lambda p: p.stem)
def test_golden_text_is_clean(path, tmp_path):
    golden = Golden.for_file(path)
    assert sorted(golden.plain) == [0, 1, 2]
    assert all(r.returncode == 0 and r.stdout for r in golden.plain.values())
    verdict = run_oracles(golden, path.read_text(), tmp_path)
    assert verdict.compiled and verdict.fired == {} and verdict.clean
    assert list(tmp_path.iterdir()) == [], "the sample's scratch folder is removed"


def test_out_of_bounds_write_fires_the_sanitizer(tmp_path):
    buggy = mutate(TWO_MM, "tmp[i][j] = alpha * acc;", "tmp[i + 1][j] = alpha * acc;")
    verdict = run_oracles(Golden.for_file(TWO_MM), buggy, tmp_path)
    # what the plain build prints after undefined behaviour varies from run to run, so it
    # is no evidence: only the sanitizer's report is kept
    assert set(verdict.fired) == {"sanitizer"}
    evidence = verdict.fired["sanitizer"]
    assert evidence.startswith("seed 0: ")
    assert f"2mm.c:{line(TWO_MM, 'tmp[i][j] = alpha')}" in evidence, (
        evidence
    )  # the faulty line, in the file's own name


def test_loop_bound_past_the_end_is_located_by_asan(tmp_path):
    loop = "for (int i = 0; i < NI; i++) {\n        for (int j = 0; j < NJ; j++) {"
    buggy = mutate(TWO_MM, loop, loop.replace("i < NI", "i <= NI"))
    verdict = run_oracles(Golden.for_file(TWO_MM), buggy, tmp_path)
    assert verdict.fired["sanitizer"] == (
        "seed 0: ERROR: AddressSanitizer: global-buffer-overflow (READ of size 4) "
        f"at 2mm.c:{line(TWO_MM, 'acc += A[i][k]')} in kernel_2mm"
    )


def test_a_program_with_undefined_behaviour_runs_the_same_every_time(tmp_path):
    """Address randomization off and a fixed environment: the plain build of an
    out-of-bounds write reads the same memory on every run, so verdicts repeat."""
    buggy = mutate(TWO_MM, "tmp[i][j] = alpha * acc;", "tmp[i + 3][j + 5] = alpha * acc;")
    runs = []
    for n in range(2):
        work = tmp_path / f"b{n}"
        work.mkdir()
        exe = oracles._build(buggy, "2mm.c", work).plain
        runs.append(oracles._run_seeds(exe, {0: 2.0, 1: 2.0, 2: 2.0}, work, oracles._RUN_ENV))
    assert [(r.stdout, r.returncode) for r in runs[0].values()] == [
        (r.stdout, r.returncode) for r in runs[1].values()
    ]


# Reads 256 bytes past a local array of main (through a pointer, which no bounds check
# sees): into the frames that start main, where the C library keeps values mangled with a
# pointer guard that is random per run.
READS_ABOVE_MAIN = """\
#include <stdio.h>
#include <stdint.h>

static uint32_t at(const uint32_t *p, int i)
{
    return p[i];
}

int main(void)
{
    uint32_t a[4] = {1, 2, 3, 4};
    uint32_t h = 0;
    for (int i = 0; i < 64; i++)
        h = h * 31u + at(a, i);
    printf("%08x\\n", (unsigned)h);
    return 0;
}
"""


def test_reading_past_mains_locals_gives_the_same_output_on_every_run(tmp_path):
    outputs = set()
    for n in range(6):
        work = tmp_path / f"b{n}"
        work.mkdir()
        built = oracles._build(READS_ABOVE_MAIN, "above.c", work)
        for exe, env in ((built.plain, oracles._RUN_ENV), (built.sanitized, oracles._SAN_ENV)):
            run = oracles._run_seeds(exe, {0: 2.0}, work, env)[0]
            outputs.add((exe.name, run.stdout, run.returncode))
    assert len(outputs) == 2, outputs  # one result per build kind


def test_operator_swap_fires_csim_output(tmp_path):
    buggy = mutate(TWO_MM, "acc += A[i][k] * B[k][j];", "acc += A[i][k] + B[k][j];")
    verdict = run_oracles(Golden.for_file(TWO_MM), buggy, tmp_path)
    assert set(verdict.fired) == {"csim-output"}
    assert verdict.fired["csim-output"].startswith("seed 0: line 1: expected ")


def test_endless_loop_fires_hang_within_the_cpu_time_limit(tmp_path):
    buggy = mutate(GCD, "        y = r;\n", "        y = y;\n")
    golden = Golden.for_file(GCD)
    before = children()  # other tests in this worker may have left helpers (Ray) running
    start, cpu = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    verdict = run_oracles(golden, buggy, tmp_path, seeds=(0, 1), min_timeout_s=0.5)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert time.monotonic() - start < 10
    # Four hung runs (two seeds, plain and sanitized) at 0.5 s each, plus two compiles: the
    # limit is not rounded up to whole seconds (4 s), which made hangs most of a build.
    assert used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime < 3.5
    assert set(verdict.fired) == {"hang"}
    assert verdict.fired["hang"].startswith("seed 0: no exit within the CPU time limit")
    assert children() == before, "the hung program's process group is killed and reaped"


def test_division_by_zero_fires_the_sanitizer(tmp_path):
    buggy = mutate(GCD, "uint32_t r = x % y;", "uint32_t r = x % (y - y);")
    verdict = run_oracles(Golden.for_file(GCD), buggy, tmp_path)
    n = line(GCD, "uint32_t r = x % y;")
    assert verdict.fired["sanitizer"] == f"seed 0: gcd.c:{n}:24: runtime error: division by zero"


def test_a_crash_the_sanitizer_explains_is_not_also_an_output_difference(tmp_path):
    buggy = mutate(GCD, "    return x;\n}", "    *(volatile int *)0 = 1;\n    return x;\n}")
    verdict = run_oracles(Golden.for_file(GCD), buggy, tmp_path, seeds=(0,))
    assert set(verdict.fired) == {"sanitizer"}
    n = line(GCD, "    return x;\n}")  # the inserted store takes the return's line
    assert verdict.fired["sanitizer"].startswith(f"seed 0: gcd.c:{n}:")


def test_syntax_error_does_not_compile(tmp_path):
    buggy = mutate(TWO_MM, "tmp[i][j] = alpha * acc;", "tmp[i][j] = alpha * acc")
    verdict = run_oracles(Golden.for_file(TWO_MM), buggy, tmp_path)
    assert not verdict.compiled and not verdict.clean
    assert verdict.fired["compile"].startswith(f"2mm.c:{line(TWO_MM, 'tmp[i][j] = alpha')}:")
    assert "error:" in verdict.fired["compile"]


def test_warnings_are_recorded_and_run_false_only_compiles(tmp_path):
    buggy = mutate(GCD, "uint32_t r = x % y;", "uint32_t r = x % y; int unused;")
    verdict = run_oracles(Golden.for_file(GCD), buggy, tmp_path, run=False)
    assert verdict.compiled and verdict.fired == {}
    assert any(
        "unused variable" in w and w.startswith(f"gcd.c:{line(GCD, 'uint32_t r = x % y;')}:")
        for w in verdict.warnings
    )
    endless = mutate(GCD, "        y = r;\n", "        y = y;\n")
    assert run_oracles(Golden.for_file(GCD), endless, tmp_path, run=False).fired == {}


def test_golden_runs_are_shared_by_text():
    text = GCD.read_text()
    a, b = Golden(text, str(GCD)), Golden(text, "gcd.c")
    assert a.name == "gcd.c" and a.plain is b.plain


def test_a_failing_golden_is_refused():
    text = GCD.read_text().replace("    return x;\n}", "    return x + 1;\n}")
    with pytest.raises(GoldenError, match="golden gcd.c on seed 0: exit status 1"):
        Golden(text, "gcd.c", seeds=(0,))


def test_kiln_oracle():
    text = TWO_MM.read_text()
    assert kiln_oracle(text, "kernel_2mm") is None
    bad = text.replace("factor=2 dim=2", "factor=2 dim=3")
    msg = kiln_oracle(bad, "kernel_2mm")
    assert (
        msg == f"kernel_2mm.c:{line(TWO_MM, 'factor=2 dim=2')}:9: #pragma HLS array_partition: "
        "dim=3 but 'tmp' has 2 dimension(s)"
    )


def test_output_difference():
    golden = Run("a\nchecksum: 1\n", 0, "", 0.0)
    assert output_difference(golden, Run("a\nchecksum: 1\n", 0, "", 0.0)) is None
    assert output_difference(golden, Run("a\nchecksum: 2\n", 0, "", 0.0)) == (
        "line 2: expected 'checksum: 1', got 'checksum: 2'"
    )
    assert output_difference(golden, Run("a\n", 0, "", 0.0)) == (
        "line 2: expected 'checksum: 1', got '<end of output>'"
    )
    assert output_difference(golden, Run(golden.stdout, 1, "", 0.0)) == "exit status 1, expected 0"
    assert output_difference(golden, Run(golden.stdout, -11, "", 0.0)) == (
        "killed by SIGSEGV, output otherwise equal"
    )


def test_sanitizer_report_masks_addresses():
    asan = """=================================================================
==4242==ERROR: AddressSanitizer: stack-buffer-overflow on address 0x7ffd5e3c1a40 at pc 0x55
WRITE of size 4 at 0x7ffd5e3c1a40 thread T0
    #0 0x55d4c3b2a1f0 in kernel_2mm /tmp/x/sample-1/2mm.c:31
    #1 0x55d4c3b2a9aa in main /tmp/x/sample-1/2mm.c:120
"""
    assert sanitizer_report(asan) == (
        "ERROR: AddressSanitizer: stack-buffer-overflow (WRITE of size 4) at 2mm.c:31 in kernel_2mm"
    )
    ub = "2mm.c:31:20: runtime error: load of misaligned address 0x55d4c3b2a1f0 for type 'int'\n"
    assert sanitizer_report(ub) == (
        "2mm.c:31:20: runtime error: load of misaligned address 0x... for type 'int'"
    )
    assert sanitizer_report("checksum: 1\n") is None
