"""Medusa's candidate tree as static buffers (Cai et al. 2024, "Medusa: Simple LLM Inference
Acceleration Framework with Multiple Decoding Heads", section 2.1.2, tree attention).

A tree is a list of choices: each choice is a tuple of per-head top-k ranks, `(0, 2)` meaning
"head 1's best token, then head 2's third best". Every prefix of a choice must itself be a
choice. The buffers turn one step's candidates into a single forward pass of the base model
(one input per tree node, the root being the base model's own next token) and back into
root-to-leaf paths for verification.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from kiln.base.errors import KilnError

# The sparse tree the Medusa authors found by simulating acceptance on Vicuna-7B (63 nodes
# without the root), reproduced as data from FasterDecoding/Medusa,
# medusa/model/medusa_choices.py (`mc_sim_7b_63`).
MC_SIM_7B_63: tuple[tuple[int, ...], ...] = (
    (0,), (0, 0), (1,), (0, 1), (2,), (0, 0, 0), (1, 0), (0, 2), (3,), (0, 3), (4,), (0, 4),
    (2, 0), (0, 5), (0, 0, 1), (5,), (0, 6), (6,), (0, 7), (0, 1, 0), (1, 1), (7,), (0, 8),
    (0, 0, 2), (3, 0), (0, 9), (8,), (9,), (1, 0, 0), (0, 2, 0), (1, 2), (0, 0, 3), (4, 0),
    (2, 1), (0, 0, 4), (0, 0, 5), (0, 0, 0, 0), (0, 1, 1), (0, 0, 6), (0, 3, 0), (5, 0),
    (1, 3), (0, 0, 7), (0, 0, 8), (0, 0, 9), (6, 0), (0, 4, 0), (1, 4), (7, 0), (0, 1, 2),
    (2, 0, 0), (3, 1), (2, 2), (8, 0), (0, 5, 0), (1, 5), (1, 0, 1), (0, 2, 1), (9, 0),
    (0, 6, 0), (0, 0, 0, 1), (1, 6), (0, 7, 0),
)  # fmt: skip

# Named trees, for the export builders' `tree` option.
TREES: dict[str, tuple[tuple[int, ...], ...]] = {
    "mc_sim_7b_63": MC_SIM_7B_63,
    "chain3": ((0,), (0, 0), (0, 0, 0)),
    "small8": ((0,), (1,), (2,), (0, 0), (0, 1), (1, 0), (0, 0, 0), (0, 0, 1)),
}

# Padding of retrieval rows and of path tokens. Paths shorter than the deepest one are padded
# with -1: no token id is negative, so a padded slot never equals the base model's argmax and
# never extends an accept length. (The official code pads with token 0, which on a small
# vocabulary can equal the argmax and accept a token that no tree node produced, breaking the
# equality with greedy decoding.)
PAD = -1


@dataclass(frozen=True)
class TreeBuffers:
    """The static tensors for one choice list; node 0 is the root, nodes are ordered by depth
    and then by their choice tuple (the order of the official buffers)."""

    choices: tuple[tuple[int, ...], ...]  # sorted, one per non-root node
    top_k: int  # candidates taken from each head
    attn_mask: torch.Tensor  # (n, n) bool: node i may attend to node j (itself, ancestors, root)
    tree_indices: torch.Tensor  # (n,) into [base top-1, head 1 top-k, head 2 top-k, ...]
    positions: torch.Tensor  # (n,) depth of each node; add the cache length for rotary positions
    parents: torch.Tensor  # (n,) parent node id; the root's is 0
    retrieve: torch.Tensor  # (paths, depth + 1) node ids of each root-to-leaf path, PAD after it

    @property
    def n_nodes(self) -> int:
        return len(self.choices) + 1

    @property
    def depth(self) -> int:
        return self.retrieve.shape[1] - 1

    @property
    def depth_counts(self) -> tuple[int, ...]:
        counts = torch.bincount(self.positions, minlength=self.depth + 1)[1:]
        return tuple(int(c) for c in counts)

    def to(self, device: torch.device | str) -> TreeBuffers:
        move = {k: getattr(self, k).to(device) for k in _TENSORS}
        return TreeBuffers(self.choices, self.top_k, **move)

    def candidates(self, root: torch.Tensor, head_logits: torch.Tensor) -> torch.Tensor:
        """The token of every tree node, shape (n,): `root` (a 0-d token) for node 0, and
        for a node of depth d its head-d top-k pick. `head_logits` is (n_heads, vocab)."""
        n_heads, vocab = head_logits.shape
        if n_heads < self.depth or vocab < self.top_k:
            raise KilnError(
                f"a tree of depth {self.depth} with top-{self.top_k} picks needs at least "
                f"{self.depth} heads and {self.top_k} tokens; the heads give {n_heads} heads "
                f"over {vocab} tokens",
                hint="use a shallower or narrower choice list, or more Medusa heads",
            )
        picks = torch.topk(head_logits[: self.depth], self.top_k, dim=-1).indices
        flat = torch.cat([root.reshape(1).to(picks.dtype), picks.reshape(-1)])
        return flat[self.tree_indices]

    def path_tokens(self, tree_tokens: torch.Tensor) -> torch.Tensor:
        """Tokens along each root-to-leaf path, (paths, depth + 1), PAD past a path's end."""
        tokens = tree_tokens[..., self.retrieve.clamp_min(0)]
        return torch.where(self.retrieve >= 0, tokens, torch.full_like(tokens, PAD))

    def path_rows(self, tree_values: torch.Tensor) -> torch.Tensor:
        """Per-node values (n, ...) gathered along each path, (paths, depth + 1, ...); padded
        slots repeat the root's row, which verification never reads past a PAD token."""
        return tree_values[self.retrieve.clamp_min(0)]


_TENSORS = ("attn_mask", "tree_indices", "positions", "parents", "retrieve")


def tree_buffers(
    choices: Sequence[Sequence[int]] = MC_SIM_7B_63,
    top_k: int | None = None,
    device: torch.device | str = "cpu",
) -> TreeBuffers:
    """Build the buffers for `choices`; `top_k` defaults to the largest rank used plus one
    (10 for `mc_sim_7b_63`, as in the official code)."""
    nodes = _check_choices(choices)
    widest = max(c for node in nodes for c in node) + 1
    top_k = widest if top_k is None else top_k
    if top_k < widest:
        raise KilnError(
            f"the choice list uses rank {widest - 1}, beyond top_k={top_k}",
            hint=f"use top_k >= {widest}",
        )
    index = {node: i + 1 for i, node in enumerate(nodes)}  # node id; the root is 0
    n = len(nodes) + 1
    mask = torch.eye(n, dtype=torch.bool)
    mask[:, 0] = True
    tree_indices = torch.zeros(n, dtype=torch.long)
    positions = torch.zeros(n, dtype=torch.long)
    parents = torch.zeros(n, dtype=torch.long)
    for node, i in index.items():
        for d in range(1, len(node)):
            mask[i, index[node[:d]]] = True
        tree_indices[i] = 1 + (len(node) - 1) * top_k + node[-1]
        positions[i] = len(node)
        parents[i] = index.get(node[:-1], 0)
    inner = {node[:-1] for node in nodes}
    leaves = [node for node in nodes if node not in inner]
    depth = max(len(node) for node in nodes)
    # Deepest paths first, as in the official buffers; within a depth, in node order.
    leaves.sort(key=lambda node: (-len(node), index[node]))
    rows = [[0] + [index[leaf[:d]] for d in range(1, len(leaf) + 1)] for leaf in leaves]
    retrieve = torch.tensor([row + [PAD] * (depth + 1 - len(row)) for row in rows])
    return TreeBuffers(nodes, top_k, mask, tree_indices, positions, parents, retrieve).to(device)


def _check_choices(choices: Sequence[Sequence[int]]) -> tuple[tuple[int, ...], ...]:
    nodes = [tuple(int(c) for c in choice) for choice in choices]
    if not nodes:
        raise KilnError("a Medusa tree needs at least one choice", hint="e.g. [[0], [0, 0]]")
    seen: set[tuple[int, ...]] = set()
    for node in nodes:
        if not node or min(node) < 0:
            raise KilnError(
                f"Medusa choice {list(node)} is not a non-empty list of ranks >= 0",
                hint="each choice lists one top-k rank per head, e.g. [0, 2]",
            )
        if node in seen:
            raise KilnError(f"Medusa choice {list(node)} appears twice", hint="drop the copy")
        seen.add(node)
    for node in nodes:
        if len(node) > 1 and node[:-1] not in seen:
            raise KilnError(
                f"Medusa choice {list(node)} has no parent {list(node[:-1])} in the list",
                hint="every prefix of a choice must itself be a choice",
            )
    return tuple(sorted(nodes, key=lambda node: (len(node), node)))


def sparse_tree(accuracy: torch.Tensor, n_nodes: int) -> tuple[tuple[int, ...], ...]:
    """The `n_nodes`-node tree (root not counted) with the largest expected accept length, as
    the Medusa authors built `mc_sim_7b_63` (paper section 2.3.3): `accuracy[k, r]` is how
    often head k+1's rank-r pick is the right token on calibration text; taking heads as
    independent, a node is accepted with the product of its ranks' accuracies, and the expected
    accept length is the sum over nodes. Nodes are taken best-first; a child is never likelier
    than its parent, so the result is prefix-closed."""
    acc = [[float(a) for a in row] for row in accuracy]
    if n_nodes < 1 or any(not 0 <= a <= 1 for row in acc for a in row):
        raise KilnError(
            f"sparse_tree needs n_nodes >= 1 and accuracies in [0, 1], got n_nodes={n_nodes}",
            hint="accuracy[k, r]: how often head k+1's rank-r pick is right",
        )
    frontier = [(-a, (r,)) for r, a in enumerate(acc[0])]
    heapq.heapify(frontier)
    chosen: list[tuple[int, ...]] = []
    while frontier and len(chosen) < n_nodes:
        neg_p, node = heapq.heappop(frontier)  # ties: the shorter, then smaller node first
        chosen.append(node)
        if len(node) < len(acc):
            for r, a in enumerate(acc[len(node)]):
                heapq.heappush(frontier, (neg_p * a, (*node, r)))
    return tuple(chosen)


def expected_accept_length(choices: Sequence[Sequence[int]], accuracy: torch.Tensor) -> float:
    """Sum over nodes of the product of their ranks' accuracies (see `sparse_tree`)."""
    return float(
        sum(math.prod(float(accuracy[d, r]) for d, r in enumerate(node)) for node in choices)
    )


def named_tree(name: str) -> tuple[tuple[int, ...], ...]:
    if name not in TREES:
        raise KilnError(f"no Medusa tree named {name!r}", hint=f"trees: {', '.join(TREES)}")
    return TREES[name]


__all__ = [
    "MC_SIM_7B_63",
    "PAD",
    "TREES",
    "TreeBuffers",
    "expected_accept_length",
    "named_tree",
    "sparse_tree",
    "tree_buffers",
]
