"""The static pragma checker: silent on every corpus kernel, and each rule fires on a
snippet that breaks it and stays quiet on its fixed twin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiln.datasets.bugs.pragma_check import CODES, check_pragmas

KERNELS = Path(__file__).resolve().parents[2] / "datasets" / "kernels"
MANIFEST = json.loads((KERNELS / "manifest.json").read_text())["kernels"]


@pytest.mark.parametrize("entry", MANIFEST, ids=[k["name"] for k in MANIFEST])
def test_no_finding_on_the_corpus(entry):
    text = (KERNELS / entry["file"]).read_text()
    assert check_pragmas(text, entry["file"], entry["top"]) == []
    assert check_pragmas(text, entry["file"]) == []


def codes(text: str, top: str | None = "k") -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in check_pragmas(text, "snippet.c", top)]


# Each case: (code, the broken snippet, its fixed twin). The pragma under test sits on a
# line ending in `// <-`; the finding must name that line and no other code may fire.
CASES = {
    "APT-complete-large": (
        "APT",
        """
void k(int a[100], int out[100]) {
    int buf[100];
#pragma HLS array_partition variable=buf type=complete dim=1 // <-
    for (int i = 0; i < 100; i++) buf[i] = a[i];
    for (int i = 0; i < 100; i++) out[i] = buf[i];
}
""",
        "#pragma HLS array_partition variable=buf type=cyclic factor=4 dim=1",
    ),
    "APT-no-factor": (
        "APT",
        """
void k(int a[16]) {
#pragma HLS array_partition variable=a type=block dim=1 // <-
    for (int i = 0; i < 16; i++) a[i] = i;
}
""",
        "#pragma HLS array_partition variable=a type=block factor=2 dim=1",
    ),
    "APT-factor-one": (
        "APT",
        """
void k(int a[16]) {
#pragma HLS array_partition variable=a cyclic factor=1 // <-
    for (int i = 0; i < 16; i++) a[i] = i;
}
""",
        "#pragma HLS array_partition variable=a cyclic factor=8",
    ),
    "FND": (
        "FND",
        """
#define N 10
void k(int a[N][8]) {
#pragma HLS array_partition variable=a type=cyclic factor=4 dim=1 // <-
    for (int i = 0; i < N; i++) a[i][0] = i;
}
""",
        "#pragma HLS array_partition variable=a type=cyclic factor=5 dim=1",
    ),
    "FND-all-dims": (
        "FND",
        """
void k(int a[8][6]) {
#pragma HLS array_partition variable=a type=block factor=4 dim=0 // <-
    for (int i = 0; i < 8; i++) a[i][0] = i;
}
""",
        "#pragma HLS array_partition variable=a type=block factor=2 dim=0",
    ),
    "DID": (
        "DID",
        """
void k(int a[8][6]) {
#pragma HLS array_partition variable=a type=complete dim=3 // <-
    for (int i = 0; i < 8; i++) a[i][0] = i;
}
""",
        "#pragma HLS array_partition variable=a type=complete dim=2",
    ),
    "DFP-statement": (
        "DFP",
        """
static void stage(int *x) { x[0] += 1; }
void k(int a[8], int *s) {
#pragma HLS dataflow // <-
    stage(a);
    *s = a[0];
    for (int i = 0; i < 8; i++) a[i] = 0;
}
""",
        "#pragma HLS inline off",
    ),
    "DFP-in-pipeline": (
        "DFP",
        """
static void stage(int *x) { x[0] += 1; }
void k(int a[8]) {
    for (int i = 0; i < 8; i++) {
#pragma HLS pipeline II=1
        for (int j = 0; j < 2; j++) {
#pragma HLS dataflow // <-
            stage(a);
        }
    }
}
""",
        "#pragma HLS unroll",
    ),
    "IDAP-random": (
        "IDAP",
        """
void k(const int in[16], int out[16]) {
#pragma HLS interface mode=ap_fifo port=in // <-
    for (int i = 0; i < 16; i++) out[i] = in[15 - i];
}
""",
        "#pragma HLS interface mode=ap_fifo port=out",
    ),
    "IDAP-twice": (
        "IDAP",
        """
void k(const int in[16], int out[16]) {
#pragma HLS interface axis port=in // <-
    for (int i = 0; i < 15; i++) out[i] = in[i] + in[i + 1];
}
""",
        "#pragma HLS interface ap_memory port=in",
    ),
    "IDAP-read-write": (
        "IDAP",
        """
void k(int buf[16]) {
#pragma HLS interface mode=ap_fifo port=buf // <-
    for (int i = 0; i < 16; i++) buf[i] = buf[i] * 2;
}
""",
        "#pragma HLS interface mode=m_axi port=buf",
    ),
    "RAMB": (
        "RAMB",
        """
void k(const int in[16], int out[16]) {
    int buf[16];
#pragma HLS bind_storage variable=buf type=ram_1p impl=bram // <-
    for (int i = 0; i < 16; i++) buf[i] = in[i];
    for (int i = 1; i < 16; i++) {
#pragma HLS pipeline II=1
        out[i] = buf[i] + buf[i - 1];
    }
}
""",
        "#pragma HLS bind_storage variable=buf type=ram_2p impl=bram",
    ),
    "RAMB-inner-loop": (
        "RAMB",
        """
void k(const int in[4][4], int out[4]) {
#pragma HLS bind_storage variable=in type=rom_1p impl=bram // <-
    for (int i = 0; i < 4; i++) {
#pragma HLS pipeline II=1
        int s = 0;
        for (int j = 0; j < 4; j++) s += in[i][j];
        out[i] = s;
    }
}
""",
        "#pragma HLS bind_storage variable=out type=ram_1p impl=bram",
    ),
    "SMA-memory-on-scalar": (
        "SMA",
        """
void k(int n, int a[8]) {
#pragma HLS interface mode=m_axi port=n depth=8 // <-
    for (int i = 0; i < 8; i++) a[i] = n;
}
""",
        "#pragma HLS interface mode=s_axilite port=n",
    ),
    "SMA-scalar-on-array": (
        "SMA",
        """
void k(int n, int a[8]) {
#pragma HLS interface ap_none port=a // <-
    for (int i = 0; i < 8; i++) a[i] = n;
}
""",
        "#pragma HLS interface ap_none port=n",
    ),
    "AMS-scalar": (
        "AMS",
        """
void k(int a[8]) {
    int s = 0;
#pragma HLS array_partition variable=s type=complete // <-
    for (int i = 0; i < 8; i++) s += a[i];
    a[0] = s;
}
""",
        "#pragma HLS array_partition variable=a type=complete",
    ),
    "AMS-counter": (
        "AMS",
        """
void k(int a[8]) {
    for (int i = 0; i < 8; i++) {
#pragma HLS array_reshape variable=i type=complete // <-
        a[i] = i;
    }
}
""",
        "#pragma HLS array_reshape variable=a type=complete",
    ),
    "AMS-unknown": (
        "AMS",
        """
void k(int a[8]) {
#pragma HLS bind_storage variable=nope type=ram_2p // <-
    for (int i = 0; i < 8; i++) a[i] = i;
}
""",
        "#pragma HLS bind_storage variable=a type=ram_2p",
    ),
    "MLP-inner": (
        "MLP",
        """
void k(int a[8][8]) {
    for (int i = 0; i < 8; i++) {
#pragma HLS pipeline II=1
        for (int j = 0; j < 8; j++) {
#pragma HLS pipeline II=1 // <-
            a[i][j] = i + j;
        }
    }
}
""",
        "#pragma HLS unroll",
    ),
    "MLP-outer": (
        "MLP",
        """
void k(int a[8][8]) {
    for (int i = 0; i < 8; i++) {
#pragma HLS pipeline II=1 // <-
        for (int j = 0; j < 8; j++) {
            a[i][j] = i + j;
        }
        for (int j = 0; j < 8; j++) {
#pragma HLS pipeline II=1
            a[i][j] += j;
        }
    }
}
""",
        "#pragma HLS loop_tripcount max=8",
    ),
    "ILNU-factor": (
        "ILNU",
        """
void k(int a[10]) {
    for (int i = 0; i < 10; i++) {
#pragma HLS unroll factor=4 // <-
        a[i] = i;
    }
}
""",
        "#pragma HLS unroll factor=5",
    ),
    "ILNU-too-large": (
        "ILNU",
        """
void k(int a[10]) {
    for (int i = 0; i < 10; i += 2) {
#pragma HLS unroll factor=10 // <-
        a[i] = i;
    }
}
""",
        "#pragma HLS unroll factor=5",
    ),
    "ILNU-variable-trip": (
        "ILNU",
        """
void k(int a[10], int n) {
    for (int i = 0; i < n; i++) {
#pragma HLS unroll // <-
        a[i] = i;
    }
}
""",
        "#pragma HLS loop_tripcount max=10",
    ),
}


def _marked_line(text: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.endswith("// <-"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule_fires_on_its_snippet(case):
    code, text, _ = CASES[case]
    found = codes(text)
    assert (code, _marked_line(text)) in found
    assert {c for c, _ in found} == {code}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule_quiet_on_the_fixed_snippet(case):
    _, text, fixed_pragma = CASES[case]
    lines = text.splitlines()
    n = _marked_line(text)
    lines[n - 1] = fixed_pragma
    assert codes("\n".join(lines) + "\n") == []


def test_every_code_has_a_case():
    assert {code for code, _, _ in CASES.values()} == set(CODES)


def test_mlp_names_both_pragmas_of_a_nest():
    text = """
void k(int a[8][8]) {
    for (int i = 0; i < 8; i++) {
#pragma HLS pipeline II=1
        for (int j = 0; j < 8; j++) {
#pragma HLS pipeline II=2
            a[i][j] = i + j;
        }
    }
}
"""
    assert codes(text) == [("MLP", 4), ("MLP", 6)]


def test_messages_name_the_values():
    text = CASES["FND"][1]
    (f,) = check_pragmas(text, "snippet.c", "k")
    assert f.message == "factor=4 does not divide dimension 1 of 'a' (10 elements)"
    assert str(f) == f"{f.line}: FND: {f.message}"


def test_macro_factors_are_read():
    text = """
#define N 12
#define F 8
#define G 4
void k(int a[N]) {
#pragma HLS array_partition variable=a type=cyclic factor=F
    for (int i = 0; i < N; i++) {
#pragma HLS unroll factor=G
        a[i] = i;
    }
}
"""
    assert codes(text) == [("FND", 6)]


def test_top_limits_the_functions_checked():
    text = """
void helper(int a[8]) {
#pragma HLS array_partition variable=a type=complete dim=2
    a[0] = 1;
}
void k(int a[8]) { a[0] = 0; }
"""
    assert codes(text, "k") == []
    assert codes(text, None) == [("DID", 3)]


def test_callee_accesses_count_for_a_stream():
    text = """
static int get(const int *p, int i) { return p[i] + p[0]; }
void k(const int in[8], int out[8]) {
#pragma HLS interface mode=ap_fifo port=in
    for (int i = 0; i < 8; i++) out[i] = get(in, i);
}
"""
    assert codes(text) == [("IDAP", 4)]
