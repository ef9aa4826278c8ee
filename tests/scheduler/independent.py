"""Reference computations for the scheduler tests, written apart from kiln.scheduler's code:
brute-force path delays, and the II a loop's recurrences allow, by networkx alone."""

from __future__ import annotations

import networkx as nx

from kiln.scheduler.problem import Problem


def path_delays(p: Problem) -> dict[tuple[str, str], float]:
    """The longest combinational path delay (start of a to end of b) for every pair."""
    g = nx.DiGraph()
    g.add_nodes_from(p.ops)
    g.add_edges_from((d.src, d.dst) for d in p.deps if d.chains)
    out = {}
    for a in p.ops:
        if p.ops[a].latency:
            continue
        dist = {a: p.ops[a].delay_ps}
        for x in nx.topological_sort(g.subgraph(nx.descendants(g, a) | {a})):
            if x not in dist or (x != a and p.ops[x].latency):
                continue
            for y in g.successors(x):
                dist[y] = max(dist.get(y, 0.0), dist[x] + p.ops[y].delay_ps)
        out.update({(a, b): d for b, d in dist.items() if b != a})
    return out


def recurrences_allow(p: Problem, ii: int, delays=None) -> bool:
    """True when no cycle of dependences (plus every too-long path) forbids II `ii`."""
    delays = path_delays(p) if delays is None else delays
    g = nx.DiGraph()
    g.add_nodes_from(p.ops)

    def need(u: str, v: str, w: int) -> None:  # s[v] - s[u] >= w, as a -w edge
        if not g.has_edge(u, v) or g.edges[u, v]["weight"] > -w:
            g.add_edge(u, v, weight=-w)

    for d in p.deps:
        need(d.src, d.dst, d.latency - ii * d.distance)
    for (a, b), delay in delays.items():
        if delay > p.budget_ps + 1e-6:
            need(a, b, 1)
    return not nx.negative_edge_cycle(g)


def rec_mii(p: Problem, limit: int = 256) -> int:
    delays = path_delays(p)
    for ii in range(1, limit + 1):
        if recurrences_allow(p, ii, delays):
            return ii
    raise AssertionError(f"{p.name}: no II up to {limit}")
