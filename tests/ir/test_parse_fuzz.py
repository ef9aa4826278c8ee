"""Whatever text a user feeds the parser, the answer is IR or a KilnError, never a crash."""

from __future__ import annotations

import os
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiln.base.errors import KilnError
from kiln.ir import parse, print_ir

sys.path.insert(0, os.path.dirname(__file__))
from kernel_strategies import kernels  # noqa: E402  (needs the path above)

_BIG = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
_WORDS = (
    "kernel @k ( ) { } [ ] , : = < > %a %0 @x in out inout var local const for while if else "
    'cond do to step loc "f.c" 1 -1 0x10 007 i8 u1 fixed ufixed rnd sat add mul load store '
    "read write slice hi lo partition factor dim pipeline unroll max_trip"
)
TOKENS = st.sampled_from([*_WORDS.split(" "), "\n"])


def parses_or_refuses(text: str) -> None:
    try:
        parse(text, "fuzz.kir")
    except KilnError as err:
        assert err.message  # a message a user can read; anything else escaping fails the test


@settings(max_examples=300, deadline=None)
@given(st.lists(TOKENS, max_size=60).map(" ".join))
def test_token_soup_never_crashes(text: str) -> None:
    parses_or_refuses(text)


@settings(max_examples=200, deadline=None, suppress_health_check=_BIG)
@given(kernels(max_stmts=8), st.data())
def test_mutated_valid_text_never_crashes(k, data) -> None:
    """Delete, duplicate or replace a slice of a valid kernel's text."""
    text = print_ir(k)
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, min(len(text), i + 12)))
    mutation = data.draw(st.sampled_from(["delete", "duplicate", "replace"]))
    if mutation == "delete":
        text = text[:i] + text[j:]
    elif mutation == "duplicate":
        text = text[:j] + text[i:j] + text[j:]
    else:
        text = text[:i] + data.draw(TOKENS) + text[j:]
    parses_or_refuses(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_unicode_never_crashes(text: str) -> None:
    parses_or_refuses(text)
