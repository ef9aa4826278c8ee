"""C outside the supported subset, or malformed C, is refused by `kiln c` with one
`error: FILE:LINE:COL: message` line (and maybe a `  hint: ...` line) on stderr and exit
status 1: never a Python traceback, never silently accepted.

Each case is a small kernel `k` written to `k.c`; the expected line (and column, where the
frontend gives one that points at the construct) is counted by hand from the source below,
line 1 being the first line of the snippet.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiln.cli import main


@dataclass(frozen=True)
class Case:
    source: str
    line: int
    col: int | None  # None: only the line is checked
    words: tuple[str, ...]  # each must appear (case-insensitively) in the message line


def case(id_: str, source: str, line: int, col: int | None, *words: str):
    return pytest.param(Case(textwrap.dedent(source), line, col, words), id=id_)


CASES = [
    # ---- functions and calls ---------------------------------------------------------
    case(
        "recursion",
        """\
        int f(int n) {
            if (n <= 1) return 1;
            return n * f(n - 1);
        }
        int k(int n) {
            return f(n);
        }
        """,
        3,
        16,
        "recursive",
        "'f'",
    ),
    case(
        "malloc",
        """\
        #include <stdlib.h>
        void k(int a[8]) {
            a[0] = malloc(8) != 0;
        }
        """,
        3,
        12,
        "malloc",
        "dynamic allocation",
    ),
    case(
        "malloc_into_local_pointer",
        """\
        #include <stdlib.h>
        void k(int a[8]) {
            int *buf = malloc(8 * sizeof(int));
            a[0] = 0;
        }
        """,
        3,
        9,
        "pointer",
        "'buf'",
    ),
    case(
        "free",
        """\
        #include <stdlib.h>
        void k(int a[8]) {
            free(a);
        }
        """,
        3,
        5,
        "free",
        "dynamic allocation",
    ),
    case(
        "function_pointer_variable",
        """\
        int g(int x) { return x + 1; }
        int k(int x) {
            int (*fp)(int) = g;
            return fp(x);
        }
        """,
        3,
        10,
        "function pointer",
    ),
    case(
        "function_used_as_value",
        """\
        int g(int x) { return x + 1; }
        int k(int x) {
            return x + (g != 0);
        }
        """,
        3,
        17,
        "function 'g' used as a value",
    ),
    case(
        "call_through_function_pointer",
        """\
        int g(int x) { return x + 1; }
        int k(int x) {
            return (*g)(x);
        }
        """,
        3,
        None,
        "call through a function pointer",
    ),
    case(
        "function_pointer_parameter",
        """\
        int k(int (*f)(int), int x) {
            return f(x);
        }
        """,
        1,
        12,
        "function pointer",
    ),
    case(
        "printf",
        """\
        #include <stdio.h>
        int k(int x) {
            printf("%d", x);
            return x;
        }
        """,
        3,
        5,
        "printf",
    ),
    case(
        "undefined_function_sqrt",
        """\
        #include <math.h>
        double k(double x) {
            return sqrt(x);
        }
        """,
        3,
        12,
        "'sqrt'",
        "not defined",
    ),
    case(
        "wrong_argument_count",
        """\
        int g(int a, int b) { return a + b; }
        int k(int x) {
            return g(x);
        }
        """,
        3,
        12,
        "'g' takes 2 argument(s), got 1",
    ),
    case(
        "variadic_kernel",
        """\
        int k(int x, ...) {
            return x;
        }
        """,
        1,
        14,
        "variadic",
        "'k'",
    ),
    case(
        "variadic_callee",
        """\
        int g(int n, ...) { return n; }
        int k(int x) {
            return g(x, 1);
        }
        """,
        1,
        14,
        "variadic",
        "'g'",
    ),
    case(
        "knr_definition",
        """\
        int k(x)
            int x;
        {
            return x;
        }
        """,
        1,
        None,
        "K&R",
    ),
    case(
        "returns_struct",
        """\
        struct p { int x; };
        struct p k(int x) {
            struct p r;
            r.x = x;
            return r;
        }
        """,
        2,
        10,
        "returns struct p",
    ),
    case(
        "void_function_returns_value",
        """\
        void k(int a[4]) {
            a[0] = 1;
            return 3;
        }
        """,
        3,
        5,
        "void but returns a value",
    ),
    # ---- control flow ------------------------------------------------------------------
    case(
        "goto",
        """\
        int k(int x) {
            if (x > 0)
                goto out;
            x = -x;
        out:
            return x;
        }
        """,
        3,
        9,
        "goto",
    ),
    case(
        "label",
        """\
        int k(int x) {
            x = x + 1;
        again:
            return x;
        }
        """,
        3,
        1,
        "label",
    ),
    case(
        "break_outside_loop",
        """\
        int k(int x) {
            break;
            return x;
        }
        """,
        2,
        5,
        "break outside",
    ),
    case(
        "switch_on_float",
        """\
        int k(float x) {
            switch (x) {
            case 1: return 1;
            }
            return 0;
        }
        """,
        2,
        13,
        "switch on a non-integer",
    ),
    case(
        "duplicate_case",
        """\
        int k(int x) {
            switch (x) {
            case 1: return 1;
            case 1: return 2;
            }
            return 0;
        }
        """,
        4,
        5,
        "duplicate case value 1",
    ),
    # ---- pointers ------------------------------------------------------------------------
    case(
        "pointer_arithmetic_deref",
        """\
        int k(int a[8]) {
            return *(a + 1);
        }
        """,
        2,
        None,
        "pointer arithmetic",
    ),
    case(
        "pointer_arithmetic_argument",
        """\
        int sum(int v[4]) { return v[0] + v[1]; }
        int k(int a[8]) {
            return sum(a + 1);
        }
        """,
        3,
        16,
        "pointer arithmetic",
        "argument",
    ),
    case(
        "pointer_increment",
        """\
        int k(int *p) {
            p++;
            return 0;
        }
        """,
        2,
        None,
        "pointer arithmetic",
    ),
    case(
        "pointer_compound_assignment",
        """\
        int k(int *p) {
            p += 1;
            return 0;
        }
        """,
        2,
        None,
        "pointer arithmetic",
    ),
    case(
        "pointer_reassigned",
        """\
        int k(int *p, int *q) {
            p = q;
            return 0;
        }
        """,
        2,
        None,
        "pointer",
    ),
    case(
        "array_parameter_increment",
        """\
        void k(int a[4]) {
            a++;
        }
        """,
        2,
        None,
        "pointer arithmetic",
    ),
    case(
        "pointer_to_pointer_parameter",
        """\
        int k(int **p) {
            return p[0][0];
        }
        """,
        1,
        12,
        "pointers to pointers",
    ),
    case(
        "scalar_pointer_indexed",
        """\
        int k(int *p, int i) {
            return p[i];
        }
        """,
        2,
        12,
        "not an array",
    ),
    case(
        "local_pointer",
        """\
        int k(int a[8]) {
            int *p;
            return a[0];
        }
        """,
        2,
        9,
        "local pointer 'p'",
    ),
    case(
        "pointer_cast",
        """\
        int k(float a[4]) {
            return ((int *)a)[0];
        }
        """,
        2,
        None,
        "cast",
    ),
    case(
        "address_taken",
        """\
        #include <stdint.h>
        int k(int x) {
            int y = x;
            return (int)(intptr_t)&y;
        }
        """,
        4,
        None,
        "taking an address",
    ),
    # ---- types -----------------------------------------------------------------------------
    case(
        "variable_length_array",
        """\
        int k(int a[8], int n) {
            int t[n];
            t[0] = a[0];
            return t[0];
        }
        """,
        2,
        11,
        "variable-length",
    ),
    case(
        "unsized_array_parameter",
        """\
        int k(int a[]) {
            return a[0];
        }
        """,
        1,
        11,
        "unknown size",
    ),
    case(
        "union",
        """\
        union u { int i; float f; };
        int k(float x) {
            union u v;
            v.f = x;
            return v.i;
        }
        """,
        3,
        None,
        "union",
    ),
    case(
        "bit_field",
        """\
        struct s { int a : 3; int b; };
        int k(int x) {
            struct s v;
            v.b = x;
            return v.b;
        }
        """,
        1,
        16,
        "bit-field 'a'",
    ),
    case(
        "long_double_variable",
        """\
        double k(double x) {
            long double y = x;
            return (double)y;
        }
        """,
        2,
        5,
        "long double",
    ),
    case(
        "long_double_literal",
        """\
        double k(double x) {
            return x * 2.0L;
        }
        """,
        2,
        None,
        "long double",
    ),
    case(
        "long_double_literal_in_constant",
        """\
        static const double c = 2.0L;
        double k(double x) {
            return x * c;
        }
        """,
        1,
        None,
        "long double",
    ),
    case(
        "local_array_of_structs",
        """\
        struct p { int x; int y; };
        int k(int i) {
            struct p ps[4];
            ps[0].x = i;
            return ps[0].x;
        }
        """,
        3,
        14,
        "local array 'ps'",
    ),
    # ---- literals and initializers -----------------------------------------------------
    case(
        "string_literal_assigned",
        """\
        int k(char s[8]) {
            s = "abc";
            return 0;
        }
        """,
        2,
        9,
        "string literal",
    ),
    case(
        "string_literal_indexed",
        """\
        int k(int x) {
            return "0123456789abcdef"[x & 15];
        }
        """,
        2,
        None,
        "string literal",
    ),
    case(
        "string_literal_argument",
        """\
        int g(const char s[4]) { return s[0]; }
        int k(int x) {
            return x + g("abc");
        }
        """,
        3,
        None,
        "string literal",
    ),
    case(
        "multi_character_constant",
        """\
        int k(int x) {
            return x + 'ab';
        }
        """,
        2,
        None,
        "character constant",
    ),
    case(
        "integer_constant_too_large",
        """\
        int k(int x) {
            return x + 99999999999999999999999;
        }
        """,
        2,
        16,
        "too large",
    ),
    case(
        "designated_initializer_array",
        """\
        int k(int i) {
            int t[4] = {[2] = 5};
            return t[i & 3];
        }
        """,
        2,
        None,
        "designated",
    ),
    case(
        "designated_initializer_struct",
        """\
        struct p { int x; int y; };
        int k(int i) {
            struct p v = {.y = i};
            return v.y;
        }
        """,
        3,
        None,
        "designated",
    ),
    case(
        "too_many_initializers",
        """\
        int k(int x) {
            int t[2] = {1, 2, 3};
            return t[x & 1];
        }
        """,
        2,
        23,
        "too many values",
    ),
    case(
        "static_with_variable_initializer",
        """\
        int k(int x) {
            static int s = x;
            return s;
        }
        """,
        2,
        20,
        "not a constant",
    ),
    case(
        "assignment_to_const_array",
        """\
        int k(int i) {
            const int t[4] = {1, 2, 3, 4};
            t[0] = i;
            return t[1];
        }
        """,
        3,
        5,
        "read-only 't'",
    ),
    case(
        "extern_inside_kernel",
        """\
        int k(int x) {
            extern int g;
            return x + g;
        }
        """,
        2,
        16,
        "extern",
    ),
    case(
        "undeclared_name",
        """\
        int k(int x) {
            return x + y;
        }
        """,
        2,
        16,
        "'y' is not declared",
    ),
    # ---- pragmas ---------------------------------------------------------------------------
    case(
        "unknown_pragma",
        """\
        void k(int a[8]) {
            for (int i = 0; i < 8; i++) {
        #pragma HLS foo
                a[i] = i;
            }
        }
        """,
        3,
        9,
        "unknown directive",
        "foo",
    ),
    case(
        "pipeline_ii_not_a_number",
        """\
        void k(int a[8]) {
            for (int i = 0; i < 8; i++) {
        #pragma HLS pipeline II=x
                a[i] = i;
            }
        }
        """,
        3,
        9,
        "pipeline",
        "ii=x is not an integer",
    ),
    case(
        "pipeline_ii_zero",
        """\
        void k(int a[8]) {
            for (int i = 0; i < 8; i++) {
        #pragma HLS pipeline II=0
                a[i] = i;
            }
        }
        """,
        3,
        9,
        "ii=0 must be at least 1",
    ),
    case(
        "pipeline_unknown_option",
        """\
        void k(int a[8]) {
            for (int i = 0; i < 8; i++) {
        #pragma HLS pipeline speed=3
                a[i] = i;
            }
        }
        """,
        3,
        9,
        "unknown option 'speed'",
    ),
    case(
        "array_partition_unknown_array",
        """\
        void k(int a[8]) {
            int buf[8];
        #pragma HLS array_partition variable=bug complete
            for (int i = 0; i < 8; i++) {
                buf[i] = i;
                a[i] = buf[i];
            }
        }
        """,
        3,
        9,
        "array_partition",
        "no array named 'bug'",
    ),
    case(
        "array_partition_without_variable",
        """\
        void k(int a[8]) {
            int buf[8];
        #pragma HLS array_partition complete
            for (int i = 0; i < 8; i++) {
                buf[i] = i;
                a[i] = buf[i];
            }
        }
        """,
        3,
        9,
        "array_partition",
        "variable=",
    ),
    case(
        "array_partition_cyclic_without_factor",
        """\
        void k(int a[8]) {
            int buf[8];
        #pragma HLS array_partition variable=buf cyclic
            buf[0] = 1;
            a[0] = buf[0];
        }
        """,
        3,
        9,
        "cyclic",
        "factor",
    ),
    case(
        "interface_without_port",
        """\
        int k(int *p) {
        #pragma HLS interface m_axi depth=4
            return p[0];
        }
        """,
        2,
        9,
        "interface",
        "port=",
    ),
    case(
        "unroll_outside_loop",
        """\
        void k(int a[8]) {
        #pragma HLS unroll
            a[0] = 1;
        }
        """,
        2,
        9,
        "unroll",
        "loop",
    ),
    # ---- syntax and preprocessing -------------------------------------------------------
    case(
        "missing_semicolon",
        """\
        int k(int x) {
            int y = x + 1
            return y;
        }
        """,
        3,  # reported at the token after the missing ';' ("before 'return'")
        5,
        "syntax error",
        "return",
    ),
    case(
        "cplusplus_reference",
        """\
        int k(int &x) {
            return x;
        }
        """,
        1,
        11,
        "syntax error",
    ),
    case(
        "missing_include",
        """\
        #include <stdint.h>
        #include "no_such_header.h"
        int k(int x) {
            return x;
        }
        """,
        2,
        10,
        "no_such_header.h",
    ),
]


def run_kiln_c(path: Path, top: str, capsys) -> tuple[int, str]:
    """`kiln c PATH --top TOP` in-process: (exit status, stderr); an exception escaping
    `main` (which would be a traceback for the user) fails the test."""
    try:
        rc = main(["c", str(path), "--top", top])
    except Exception:
        pytest.fail("kiln raised instead of reporting an error:\n" + traceback.format_exc())
    return rc, capsys.readouterr().err


def check_error_shape(err: str) -> str:
    """stderr is `error: ...` and at most one `  hint: ...` line; returns the first line."""
    assert "Traceback" not in err
    lines = err.rstrip("\n").split("\n")
    assert lines[0].startswith("error: "), err
    assert len(lines) <= 2, err
    if len(lines) == 2:
        assert lines[1].startswith("  hint: "), err
    return lines[0]


@pytest.mark.parametrize("c", CASES)
def test_c_error(c: Case, tmp_path, capsys):
    path = tmp_path / "k.c"
    path.write_text(c.source)
    rc, err = run_kiln_c(path, "k", capsys)
    assert rc == 1, f"expected an error, got exit status {rc}; stderr:\n{err}"
    first = check_error_shape(err)
    prefix = f"error: {path}:"
    assert first.startswith(prefix), err
    where = f"{c.line}:" if c.col is None else f"{c.line}:{c.col}: "
    assert first.startswith(prefix + where), f"expected k.c:{where!r} in:\n{err}"
    message = first[len(prefix) :]  # not the path: it holds the test's name
    for word in c.words:
        assert word.lower() in message.lower(), f"expected {word!r} in:\n{err}"


def test_top_function_not_defined(tmp_path, capsys):
    path = tmp_path / "k.c"
    path.write_text(
        textwrap.dedent(
            """\
            int scale(int x) { return 2 * x; }
            int offset(int x) { return x + 1; }
            int main(void) { return scale(offset(1)); }
            """
        )
    )
    rc, err = run_kiln_c(path, "k", capsys)
    assert rc == 1
    first = check_error_shape(err)
    assert first.startswith(f"error: {path}: "), err
    assert "'k'" in first[len(f"error: {path}") :], err
    hint = err.split("hint:", 1)[-1]
    assert "scale" in hint and "offset" in hint, err


def test_command_line_reports_error_without_traceback(tmp_path):
    (tmp_path / "k.c").write_text(
        textwrap.dedent(
            """\
            int k(int x) {
                if (x > 0)
                    goto out;
                x = -x;
            out:
                return x;
            }
            """
        )
    )
    script = Path(sys.executable).parent / "kiln"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "kiln"]
    result = subprocess.run(
        [*command, "c", "k.c", "--top", "k"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("error: k.c:3:9: goto"), result.stderr
