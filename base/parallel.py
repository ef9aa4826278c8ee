"""Run independent jobs on a local process pool or on Ray, one way for every flow that
fans out (dataset builds, ISDC subgraph timing).

`run_all` yields (index, result) as jobs finish, so a caller can record progress and
keep the order it needs. Ray is used when asked for: it joins the cluster at `address`
(or starts a local instance of `workers` CPUs, stopped again afterwards).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from kiln.base.errors import KilnError

EXECUTORS = ("process", "ray")


def check_executor(executor: str) -> None:
    if executor not in EXECUTORS:
        raise KilnError(f"unknown executor '{executor}'", hint="use process or ray")


def run_all(
    fn: Callable,
    args: Sequence[tuple],
    workers: int,
    executor: str = "process",
    address: str | None = None,
) -> Iterator[tuple[int, object]]:
    """fn(*args[i]) for every i, as (i, result) in the order they finish. `fn` must be a
    module-level function and its arguments picklable."""
    check_executor(executor)
    if executor == "ray":
        yield from _ray(fn, args, workers, address)
    elif workers <= 1 or len(args) <= 1:
        for i, a in enumerate(args):
            yield i, fn(*a)
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(args))) as pool:
            futures = {pool.submit(fn, *a): i for i, a in enumerate(args)}
            for f in as_completed(futures):
                yield futures[f], f.result()


def _ray(fn: Callable, args: Sequence[tuple], workers: int, address: str | None):
    try:
        import ray
    except ImportError as err:
        raise KilnError("the ray executor needs Ray", hint="pip install ray") from err
    started = not ray.is_initialized()
    if started and address:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    elif started:
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    try:
        remote = ray.remote(fn)
        refs = {remote.remote(*a): i for i, a in enumerate(args)}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                yield refs[ref], ray.get(ref)
    finally:
        if started:  # a Ray instance started for this call is ours to stop
            ray.shutdown()
