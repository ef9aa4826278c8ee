"""Medusa: tree buffers, tree attention, greedy equivalence for any heads, cache growth,
typical acceptance, the ONNX graphs, and the trained heads' acceleration."""

from __future__ import annotations

import hashlib
import itertools
import math

import pytest
import torch

from kiln.base.errors import KilnError
from kiln.llm_kernels.export import export_onnx, op_types, run_onnxruntime, torch_outputs
from kiln.llm_kernels.medusa import (
    MedusaHeads,
    accept_lengths,
    medusa_generate,
    medusa_heads_export,
    medusa_verify_export,
    verify,
)
from kiln.llm_kernels.medusa_tree import (
    MC_SIM_7B_63,
    PAD,
    expected_accept_length,
    sparse_tree,
    tree_buffers,
)
from kiln.llm_kernels.model import (
    WEIGHTS,
    KVCache,
    LMConfig,
    TinyLM,
    greedy_generate,
    load_pretrained,
)
from kiln.llm_kernels.tasks import eval_prompts

CHAIN4 = [[0], [0, 0], [0, 0, 0], [0, 0, 0, 0]]  # top-1 only: rejections are common
HEADS_WEIGHTS = WEIGHTS.parent / "medusa_heads.pt"


def _tiny_lm(seed: int, vocab: int = 12, dtype=torch.float64) -> TinyLM:
    torch.manual_seed(seed)
    config = LMConfig(vocab, d_model=16, n_layers=2, n_heads=2, n_kv_heads=1, head_dim=16, d_ff=32)
    model = TinyLM(config).to(dtype).eval()
    with torch.no_grad():  # larger than the init's 0.02 so the logits are far from uniform
        for p in model.parameters():
            if p.dim() == 2:
                p.normal_(0, 0.5)
    return model


def _random_heads(model: TinyLM, seed: int, n_heads: int = 4) -> MedusaHeads:
    heads = MedusaHeads.from_model(model, n_heads)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in heads.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=p.dtype))
    return heads


def test_mc_sim_7b_63_buffers():
    b = tree_buffers(MC_SIM_7B_63)
    assert b.n_nodes == 64 and b.top_k == 10
    assert b.depth_counts == (10, 28, 23, 2)
    assert tuple(b.retrieve.shape) == (42, 5)
    assert int(b.attn_mask.sum()) == 207
    # Every path runs root -> child -> grandchild ..., then only padding; every node is on one.
    for row in b.retrieve.tolist():
        nodes = [n for n in row if n != PAD]
        assert row == nodes + [PAD] * (5 - len(nodes)) and nodes[0] == 0
        for depth, (parent, child) in enumerate(zip(nodes, nodes[1:], strict=False), start=1):
            assert int(b.parents[child]) == parent and int(b.positions[child]) == depth
    assert set(b.retrieve.flatten().tolist()) - {PAD} == set(range(64))
    # Node (0, 2) is head 1's third pick: index 1 + 1 * top_k + 2 in the flat candidates.
    assert int(b.tree_indices[1 + b.choices.index((0, 2))]) == 13


@pytest.mark.parametrize(
    "choices,message",
    [
        ([[0], [1, 0]], "has no parent [1]"),
        ([[0], [0]], "appears twice"),
        ([[0], []], "not a non-empty list"),
    ],
)
def test_bad_choice_lists_are_named(choices, message):
    with pytest.raises(KilnError, match=message.replace("[", r"\[").replace("]", r"\]")):
        tree_buffers(choices)


def test_sparse_tree_takes_the_likeliest_nodes():
    acc = torch.tensor([[0.6, 0.2, 0.1], [0.5, 0.3, 0.1], [0.4, 0.2, 0.1]], dtype=torch.float64)
    every = list(
        itertools.chain.from_iterable(itertools.product(range(3), repeat=d) for d in (1, 2, 3))
    )
    prob = {n: math.prod(float(acc[d, r]) for d, r in enumerate(n)) for n in every}
    tree = sparse_tree(acc, 7)
    assert len(tree) == 7 and tree_buffers(tree).n_nodes == 8  # prefix-closed
    assert min(prob[n] for n in tree) >= max(prob[n] for n in every if n not in tree)
    assert expected_accept_length(tree, acc) == pytest.approx(sum(sorted(prob.values())[-7:]))


def test_accept_lengths_count_the_leading_accepted_tokens():
    accepted = torch.tensor([[1, 1, 0, 1], [0, 1, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0]]).bool()
    assert accept_lengths(accepted).tolist() == [2, 0, 4, 0]
    rand = torch.rand(50, 6, generator=torch.Generator().manual_seed(0)) < 0.7
    assert torch.equal(accept_lengths(rand), torch.cumprod(rand.long(), dim=1).sum(dim=1))


@torch.no_grad()
def test_tree_attention_equals_per_path_causal_attention():
    model = _tiny_lm(0, vocab=16)
    b = tree_buffers(MC_SIM_7B_63)
    prompt = torch.randint(0, 16, (1, 6), generator=torch.Generator().manual_seed(1))
    prefix = model(prompt).cache
    tokens = torch.randint(0, 16, (b.n_nodes,), generator=torch.Generator().manual_seed(2))
    cache = KVCache(list(prefix.k), list(prefix.v))
    tree = model(tokens[None], cache, (6 + b.positions)[None], b.attn_mask).logits[0]
    worst = 0.0
    for row in b.retrieve:
        nodes = row[row != PAD]
        cache = KVCache(list(prefix.k), list(prefix.v))
        causal = model(tokens[nodes][None], cache).logits[0]  # positions 6, 7, ...
        worst = max(worst, float((tree[nodes] - causal).abs().max()))
    assert worst < 1e-12


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("choices", [MC_SIM_7B_63, CHAIN4], ids=["mc_sim_7b_63", "chain4"])
def test_greedy_medusa_equals_greedy_decoding_for_any_heads(seed, choices):
    model = _tiny_lm(seed)
    heads = _random_heads(model, seed + 100)
    prompt = torch.randint(0, 12, (1, 5), generator=torch.Generator().manual_seed(seed))
    out = medusa_generate(model, heads, prompt[0], 24, choices)
    assert out.tokens == greedy_generate(model, prompt, 24)[0].tolist()
    depth = max(len(c) for c in choices)
    assert all(0 <= a <= depth for a in out.accept_lengths)
    assert out.acceleration_rate == pytest.approx(sum(out.accept_lengths) / out.steps + 1)


def test_cache_grows_by_accept_length_plus_one():
    model = _tiny_lm(3)
    heads = _random_heads(model, 3)
    starts: list[int] = []
    forward = model.forward

    def recording(tokens, cache=None, *args, **kwargs):
        starts.append(cache.length if cache is not None else 0)
        return forward(tokens, cache, *args, **kwargs)

    model.forward = recording
    out = medusa_generate(model, heads, [1, 2, 3, 4], 20, MC_SIM_7B_63)
    steps = [b - a for a, b in zip(starts[1:], starts[2:], strict=False)]
    assert starts[1] == 4 and steps == [a + 1 for a in out.accept_lengths[:-1]]
    assert len(set(out.accept_lengths)) > 1 or out.accept_lengths[0] > 0


def test_typical_acceptance_threshold_and_tie_rule():
    # Root, then two depth-1 siblings: path 0 holds token 1, path 1 holds token 2.
    b = tree_buffers([[0], [1]], top_k=2)
    tokens = torch.tensor([0, 1, 2])
    logits = torch.zeros(3, 4, dtype=torch.float64)
    # Uniform at the root: H = log 4, threshold = min(0.09, 0.3 / 4) = 0.075 < 0.25: both
    # accepted; equal likelihood, so the lower path index wins.
    assert verify(tokens, logits, b, temperature=1.0).accept_length == 1
    assert verify(tokens, logits, b, temperature=1.0).best_path == 0
    # Token 2 likelier: both still pass the threshold, the likelier path is chosen.
    logits[0] = torch.tensor([0.0, 0.0, 0.5, 0.0])
    assert verify(tokens, logits, b, temperature=1.0).best_path == 1
    # Peaked on token 3: p(1) = p(2) ~ 0.0066 < threshold: nothing accepted.
    logits[0] = torch.tensor([0.0, 0.0, 0.0, 5.0])
    assert verify(tokens, logits, b, temperature=1.0).accept_length == 0
    # Greedy on the same logits: neither is the argmax either.
    assert verify(tokens, logits, b).accept_length == 0


def test_typical_generation_stays_in_range_and_is_reproducible():
    model = _tiny_lm(4)
    heads = _random_heads(model, 4)

    def run():
        gen = torch.Generator().manual_seed(7)
        return medusa_generate(model, heads, [3, 1], 20, temperature=0.7, generator=gen)

    first, second = run(), run()
    assert first.tokens == second.tokens and len(first.tokens) == 20
    assert all(0 <= t < 12 for t in first.tokens)
    assert all(0 <= a <= 4 for a in first.accept_lengths)


def test_untrained_heads_are_the_base_lm_head():
    model = _tiny_lm(5, dtype=torch.float32)
    heads = MedusaHeads.from_model(model, 3)
    hidden = torch.randn(2, 16)
    assert torch.equal(heads(hidden), model.lm_head(hidden).expand(3, 2, 12))


def test_heads_save_and_load(tmp_path):
    model = _tiny_lm(6, dtype=torch.float32)
    heads = _random_heads(model, 6)
    heads.save(tmp_path / "h.pt", meta={"accuracy": [[0.5, 0.25]]})
    loaded = MedusaHeads.load(tmp_path / "h.pt")
    assert loaded.meta == {"accuracy": [[0.5, 0.25]]}
    hidden = torch.randn(3, 16)
    with torch.no_grad():
        assert float((loaded(hidden) - heads(hidden)).abs().max()) < 0.05  # float16 storage


def test_generation_errors_are_named():
    model = _tiny_lm(0)
    with pytest.raises(KilnError, match="needs at least 4 heads"):
        medusa_generate(model, MedusaHeads.from_model(model, 2), [1], 4, CHAIN4)
    with pytest.raises(KilnError, match="beyond the model's max_len"):
        medusa_generate(model, MedusaHeads.from_model(model, 4), [1], 10_000)
    with pytest.raises(KilnError, match="temperature=-1.0 is negative"):
        medusa_generate(model, MedusaHeads.from_model(model, 4), [1], 4, temperature=-1.0)
    with pytest.raises(KilnError, match="no Medusa heads at"):
        MedusaHeads.load("/nonexistent/heads.pt")


def test_onnx_verify_graph_agrees_with_torch(tmp_path):
    spec = medusa_verify_export()
    path = export_onnx(spec, tmp_path / "verify.onnx")
    assert "CumSum" in op_types(path) and "CumProd" not in op_types(path)
    b = tree_buffers(MC_SIM_7B_63)
    gen = torch.Generator().manual_seed(3)
    for trial in range(4):
        if trial:  # further inputs; tokens follow the parent's argmax at about 60% of nodes
            logits = torch.randn(64, 64, generator=gen)
            follow = torch.rand(64, generator=gen) < 0.6
            noise = torch.randint(0, 64, (64,), generator=gen)
            spec.inputs = (torch.where(follow, logits.argmax(-1)[b.parents], noise), logits)
        lengths, best, length = run_onnxruntime(path, spec)
        expected = [t.numpy() for t in torch_outputs(spec)]
        assert (lengths == expected[0]).all() and best == expected[1] and length == expected[2]
        verdict = verify(*spec.inputs, b)
        assert (int(best), int(length)) == (verdict.best_path, verdict.accept_length)


def test_onnx_heads_graph_agrees_with_torch(tmp_path):
    spec = medusa_heads_export()
    path = export_onnx(spec, tmp_path / "heads.onnx")
    (ort,) = run_onnxruntime(path, spec)
    (ref,) = torch_outputs(spec)
    assert ort.shape == (3, 1, 64) and float((torch.from_numpy(ort) - ref).abs().max()) < 1e-5


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA check: no GPU visible to torch")
def test_greedy_medusa_on_cuda_equals_greedy_decoding():
    model = _tiny_lm(0).cuda()
    heads = _random_heads(model, 0).cuda()
    prompt = torch.tensor([[1, 2, 3]], device="cuda")
    out = medusa_generate(model, heads, prompt[0], 16)
    assert out.tokens == greedy_generate(model, prompt, 16)[0].tolist()


def test_trained_heads_accelerate_the_pretrained_model():
    model = load_pretrained()
    heads = MedusaHeads.load(HEADS_WEIGHTS)
    base = hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()
    retrain = "heads trained on another base model: rerun examples/train_medusa_heads.py"
    assert heads.meta["base_sha256"] == base, retrain
    tree = sparse_tree(torch.tensor(heads.meta["accuracy"]), 16)  # fitted as the paper does
    prompts = eval_prompts(3, 64, torch.Generator().manual_seed(99))
    rates = []
    for prompt in prompts:
        out = medusa_generate(model, heads, prompt, 40, tree)
        assert out.tokens == greedy_generate(model, prompt[None], 40)[0].tolist()
        rates.append(out.acceleration_rate)
    assert sum(rates) / len(rates) >= 2.0
