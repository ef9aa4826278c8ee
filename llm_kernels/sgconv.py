"""SGConv, the structured global convolution of Li et al. 2022, "What Makes Convolutional
Models Great on Long Sequence Modeling?" (arXiv 2210.09298; official code ctlllll/SGConv).

The layer convolves each channel with a kernel as long as the sequence. The kernel is built
from a few short learnable sub-kernels (parameters grow with log L, not L), each stretched to a
span twice the previous one and weighted by a decay, so near taps weigh more than far ones.
Choices, and where the official code (`gconv_standalone.py`, mode "cat_randn") differs from the
paper, are noted where they are made:

- Scales: `num_scales = 1 + ceil(log2(l_max / d))`; every sub-kernel has `d` parameters and
  scale `i` spans `d * 2**max(0, i - 1)` taps (d, d, 2d, 4d, ...), as in both.
- Upsampling: linear interpolation with half-pixel centres (`F.interpolate(mode="linear")`,
  `align_corners=False`), the official default; the paper only says "upsample".
- Decay: scale `i` is multiplied by `decay**i` (paper: alpha = 1/2). The official code
  multiplies by `2**(num_scales - 1 - i)` instead; the two differ by one constant factor,
  which the normalization removes, so the normalized kernels are the same.
- Normalization: each kernel is divided by its L2 norm, computed once at first use and kept
  in the `kernel_norm` buffer (official); later parameter updates are not renormalized. Here
  the norm is taken over the kernel cut to `l_max`, so `kernel(l_max)` has unit norm at first
  use; the official code takes it over the whole concatenation (`d * 2**(num_scales - 1)`
  taps, longer than `l_max` unless `l_max / d` is a power of two).
- Heads ("channels" officially): `heads` independent kernels per channel, their outputs
  concatenated and mixed back to `channels` by the output Linear; D has one weight per head
  and channel. Bidirectional adds a second set of kernels applied to the future (official
  layout: the flipped backward kernel fills the upper half of the 2L FFT buffer, so its tap
  j multiplies u[t + 1 + j]).
- Longer inputs than `l_max` are rejected (the official code zero-pads the kernel instead).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from kiln.base.errors import KilnError
from kiln.llm_kernels.export import ExportSpec

MODES = ("fft", "direct", "conv1d", "toeplitz")


def num_scales(l_max: int, kernel_dim: int) -> int:
    """Fewest scales whose spans d, d, 2d, 4d, ... cover `l_max` taps."""
    n = 1
    while kernel_dim * 2 ** (n - 1) < l_max:
        n += 1
    return n


def scale_spans(l_max: int, kernel_dim: int) -> list[int]:
    """Taps covered by each scale before the cut to `l_max`: d, d, 2d, 4d, ..."""
    return [kernel_dim * 2 ** max(0, i - 1) for i in range(num_scales(l_max, kernel_dim))]


@functools.lru_cache(maxsize=64)
def _interpolation_taps(d: int, span: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Left and right source index and right weight of each output tap, computed in Python
    so that a trace records them as constants."""
    pos = [max(0.0, (j + 0.5) * d / span - 0.5) for j in range(span)]
    lo = [min(int(p), d - 1) for p in pos]
    hi = [min(i + 1, d - 1) for i in lo]
    frac = [p - i for p, i in zip(pos, lo, strict=True)]
    return torch.tensor(lo), torch.tensor(hi), torch.tensor(frac, dtype=torch.float64)


def upsample_linear(sub: torch.Tensor, span: int) -> torch.Tensor:
    """Stretch (..., d) to (..., span) by linear interpolation with half-pixel centres, equal to
    `F.interpolate(mode="linear", align_corners=False)`; written as two gathers so the ONNX
    exporter folds a parameter-only kernel into a constant (it cannot fold Resize)."""
    lo, hi, frac = (t.to(sub.device) for t in _interpolation_taps(sub.shape[-1], span))
    frac = frac.to(sub.dtype)
    return sub[..., lo] * (1 - frac) + sub[..., hi] * frac


def multiscale_kernel(
    sub_kernels: Sequence[torch.Tensor], decay: float, length: int
) -> torch.Tensor:
    """Concatenate the sub-kernels (..., d), scale i upsampled to its span and weighted by
    `decay**i`, cut to `length` taps; unnormalized."""
    pieces = []
    for i, sub in enumerate(sub_kernels):
        span = sub.shape[-1] * 2 ** max(0, i - 1)
        stretched = sub if span == sub.shape[-1] else upsample_linear(sub, span)
        pieces.append(stretched * decay**i)
    return torch.cat(pieces, dim=-1)[..., :length]


# ---- causal (and anti-causal) long convolution, four equal forms ---------------------------
# x is (batch, n, L); kf and kb are (n, L): y[t] = sum_{j<=t} kf[j] x[t-j]
#                                                 + sum_{j<L-1-t} kb[j] x[t+1+j].


def conv_fft(x: torch.Tensor, kf: torch.Tensor, kb: torch.Tensor | None = None) -> torch.Tensor:
    """O(L log L): multiply spectra of length 2L (no wrap-around) and keep the first L."""
    length = x.shape[-1]
    k = kf if kb is None else torch.cat([kf, kb.flip(-1)], dim=-1)
    spectrum = torch.fft.rfft(x, n=2 * length) * torch.fft.rfft(k, n=2 * length)
    return torch.fft.irfft(spectrum, n=2 * length)[..., :length]


def conv_direct(x: torch.Tensor, kf: torch.Tensor, kb: torch.Tensor | None = None) -> torch.Tensor:
    """O(L^2) sum over taps of shifted windows of the zero-padded input; in ONNX one Slice,
    Mul and Add per tap, no DFT."""
    length = x.shape[-1]
    past = torch.cat([x.new_zeros(*x.shape[:-1], length - 1), x], dim=-1)
    y = kf[:, :1] * x
    for j in range(1, length):
        y = y + kf[:, j : j + 1] * past[..., length - 1 - j : 2 * length - 1 - j]
    if kb is not None:
        future = torch.cat([x[..., 1:], x.new_zeros(*x.shape[:-1], length)], dim=-1)
        for j in range(length - 1):
            y = y + kb[:, j : j + 1] * future[..., j : j + length]
    return y


def conv_conv1d(x: torch.Tensor, kf: torch.Tensor, kb: torch.Tensor | None = None) -> torch.Tensor:
    """Depthwise `F.conv1d` (the op behind `nn.Conv1d`, a cross-correlation, hence the flip),
    with L - 1 zeros of left padding for causality."""
    length, n = x.shape[-1], x.shape[-2]
    y = F.conv1d(F.pad(x, (length - 1, 0)), kf.flip(-1).unsqueeze(1), groups=n)
    if kb is not None:
        y = y + F.conv1d(F.pad(x[..., 1:], (0, length)), kb.unsqueeze(1), groups=n)
    return y


def toeplitz(kf: torch.Tensor, kb: torch.Tensor | None = None) -> torch.Tensor:
    """The (n, L, L) matrices T with y = T x: T[t, s] = kf[t - s] below and on the diagonal,
    kb[s - t - 1] above it (zero when causal)."""
    length = kf.shape[-1]
    pos = torch.arange(length, device=kf.device)
    lag = pos.view(-1, 1) - pos.view(1, -1)
    matrix = torch.where(lag >= 0, kf[:, lag.clamp(min=0)], kf.new_zeros(()))
    if kb is not None:
        ahead = (-lag - 1).clamp(min=0)
        matrix = matrix + torch.where(lag < 0, kb[:, ahead], kb.new_zeros(()))
    return matrix


def conv_toeplitz(
    x: torch.Tensor, kf: torch.Tensor, kb: torch.Tensor | None = None
) -> torch.Tensor:
    """The convolution as an explicit matrix product, the definition the others must meet."""
    return torch.einsum("nts,bns->bnt", toeplitz(kf, kb), x)


def _unknown_mode(mode: str) -> KilnError:
    return KilnError(f"unknown SGConv mode {mode!r}", hint=f"choose one of: {', '.join(MODES)}")


CONV_FORMS: dict[str, Callable[..., torch.Tensor]] = {
    "fft": conv_fft,
    "direct": conv_direct,
    "conv1d": conv_conv1d,
    "toeplitz": conv_toeplitz,
}


def long_conv(
    x: torch.Tensor, kf: torch.Tensor, kb: torch.Tensor | None = None, mode: str = "fft"
) -> torch.Tensor:
    """Convolve x (batch, n, L) with kernels (n, L) in the form `mode`; all forms agree."""
    if mode not in CONV_FORMS:
        raise _unknown_mode(mode)
    if kf.shape != x.shape[-2:] or (kb is not None and kb.shape != kf.shape):
        raise KilnError(
            f"kernel shape {tuple(kf.shape)} does not match input (n, L) = {tuple(x.shape[-2:])}",
            hint="pass one kernel of exactly L taps per input row",
        )
    return CONV_FORMS[mode](x, kf, kb)


class SGConv(nn.Module):
    """SGConv layer on (batch, length, channels): long depthwise convolution with the
    multi-scale kernel, D skip, GELU, output Linear from heads * channels to channels."""

    def __init__(
        self,
        channels: int,
        l_max: int,
        kernel_dim: int = 64,
        heads: int = 1,
        bidirectional: bool = False,
        decay: float = 0.5,
        mode: str = "fft",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        sizes = {"channels": channels, "l_max": l_max, "kernel_dim": kernel_dim, "heads": heads}
        for name, value in sizes.items():
            if value < 1:
                raise KilnError(f"SGConv {name} must be at least 1, got {value}")
        if not 0.0 < decay <= 1.0:
            raise KilnError(
                f"SGConv decay must lie in (0, 1], got {decay}",
                hint="the paper uses 1/2: each scale weighs half the previous one",
            )
        if mode not in MODES:
            raise _unknown_mode(mode)
        self.channels, self.l_max, self.kernel_dim = channels, l_max, kernel_dim
        self.heads, self.bidirectional, self.decay, self.mode = heads, bidirectional, decay, mode
        factory = {"device": device, "dtype": dtype}
        kernels = heads * (2 if bidirectional else 1)  # forward heads first, then backward
        self.sub_kernels = nn.ParameterList(
            nn.Parameter(torch.randn(kernels, channels, kernel_dim, **factory))
            for _ in range(num_scales(l_max, kernel_dim))
        )
        self.D = nn.Parameter(torch.randn(heads, channels, **factory))
        self.activation = nn.GELU()
        self.output = nn.Linear(heads * channels, channels, **factory)
        self.register_buffer("kernel_norm", torch.ones(kernels, channels, 1, **factory))
        self.register_buffer("norm_frozen", torch.zeros((), dtype=torch.bool, device=device))

    def raw_kernel(self, length: int) -> torch.Tensor:
        """The unnormalized kernels (kernels, channels, length)."""
        return multiscale_kernel(list(self.sub_kernels), self.decay, length)

    def freeze_norm(self) -> None:
        """Compute and store the kernel norm, once; the first forward calls it."""
        if bool(self.norm_frozen):
            return
        with torch.no_grad():
            self.kernel_norm.copy_(self.raw_kernel(self.l_max).norm(dim=-1, keepdim=True))
            self.norm_frozen.fill_(True)

    def kernel(self, length: int | None = None) -> torch.Tensor:
        """The normalized kernels (kernels, channels, length), forward heads then backward."""
        self.freeze_norm()
        return self.raw_kernel(self.l_max if length is None else length) / self.kernel_norm

    def conv(self, u: torch.Tensor) -> torch.Tensor:
        """Long convolution plus D skip, before the activation: (B, L, C) -> (B, L, heads * C)
        with head-major features (head h holds features h * C to h * C + C - 1)."""
        self._check_input(u)
        length = u.shape[1]
        k = self.kernel(length).reshape(-1, self.heads * self.channels, length)
        x = u.transpose(1, 2).repeat(1, self.heads, 1)
        kb = k[1] if self.bidirectional else None
        y = long_conv(x, k[0], kb, self.mode) + self.D.reshape(-1, 1) * x
        return y.transpose(1, 2)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return self.output(self.activation(self.conv(u)))

    def _check_input(self, u: torch.Tensor) -> None:
        if u.dim() != 3 or u.shape[-1] != self.channels:
            raise KilnError(
                f"SGConv expects (batch, length, {self.channels}), got {tuple(u.shape)}",
                hint="inputs are batch-first with channels last",
            )
        if not 1 <= u.shape[1] <= self.l_max:
            raise KilnError(
                f"SGConv sequence length {u.shape[1]} is outside 1..l_max={self.l_max}",
                hint="build the layer with l_max at least the longest sequence",
            )


def sgconv_export(
    seq: int = 64,
    channels: int = 8,
    kernel_dim: int = 4,
    seed: int = 0,
    bidirectional: bool = False,
) -> ExportSpec:
    """An SGConv layer in the direct form (elementwise taps, no DFT in ONNX), input
    (1, seq, channels); the kernel norm is frozen before export."""
    torch.manual_seed(seed)
    layer = SGConv(channels, seq, kernel_dim, bidirectional=bidirectional, mode="direct")
    layer.freeze_norm()
    layer.eval()
    u = torch.randn(1, seq, channels)
    return ExportSpec(
        name="sgconv",
        module=layer,
        inputs=(u,),
        input_names=["u"],
        output_names=["y"],
        config={
            "seq": seq,
            "channels": channels,
            "kernel_dim": kernel_dim,
            "seed": seed,
            "bidirectional": bidirectional,
            "num_scales": num_scales(seq, kernel_dim),
        },
        summary=f"SGConv layer, {seq} x {channels}, direct causal form"
        + (", bidirectional" if bidirectional else ""),
    )


__all__ = [
    "CONV_FORMS",
    "MODES",
    "SGConv",
    "conv_conv1d",
    "conv_direct",
    "conv_fft",
    "conv_toeplitz",
    "long_conv",
    "multiscale_kernel",
    "num_scales",
    "scale_spans",
    "sgconv_export",
    "toeplitz",
    "upsample_linear",
]
