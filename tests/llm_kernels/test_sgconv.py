"""SGConv (Li et al. 2022): the convolution forms agree, the kernel has the paper's structure,
the norm freezes at first use, and the direct-form export matches torch in onnxruntime."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from kiln.base.errors import KilnError
from kiln.llm_kernels.export import export_onnx, op_types, run_onnxruntime, torch_outputs
from kiln.llm_kernels.sgconv import (
    MODES,
    SGConv,
    long_conv,
    multiscale_kernel,
    num_scales,
    scale_spans,
    sgconv_export,
    toeplitz,
    upsample_linear,
)

F64 = torch.float64


def _layer(**kw) -> SGConv:
    torch.manual_seed(kw.pop("seed", 0))
    args = {"channels": 3, "l_max": 50, "kernel_dim": 4, "dtype": F64} | kw
    return SGConv(**args)


# ---- the convolution forms ---------------------------------------------------------------


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("mode", ["direct", "conv1d", "toeplitz"])
def test_every_form_equals_fft(mode: str, bidirectional: bool) -> None:
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 5, 37, dtype=F64, generator=gen)
    kf = torch.randn(5, 37, dtype=F64, generator=gen)
    kb = torch.randn(5, 37, dtype=F64, generator=gen) if bidirectional else None
    got, want = long_conv(x, kf, kb, mode), long_conv(x, kf, kb, "fft")
    assert (got - want).abs().max() < 1e-12


def test_toeplitz_is_the_definition() -> None:
    """Causal taps on and below the diagonal; the backward tap j reaches x[t + 1 + j]."""
    kf, kb = torch.arange(1.0, 5.0).view(1, 4), torch.arange(10.0, 14.0).view(1, 4)
    assert toeplitz(kf)[0].tolist() == [[1, 0, 0, 0], [2, 1, 0, 0], [3, 2, 1, 0], [4, 3, 2, 1]]
    assert toeplitz(kf, kb)[0].tolist() == [
        [1, 10, 11, 12],
        [2, 1, 10, 11],
        [3, 2, 1, 10],
        [4, 3, 2, 1],
    ]


@pytest.mark.parametrize("mode", MODES)
def test_impulse_response_is_the_kernel(mode: str) -> None:
    layer = _layer(heads=2, bidirectional=True, mode=mode)
    with torch.no_grad():
        layer.D.zero_()
    length = 40
    k = layer.kernel(length).detach()  # (2 * heads, channels, L): forward heads, then backward
    first = torch.zeros(1, length, 3, dtype=F64)
    first[0, 0, 1] = 1.0  # impulse on channel 1 at t = 0
    y = layer.conv(first).detach()[0]  # (L, heads * channels), head-major
    for head in range(2):
        assert torch.allclose(y[:, head * 3 + 1], k[head, 1], atol=1e-12)
        assert y[:, head * 3].abs().max() < 1e-12  # depthwise: other channels stay silent
    last = torch.zeros(1, length, 3, dtype=F64)
    last[0, -1, 2] = 1.0  # at t = L - 1 only the backward kernel reaches earlier outputs
    y = layer.conv(last).detach()[0]
    for head in range(2):
        backward = k[2 + head, 2, : length - 1]
        assert torch.allclose(y[:-1, head * 3 + 2].flip(0), backward, atol=1e-12)
        assert abs(y[-1, head * 3 + 2] - k[head, 2, 0]) < 1e-12


def test_fft_and_direct_layers_agree_with_skip_gelu_and_projection() -> None:
    fft = _layer(heads=2, bidirectional=True)
    direct = _layer(heads=2, bidirectional=True, mode="direct")
    u = torch.randn(2, 50, 3, dtype=F64)
    y = fft(u)
    assert y.shape == (2, 50, 3)
    assert (y - direct(u)).abs().max() < 1e-12
    # forward = output(GELU(conv(u) + D * u)): D is the skip, checked against a hand-built sum
    conv = long_conv(u.transpose(1, 2).repeat(1, 2, 1), *fft.kernel(50).reshape(2, 6, 50))
    want = fft.output(F.gelu(conv.transpose(1, 2) + fft.D.reshape(1, 1, 6) * u.repeat(1, 1, 2)))
    assert (y - want).abs().max() < 1e-12


# ---- the multi-scale kernel ----------------------------------------------------------------


def test_scales_double_after_the_first_two() -> None:
    assert scale_spans(50, 4) == [4, 4, 8, 16, 32]  # 64 taps cover 50
    assert scale_spans(64, 4) == [4, 4, 8, 16, 32]
    assert scale_spans(65, 4) == [4, 4, 8, 16, 32, 64]
    assert num_scales(4, 4) == 1 and num_scales(8, 4) == 2
    layer = _layer(heads=2, bidirectional=True)
    assert [tuple(p.shape) for p in layer.sub_kernels] == [(4, 3, 4)] * 5  # d parameters each


def test_each_sub_kernel_owns_exactly_its_span() -> None:
    layer = _layer()
    before = layer.kernel().detach().clone()
    start = 0
    for i, span in enumerate(scale_spans(50, 4)):
        with torch.no_grad():
            layer.sub_kernels[i].add_(1.0)
        changed = (layer.kernel().detach() - before).abs().amax(dim=(0, 1)) > 0
        stop = min(start + span, 50)
        assert changed[start:stop].all() and not changed[:start].any()
        assert not changed[stop:].any()
        with torch.no_grad():
            layer.sub_kernels[i].sub_(1.0)
        before = layer.kernel().detach().clone()
        start += span


def test_scale_i_is_weighted_by_decay_to_the_i() -> None:
    ones = [torch.ones(1, 1, 4, dtype=F64) for _ in range(4)]
    k = multiscale_kernel(ones, 0.5, 16)[0, 0]
    want = [1.0] * 4 + [0.5] * 4 + [0.25] * 8  # spans 4, 4, 8, then 16 cut away
    assert k.tolist() == want
    assert multiscale_kernel(ones, 0.25, 20)[0, 0, 16:].tolist() == [0.25**3] * 4


def test_upsampling_is_linear_with_half_pixel_centres() -> None:
    ramp = torch.arange(4, dtype=F64).view(1, 1, 4)
    assert upsample_linear(ramp, 8)[0, 0].tolist() == [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]
    sub = torch.randn(2, 3, 5, dtype=F64)
    for span in (10, 20, 40):
        want = F.interpolate(sub, size=span, mode="linear", align_corners=False)
        assert (upsample_linear(sub, span) - want).abs().max() < 1e-14


def test_kernel_has_unit_norm_frozen_at_first_use() -> None:
    layer = _layer(heads=2)
    assert not bool(layer.norm_frozen)
    layer(torch.randn(1, 20, 3, dtype=F64))  # first use, on a shorter sequence
    assert bool(layer.norm_frozen)
    norms = layer.kernel(50).norm(dim=-1)
    assert (norms - 1).abs().max() < 1e-12  # unit norm over l_max taps, whatever L came first
    frozen = layer.kernel_norm.clone()
    with torch.no_grad():
        for sub in layer.sub_kernels:
            sub.mul_(3.0)
    layer(torch.randn(1, 50, 3, dtype=F64))
    assert torch.equal(layer.kernel_norm, frozen)  # not recomputed
    assert (layer.kernel(50).norm(dim=-1) - 3).abs().max() < 1e-12
    restored = _layer(heads=2, seed=7)
    restored.load_state_dict(layer.state_dict())  # the norm travels with the weights
    assert bool(restored.norm_frozen) and torch.equal(restored.kernel_norm, frozen)


# ---- errors and export ---------------------------------------------------------------------


def test_user_errors_name_the_value() -> None:
    layer = _layer()
    with pytest.raises(KilnError, match=r"expects \(batch, length, 3\), got \(1, 10, 4\)"):
        layer(torch.randn(1, 10, 4, dtype=F64))
    with pytest.raises(KilnError, match="length 51 is outside 1..l_max=50"):
        layer(torch.randn(1, 51, 3, dtype=F64))
    with pytest.raises(KilnError, match="unknown SGConv mode 'fast'"):
        _layer(mode="fast")
    with pytest.raises(KilnError, match="kernel_dim must be at least 1, got 0"):
        _layer(kernel_dim=0)
    with pytest.raises(KilnError, match=r"decay must lie in \(0, 1\], got 2"):
        _layer(decay=2)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_direct_export_matches_torch_in_onnxruntime(tmp_path, bidirectional: bool) -> None:
    spec = sgconv_export(seq=32, bidirectional=bidirectional)
    path = export_onnx(spec, tmp_path / "sgconv.onnx")
    ops = op_types(path)
    assert not {"DFT", "STFT", "Resize", "Gather"} & set(ops)  # taps; the kernel is constant
    (got,) = run_onnxruntime(path, spec)
    (want,) = torch_outputs(spec)
    assert got.shape == (1, 32, 8)
    assert abs(torch.from_numpy(got) - want).max() < 1e-5


def test_export_default_config() -> None:
    spec = sgconv_export()
    assert tuple(spec.inputs[0].shape) == (1, 64, 8)
    assert spec.config["num_scales"] == 5 and spec.module.mode == "direct"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA-only check: no GPU visible")
def test_cuda_matches_cpu() -> None:
    layer = _layer(heads=2, bidirectional=True).float()
    u = torch.randn(2, 50, 3)
    want = layer(u)
    got = layer.to("cuda")(u.to("cuda")).cpu()
    assert (got - want).abs().max() < 1e-4
