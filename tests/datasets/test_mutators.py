"""The bug taxonomy and the mutators: exact edits on small kernels, and over the whole corpus
determinism, kernel-line confinement, compilability and (for CLEAN) unchanged behaviour."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from kiln.datasets.bugs import mutators
from kiln.datasets.bugs.model import KernelSource, apply_edits, line_of
from kiln.datasets.bugs.mutators import MUTATORS, candidates, clean_rewrites, kernel_source
from kiln.datasets.bugs.taxonomy import TYPES

ROOT = Path(mutators.__file__).parents[1] / "kernels"
MANIFEST = json.loads((ROOT / "manifest.json").read_text())["kernels"]
CODES = list(TYPES)

VECTOR = """\
#include <stdint.h>
#include <stdio.h>
#define N 8

static int32_t scale(int32_t v)
{
    return v << 2;
}

void top(const uint8_t x[N], int32_t y[N], int32_t k)
{
    int32_t acc = 0;
    int32_t buf[N];
    for (int i = 0; i < N; i++) {
#pragma HLS pipeline II=1
        buf[i] = scale(x[i]) + x[N - 1 - i];
        acc += buf[i] * k;
    }
    for (int i = 0; i < N; i++)
        y[i] = acc / N + buf[i];
}

int main(void)
{
    uint8_t x[N];
    int32_t y[N];
    for (int i = 0; i < N; i++)
        x[i] = (uint8_t)(200 + i);
    top(x, y, 3);
    printf("checksum: %d\\n", y[0] + y[N - 1]);
    return 0;
}
"""

MATRIX = """\
#include <stdint.h>
#define R 4

void mat(const int16_t A[R][R], int16_t B[R][R], int32_t s[R])
{
    for (int i = 0; i < R; i++) {
        int32_t t = 0;
        for (int j = 0; j < R; j++) {
#pragma HLS pipeline II=1
            B[j][i] = A[i][j];
            t += A[i][j] >> 1;
        }
        s[i] = t;
    }
}

int main(void)
{
    return 0;
}
"""


def _source(tmp_path: Path, text: str, top: str) -> KernelSource:
    (tmp_path / "k.c").write_text(text)
    entry = {"name": top, "file": "k.c", "top": top, "family": "test"}
    return kernel_source(entry, tmp_path)


@pytest.fixture
def vector(tmp_path) -> KernelSource:
    return _source(tmp_path, VECTOR, "top")


@pytest.fixture
def matrix(tmp_path) -> KernelSource:
    return _source(tmp_path, MATRIX, "mat")


def _new_lines(src: KernelSource, code: str) -> list[set[str]]:
    """For each candidate, the (stripped) lines of the mutated file not in the golden one."""
    muts = clean_rewrites(src) if code == "CLEAN" else candidates(src, code)
    gold = set(src.text.splitlines())
    return [
        {ln.strip() for ln in apply_edits(src.text, m.edits).splitlines() if ln not in gold}
        for m in muts
    ]


def _has(src: KernelSource, code: str, *lines: str) -> bool:
    return any(set(lines) <= new for new in _new_lines(src, code))


# ---- taxonomy ----


def test_taxonomy_has_the_22_codes_with_their_fields():
    assert len(TYPES) == 22
    assert set(TYPES) == set(MUTATORS)
    assert sum(t.chrysalis for t in TYPES.values()) == 18
    assert {c for c, t in TYPES.items() if not t.chrysalis} == {"OPS", "IDX", "OBO", "TRUNC"}
    for code, t in TYPES.items():
        assert t.code == code and t.name and t.definition and "after" in t.example
        assert (t.kind == "pragma") == (t.observability == "static-pragma")
    assert TYPES["OOB"].observability == "sanitizer"
    assert TYPES["INF"].observability == "hang"
    assert TYPES["ZERO"].observability == "sanitizer"


def test_unknown_code_is_refused(vector):
    with pytest.raises(KeyError, match="no mutator for bug type 'XYZ'"):
        candidates(vector, "XYZ")


# ---- kernel source ----


def test_kernel_lines_cover_callees_and_not_the_testbench(vector):
    lines = VECTOR.splitlines()
    first, last = vector.kernel_lines
    assert lines[first - 1] == "static int32_t scale(int32_t v)"
    assert lines[last - 1] == "}" and lines[last] == ""
    assert "int main(void)" not in lines[first - 1 : last]


def test_kernel_lines_include_used_globals(tmp_path):
    text = (
        "const int T[2] = {1, 2};\nint f(int i)\n{\n    return T[i];\n}\n"
        "int main(void)\n{\n    return f(0);\n}\n"
    )
    assert _source(tmp_path, text, "f").kernel_lines == (1, 5)


# ---- functional mutators on snippets ----


def test_oob(vector):
    assert _has(vector, "OOB", "for (int i = 0; i <= N; i++) {")
    assert _has(vector, "OOB", "buf[i + 1] = scale(x[i]) + x[N - 1 - i];")
    assert _has(vector, "OOB", "y[i - 1] = acc / N + buf[i];")


def test_init(vector):
    assert _has(vector, "INIT", "int32_t acc = 1;")
    assert _has(vector, "INIT", "int32_t acc;")


def test_shft(vector):
    assert _has(vector, "SHFT", "return v >> 2;")
    assert _has(vector, "SHFT", "return v << 3;")
    assert _has(vector, "SHFT", "return v << 1;")


def test_inf(vector):
    assert _has(vector, "INF", "for (int i = 0; i < N; ) {")
    assert _has(vector, "INF", "for (int i = 0; i < N; i--) {")


def test_use(vector):
    assert _has(vector, "USE", "buf[i] = scale((int8_t)x[i]) + x[N - 1 - i];")
    assert _has(vector, "USE", "void top(const int8_t x[N], int32_t y[N], int32_t k)")


def test_mlu(vector):
    assert _has(vector, "MLU", "for (int i = 0; i < N; i += 2) {")


def test_zero(vector):
    assert _has(vector, "ZERO", "y[i] = acc / i + buf[i];")


def test_buf(vector):
    assert _has(vector, "BUF", "for (int i = 0; i < N / 2; i++) {")
    assert _has(vector, "BUF", "for (int i = N / 2; i < N; i++) {")
    assert _has(vector, "BUF", "int32_t buf[N / 2];")


def test_ops(vector):
    assert _has(vector, "OPS", "acc -= buf[i] * k;")
    assert _has(vector, "OPS", "acc += buf[i] + k;")
    assert _has(vector, "OPS", "buf[i] = scale(x[i]) - x[N - 1 - i];")
    # loop headers and array sizes are left to the loop mutators
    assert not _has(vector, "OPS", "for (int i = 0; i <= N; i++) {")


def test_idx(matrix):
    assert _has(matrix, "IDX", "B[i][j] = A[i][j];")
    assert _has(matrix, "IDX", "t += A[j][j] >> 1;")


def test_obo(vector):
    assert _has(vector, "OBO", "for (int i = 0; i < N - 1; i++) {")
    assert _has(vector, "OBO", "for (int i = 1; i < N; i++) {")


def test_trunc(vector):
    assert _has(vector, "TRUNC", "int16_t acc = 0;")
    assert _has(vector, "TRUNC", "acc += (int16_t)(buf[i] * k);")


# ---- pragma mutators on snippets ----


def test_apt(vector):
    assert _has(vector, "APT", "#pragma HLS array_partition variable=buf type=cyclic dim=1")


def test_fnd(vector):
    assert _has(
        vector, "FND", "#pragma HLS array_partition variable=buf type=cyclic factor=3 dim=1"
    )


def test_did(matrix):
    assert _has(matrix, "DID", "#pragma HLS array_partition variable=A type=complete dim=3")


def test_dfp(vector):
    assert _has(vector, "DFP", "#pragma HLS dataflow")


def test_idap_only_on_non_sequential_arrays(vector):
    assert _has(vector, "IDAP", "#pragma HLS interface mode=ap_fifo port=x")
    assert not any("port=y" in ln for new in _new_lines(vector, "IDAP") for ln in new)


def test_ramb(vector):
    texts = [
        m.edits[0].text for m in candidates(vector, "RAMB") if "variable=buf" in m.edits[0].text
    ]
    assert texts == [
        f"    #pragma HLS bind_storage variable=buf type=ram_1p impl={impl}\n"
        for impl in ("bram", "lutram", "uram")
    ]  # buf is written: single-port RAMs only, no ROM
    (m, *_) = [m for m in candidates(vector, "RAMB") if "variable=buf" in m.edits[0].text]
    assert (
        line_of(vector.text, m.edits[0].start)
        == VECTOR.splitlines().index("    int32_t buf[N];") + 2
    )


def test_sma(vector):
    assert _has(vector, "SMA", "#pragma HLS interface mode=m_axi port=k")
    assert _has(vector, "SMA", "#pragma HLS interface mode=ap_none port=x")


def test_ams(vector):
    assert _has(vector, "AMS", "#pragma HLS array_partition variable=acc type=complete dim=1")
    assert _has(vector, "AMS", "#pragma HLS array_partition variable=i type=complete dim=1")


def test_mlp(matrix):
    found = candidates(matrix, "MLP")
    texts = sorted(m.edits[0].text.strip() for m in found)
    assert texts == [
        "#pragma HLS pipeline",
        "#pragma HLS pipeline II=1",
        "#pragma HLS pipeline II=2",
    ]
    for m in found:
        (e,) = m.edits
        assert e.text.startswith("        #pragma HLS pipeline")
        assert apply_edits(MATRIX, m.edits).count("pipeline") == 2


def test_ilnu(vector):
    assert _has(vector, "ILNU", "#pragma HLS unroll factor=3")
    assert _has(vector, "ILNU", "#pragma HLS unroll factor=9")


def test_pragma_mutations_insert_whole_lines(vector):
    for code in ("APT", "FND", "DID", "DFP", "IDAP", "RAMB", "SMA", "AMS", "ILNU"):
        for m in candidates(vector, code):
            for e in m.edits:
                assert e.start == e.end and e.text.endswith("\n")
                assert e.text.strip().startswith("#pragma HLS")
                assert vector.text[e.start - 1] == "\n"


def test_existing_pragmas_are_edited(matrix, tmp_path):
    text = MATRIX.replace(
        "{\n    for (int i",
        "{\n#pragma HLS array_partition variable=B type=cyclic factor=2 dim=1\n    for (int i",
        1,
    )
    src = _source(tmp_path, text, "mat")
    assert _has(src, "FND", "#pragma HLS array_partition variable=B type=cyclic factor=3 dim=1")
    assert _has(src, "DID", "#pragma HLS array_partition variable=B type=cyclic factor=2 dim=3")
    assert _has(src, "APT", "#pragma HLS array_partition variable=B type=cyclic dim=1")


# ---- clean rewrites on snippets ----


def test_clean(vector):
    assert _has(vector, "CLEAN", "for (int i = 0; i < N; ++i) {")
    assert _has(vector, "CLEAN", "acc = acc + (buf[i] * k);")
    assert _has(vector, "CLEAN", "int32_t acc_r = 0;", "acc_r += buf[i] * k;")
    assert all(m.type == "CLEAN" for m in clean_rewrites(vector))


# ---- the corpus ----


@pytest.fixture(scope="module")
def corpus() -> list[KernelSource]:
    return [kernel_source(e, ROOT) for e in sorted(MANIFEST, key=lambda e: e["name"])]


RARE = {"ZERO": 5, "RAMB": 10, "MLP": 10}  # need a division / a pipelined loop


@pytest.mark.parametrize("code", CODES)
def test_every_type_has_candidates_on_the_corpus(corpus, code):
    kernels = sum(bool(candidates(src, code)) for src in corpus)
    assert kernels >= RARE.get(code, 20), f"{code}: candidates on only {kernels} kernels"


def test_candidates_are_deterministic_and_inside_the_kernel(corpus):
    first = {(s.name, c): candidates(s, c) for s in corpus for c in CODES}
    mutators._facts.cache_clear()
    for src in corpus:
        lo, hi = src.kernel_lines
        for code in CODES:
            muts = candidates(src, code)
            assert muts == first[src.name, code], (src.name, code)
            assert muts == sorted(muts, key=lambda m: m.span())
            for m in muts:
                assert m.type == code and m.note
                assert apply_edits(src.text, m.edits) != src.text
                for e in m.edits:
                    assert lo <= line_of(src.text, e.start) <= hi, (src.name, m)
                    assert line_of(src.text, max(e.start, e.end - 1)) <= hi, (src.name, m)


def _sample(corpus, code: str) -> list[tuple[KernelSource, object]]:
    """Three candidates (first, middle, last) on each of ten kernels spread over the corpus."""
    out = []
    for src in corpus[:: max(1, len(corpus) // 10)][:10]:
        muts = clean_rewrites(src) if code == "CLEAN" else candidates(src, code)
        for k in sorted({0, len(muts) // 2, len(muts) - 1}) if muts else []:
            out.append((src, muts[k]))
    return out


@pytest.mark.parametrize("code", [*CODES, "CLEAN"])
def test_sampled_candidates_compile(corpus, code, tmp_path):
    files = []
    for k, (src, m) in enumerate(_sample(corpus, code)):
        p = tmp_path / f"{src.name}_{k}.c"
        p.write_text(apply_edits(src.text, m.edits))
        files.append(str(p))
    if not files:
        pytest.skip(f"no {code} candidates in the sample")
    run = subprocess.run(
        ["gcc", "-fsyntax-only", "-std=gnu99", *files], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[:2000]


def _run(text: str, work: Path, tag: str) -> str:
    c, exe = work / f"{tag}.c", work / tag
    c.write_text(text)
    subprocess.run(["gcc", "-std=gnu99", "-O0", "-o", exe, c, "-lm"], check=True)
    run = subprocess.run([exe], capture_output=True, text=True, timeout=30)
    return f"exit {run.returncode}\n{run.stdout}"


def test_clean_rewrites_keep_the_testbench_output(corpus, tmp_path):
    for src in corpus[::7]:
        muts = clean_rewrites(src)
        assert muts, src.name
        gold = _run(src.text, tmp_path, "gold")
        for m in muts[:: max(1, len(muts) // 3)]:
            assert _run(apply_edits(src.text, m.edits), tmp_path, "clean") == gold, (src.name, m)
