"""The fused LLM ops of opset 23 and later: Attention (scaled dot-product attention with
masks, causal and sliding windows, grouped heads and a key/value cache) and
RotaryEmbedding.

Both keep the structure that [tensor-lowering] maps to hardware (one attention, one
rotation) instead of the dozens of primitive ops an exporter would otherwise emit.
"""

from __future__ import annotations

import math

import numpy as np

from kiln.ir.graph import TensorType, elem_named
from kiln.ir.graph_ops.spec import (
    FLOATS,
    I64,
    Attr,
    Eval,
    OpSpec,
    ShapeError,
    Sig,
    broadcast,
    elem_in,
    scalar_as,
    shape_text,
    static,
)
from kiln.ir.types import BOOL

_SOFTMAX_PRECISIONS = {1: "f32", 10: "f16", 11: "f64", 16: "bf16"}  # ONNX type codes

# ---- Attention ---------------------------------------------------------------------------


def _heads(sig: Sig) -> dict[str, int]:
    """The 4-D view's sizes: batch, query and key/value heads, query and key/value lengths,
    the query/key head size and the value head size, and the past length."""
    q, k, v = (static(sig.type(i).shape, "Attention") for i in range(3))
    if not len(q) == len(k) == len(v) or len(q) not in (3, 4):
        raise ShapeError(
            f"Q, K and V must all be 3-D or all 4-D, got {shape_text(q)}, "
            f"{shape_text(k)} and {shape_text(v)}"
        )
    a = sig.attrs
    if len(q) == 3:
        hq, hkv = a["q_num_heads"], a["kv_num_heads"]
        if not hq or not hkv:
            raise ShapeError("3-D Q, K and V need q_num_heads and kv_num_heads")
        if q[2] % hq or k[2] % hkv or v[2] % hkv:
            raise ShapeError("the hidden sizes must divide into q_num_heads and kv_num_heads")
        n = {"b": q[0], "hq": hq, "hkv": hkv, "sq": q[1], "skv": k[1]}
        n.update(d=q[2] // hq, dk=k[2] // hkv, dv=v[2] // hkv, skv_v=v[1])
    else:
        if a["q_num_heads"] or a["kv_num_heads"]:
            raise ShapeError("q_num_heads and kv_num_heads are only for 3-D inputs")
        if k[1] != v[1]:
            raise ShapeError(f"K has {k[1]} heads, V has {v[1]}")
        n = {"b": q[0], "hq": q[1], "hkv": k[1], "sq": q[2], "skv": k[2]}
        n.update(d=q[3], dk=k[3], dv=v[3], skv_v=v[2])
    if n["d"] != n["dk"] or n["skv"] != n["skv_v"] or not q[0] == k[0] == v[0]:
        raise ShapeError(
            f"Q {shape_text(q)}, K {shape_text(k)} and V {shape_text(v)} do not agree on "
            "batch, key length or head size"
        )
    if n["hq"] % n["hkv"]:
        raise ShapeError(f"{n['hq']} query heads do not group over {n['hkv']} key/value heads")
    n["past"] = 0
    if sig.has(4) != sig.has(5):
        raise ShapeError("past_key and past_value come together")
    if sig.has(4):
        pk, pv = sig.type(4).shape, sig.type(5).shape
        want_k = (n["b"], n["hkv"], pk[2] if len(pk) == 4 else -1, n["d"])
        if len(pk) != 4 or pk != want_k or pv != (*want_k[:3], n["dv"]):
            raise ShapeError(
                f"past_key {shape_text(pk)} and past_value {shape_text(pv)} do not fit "
                f"K and V ({n['b']} x {n['hkv']} heads x length x head size)"
            )
        if sig.has(6):
            raise ShapeError("nonpad_kv_seqlen cannot be combined with past_key")
        n["past"] = pk[2]
    return n


def _attention_infer(sig: Sig) -> list[TensorType]:
    t1 = elem_in(sig.type(0), FLOATS, "Attention")
    if sig.type(1).elem != t1:
        raise ShapeError(f"K is {sig.type(1).elem}, Q is {t1}")
    t2 = elem_in(sig.type(2), FLOATS, "Attention's V")
    n = _heads(sig)
    total = n["past"] + n["skv"]
    scores = (n["b"], n["hq"], n["sq"], total)
    if sig.has(3):
        mask = sig.type(3)
        if mask.elem not in (BOOL, t1):
            raise ShapeError(f"attn_mask is {mask.elem}; it must be bool or {t1}")
        shape = static(mask.shape, "Attention")
        if not shape or shape[-1] > total:
            raise ShapeError(f"attn_mask {shape_text(shape)} is longer than the keys ({total})")
        if broadcast([(*shape[:-1], total), scores]) != scores:
            raise ShapeError(f"attn_mask {shape_text(shape)} does not broadcast to the scores")
    if sig.has(6) and (sig.type(6).elem != I64 or sig.type(6).shape != (n["b"],)):
        raise ShapeError(f"nonpad_kv_seqlen must be i64 of shape [{n['b']}]")
    for side in ("left_window_size", "right_window_size"):
        if sig.attrs[side] < -1:
            raise ShapeError(f"{side} is {sig.attrs[side]}; it must be -1 or at least 0")
    if sig.type(0).rank == 3:
        y = (n["b"], n["sq"], n["hq"] * n["dv"])
    else:
        y = (n["b"], n["hq"], n["sq"], n["dv"])
    outs = [
        TensorType(t1, y),
        TensorType(t1, (n["b"], n["hkv"], total, n["d"])),
        TensorType(t2, (n["b"], n["hkv"], total, n["dv"])),
        TensorType(t1, scores),
    ]
    return outs[: max(sig.n_outputs, 1)]


def _four_d(x: np.ndarray, heads: int) -> np.ndarray:
    """(batch, length, heads * size) as (batch, heads, length, size)."""
    if x.ndim == 4:
        return x
    b, s, hidden = x.shape
    return x.reshape(b, s, heads, hidden // heads).transpose(0, 2, 1, 3)


def _allowed(ev: Eval, sq: int, skv: int, past: int) -> np.ndarray:
    """Which (query, key) pairs the causal rule, the sliding windows and the padding
    leave visible: shape (batch or 1, 1, sq, skv). Query i sits at absolute position
    i + offset, where offset counts the keys before the query block."""
    nonpad = ev.inputs[6] if ev.has(6) else None
    if nonpad is not None:
        offset = (nonpad.astype(np.int64) - sq).reshape(-1, 1, 1, 1)
    else:
        offset = np.full((1, 1, 1, 1), past, np.int64)
    pos = np.arange(sq).reshape(1, 1, sq, 1) + offset  # absolute query positions
    key = np.arange(skv).reshape(1, 1, 1, skv)
    ok = np.ones(np.broadcast_shapes(pos.shape, key.shape), np.bool_)
    if ev.attrs["is_causal"]:
        ok &= key <= pos
    left, right = ev.attrs["left_window_size"], ev.attrs["right_window_size"]
    if left >= 0:
        ok &= key >= pos - left
    if right >= 0:
        ok &= key <= pos + right
    if nonpad is not None:
        ok &= key < nonpad.astype(np.int64).reshape(-1, 1, 1, 1)
    return ok


def _attention_eval(ev: Eval) -> list[np.ndarray]:
    a = ev.attrs
    q_in = ev.inputs[0]
    dt = q_in.dtype
    q = _four_d(q_in, a["q_num_heads"])
    k = _four_d(ev.inputs[1], a["kv_num_heads"])
    v = _four_d(ev.inputs[2], a["kv_num_heads"])
    past = 0
    if ev.has(4):
        past = ev.inputs[4].shape[2]
        k = np.concatenate([ev.inputs[4], k], axis=2)
        v = np.concatenate([ev.inputs[5], v], axis=2)
    present_k, present_v = k, v
    sq, skv = q.shape[2], k.shape[2]
    group = q.shape[1] // k.shape[1]
    if group > 1:  # grouped-query attention: each key/value head serves `group` queries
        k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    scale = a["scale"] if a["scale"] is not None else 1 / math.sqrt(q.shape[3])
    root = scalar_as(math.sqrt(scale), dt)  # both sides scaled by sqrt, against overflow
    with np.errstate(all="ignore"):
        raw = np.matmul(q * root, np.swapaxes(k * root, 2, 3))
        capped = raw
        if a["softcap"] > 0:
            c = scalar_as(a["softcap"], dt)
            capped = c * np.tanh(raw / c)
        ok = _allowed(ev, sq, skv, past)
        bias = np.zeros((), dt)
        if ev.has(3):
            mask = ev.inputs[3]
            pad = skv - mask.shape[-1]
            if mask.dtype == np.bool_:
                mask = np.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, pad)])
                ok = ok & mask
            else:
                widths = [(0, 0)] * (mask.ndim - 1) + [(0, pad)]
                bias = np.pad(mask, widths, constant_values=-np.inf).astype(dt)
        neg_inf = scalar_as(-np.inf, dt)
        biased = np.where(ok, capped + bias, neg_inf)
        precision = _SOFTMAX_PRECISIONS.get(a["softmax_precision"] or 0)
        work = biased.astype(ev.dtype(elem_named(precision))) if precision else biased
        top = np.max(work, axis=-1, keepdims=True)
        dead = np.isneginf(np.max(np.where(ok, bias, neg_inf), axis=-1, keepdims=True))
        e = np.exp(work - np.where(np.isneginf(top), np.zeros((), work.dtype), top))
        total = np.sum(e, axis=-1, keepdims=True)
        probs = np.where(dead, np.zeros((), work.dtype), e / np.where(total == 0, 1, total))
        probs = probs.astype(dt)
        y = np.matmul(probs, v)
    if q_in.ndim == 3:
        y = y.transpose(0, 2, 1, 3).reshape(y.shape[0], sq, -1)
    mode = a["qk_matmul_output_mode"]
    qk = (raw, capped, biased, probs)[mode]
    outs = [y, present_k, present_v, qk]
    return [ev.out(x, i) for i, x in enumerate(outs) if i < len(ev.out_types)]


# ---- RotaryEmbedding ---------------------------------------------------------------------


def _rotary_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    elem_in(x, FLOATS, "RotaryEmbedding")
    shape = static(x.shape, "RotaryEmbedding")
    heads = sig.attrs["num_heads"]
    if x.rank == 3:
        if not heads or shape[2] % heads:
            raise ShapeError("a 3-D input needs num_heads dividing its hidden size")
        b, s, d = shape[0], shape[1], shape[2] // heads
    elif x.rank == 4:
        b, s, d = shape[0], shape[2], shape[3]
    else:
        raise ShapeError(f"RotaryEmbedding takes a 3-D or 4-D input, got rank {x.rank}")
    rot = sig.attrs["rotary_embedding_dim"] or d
    if rot > d or rot % 2:
        raise ShapeError(f"rotary_embedding_dim {rot} must be even and at most the head size {d}")
    cos, sin = sig.type(1), sig.type(2)
    if cos.elem != x.elem or sin.elem != x.elem or cos.shape != sin.shape:
        raise ShapeError("cos_cache and sin_cache must match each other and the input's type")
    if sig.has(3):
        pos = sig.type(3)
        if pos.elem != I64 or pos.shape != (b, s) or cos.rank != 2:
            raise ShapeError(
                f"with position_ids (i64 [{b}, {s}]), the caches are (positions, {rot // 2})"
            )
    elif cos.shape != (b, s, rot // 2):
        raise ShapeError(f"without position_ids the caches are [{b}, {s}, {rot // 2}]")
    if cos.shape[-1] != rot // 2:
        raise ShapeError(f"the caches' last axis is {cos.shape[-1]}, not {rot // 2}")
    return [x]


def _rotary_eval(ev: Eval) -> list[np.ndarray]:
    x, cos, sin = ev.inputs[:3]
    heads = ev.attrs["num_heads"]
    # (batch, length, heads, size): the caches broadcast over the heads
    x4 = x.transpose(0, 2, 1, 3) if x.ndim == 4 else x.reshape(*x.shape[:2], heads, -1)
    if ev.has(3):
        pos = ev.inputs[3]
        if pos.size and (pos.min() < 0 or pos.max() >= cos.shape[0]):
            raise ShapeError(f"a position id is outside the caches' {cos.shape[0]} positions")
        cos, sin = cos[pos], sin[pos]
    cos, sin = cos[:, :, None, :], sin[:, :, None, :]
    rot = ev.attrs["rotary_embedding_dim"] or x4.shape[3]
    part, rest = x4[..., :rot], x4[..., rot:]
    if ev.attrs["interleaved"]:
        x1, x2 = part[..., 0::2], part[..., 1::2]
    else:
        x1, x2 = part[..., : rot // 2], part[..., rot // 2 :]
    re = cos * x1 - sin * x2
    im = sin * x1 + cos * x2
    if ev.attrs["interleaved"]:
        turned = np.stack([re, im], axis=-1).reshape(part.shape)
    else:
        turned = np.concatenate([re, im], axis=-1)
    y = np.concatenate([turned, rest], axis=-1)
    y = y.transpose(0, 2, 1, 3) if x.ndim == 4 else y.reshape(x.shape)
    return [ev.out(np.ascontiguousarray(y))]


OPS: list[OpSpec] = [
    OpSpec(
        "Attention",
        (23, 24, 25),
        _attention_infer,
        _attention_eval,
        attrs=(
            Attr("is_causal", "int", 0, (0, 1), "bottom-right aligned, after any cache"),
            Attr("scale", "float", None, doc="none means 1/sqrt(head size)"),
            Attr("softcap", "float", 0.0, doc="0 means none"),
            Attr("q_num_heads", "int", 0, doc="for 3-D inputs"),
            Attr("kv_num_heads", "int", 0, doc="for 3-D inputs"),
            Attr("qk_matmul_output_mode", "int", 0, (0, 1, 2, 3)),
            Attr("softmax_precision", "int", 0, (0, *_SOFTMAX_PRECISIONS)),
            Attr("left_window_size", "int", -1, doc="-1 means unbounded"),
            Attr("right_window_size", "int", -1, doc="-1 means unbounded"),
        ),
        n_inputs=(3, 7),
        n_outputs=(1, 4),
        doc="softmax(Q K^T * scale + mask) V over heads (grouped when K and V have fewer), "
        "with causal and sliding-window masks and an optional past key/value cache",
    ),
    OpSpec(
        "RotaryEmbedding",
        (23,),
        _rotary_infer,
        _rotary_eval,
        attrs=(
            Attr("interleaved", "int", 0, (0, 1)),
            Attr("num_heads", "int", 0, doc="for a 3-D input"),
            Attr("rotary_embedding_dim", "int", 0, doc="0 means the whole head"),
        ),
        n_inputs=(3, 4),
        doc="rotate pairs of each head's features by the cached cos and sin of its position",
    ),
]
