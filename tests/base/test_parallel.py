"""One way to fan out jobs: every result comes back once, tagged with its job's index,
on the process pool and on Ray alike, and a failing job's error reaches the caller."""

from __future__ import annotations

import posixpath

import pytest

from kiln.base.errors import KilnError
from kiln.base.parallel import run_all


def square_after(x: int, bad: int = -1) -> int:
    if x == bad:
        raise ValueError(f"job {x} failed")
    return x * x


@pytest.mark.parametrize("workers", [1, 2])
def test_every_result_comes_back_once_with_its_index(workers):
    got = dict(run_all(square_after, [(x,) for x in range(7)], workers))
    assert got == {x: x * x for x in range(7)}


def test_a_failing_job_raises_in_the_caller():
    with pytest.raises(ValueError, match="job 3 failed"):
        dict(run_all(square_after, [(x, 3) for x in range(5)], 2))


def test_an_unknown_executor_is_refused_with_a_hint():
    with pytest.raises(KilnError, match="unknown executor 'dask'"):
        list(run_all(square_after, [(1,)], 1, executor="dask"))


@pytest.mark.slow
def test_ray_gives_the_same_results_as_the_pool():
    # Ray's workers import the function by module: a library one, not this test file's
    got = dict(run_all(posixpath.join, [("d", str(x)) for x in range(5)], 2, executor="ray"))
    assert got == {x: f"d/{x}" for x in range(5)}
