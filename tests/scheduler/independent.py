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


def measured_path_delays(p: Problem) -> dict[tuple[str, str], float]:
    """Longest path delays with `p.measured` subgraphs, by enumerating every chained path:
    a run of a path inside a measured subgraph costs the measured delay from the op the
    path entered from to the run's last op; for a path that starts inside, the smaller of
    the longest summed path inside from its start to the run's end and the latest measured
    delay to that end from an input reaching its start. Subgraphs must not overlap."""
    g = nx.DiGraph()
    g.add_nodes_from(p.ops)
    g.add_edges_from((d.src, d.dst) for d in p.deps if d.chains)
    feeds = nx.DiGraph()
    feeds.add_edges_from((d.src, d.dst) for d in p.deps if d.value)
    home = {n: m for m in p.measured for n in m.nodes}

    def inputs_reaching(m, a):
        up = {a} | {u for u in nx.ancestors(g.subgraph(m.nodes), a)}
        return [x for x, _ in m.delays if x not in m.nodes and set(feeds.successors(x)) & up]

    def cost(path):
        m0 = home.get(path[0])
        i = 0
        if m0 is not None:
            j = 0
            while j + 1 < len(path) and home.get(path[j + 1]) is m0:
                j += 1
            ds = [m0.delays[(x, path[j])] for x in set(inputs_reaching(m0, path[0]))
                  if (x, path[j]) in m0.delays]  # fmt: skip
            inner = g.subgraph(m0.nodes)
            summed = max(
                sum(p.ops[n].delay_ps for n in q)
                for q in nx.all_simple_paths(inner, path[0], path[j])
            ) if j else p.ops[path[0]].delay_ps  # fmt: skip
            t, i = (min(summed, max(ds)) if ds else summed), j + 1
        else:
            t, i = p.ops[path[0]].delay_ps, 1
        while i < len(path):
            m = home.get(path[i])
            if m is not None and home.get(path[i - 1]) is not m:
                j = i
                while j + 1 < len(path) and home.get(path[j + 1]) is m:
                    j += 1
                if (path[i - 1], path[j]) not in m.delays:
                    return None
                t += m.delays[(path[i - 1], path[j])]
                i = j + 1
            else:
                t += p.ops[path[i]].delay_ps
                i += 1
        return t

    out: dict[tuple[str, str], float] = {}
    for a in p.ops:
        if p.ops[a].latency:
            continue
        for b in nx.descendants(g, a):
            for path in nx.all_simple_paths(g, a, b):
                if any(p.ops[x].latency for x in path[1:-1]):
                    continue  # a pipelined unit registers its result: the path ends there
                t = cost(path)
                if t is not None:
                    out[(a, b)] = max(out.get((a, b), t), t)
    return out
