"""Torch modules of the user-level multi-instance model (LMILAtt, paper 000).

Pieces, each small and usable alone:

* :class:`LSTMAutoencoder` -- an LSTM encoder over a user's time-ordered post
  embeddings whose hidden state per post is that post's feature, and an LSTM decoder
  that reconstructs the post embeddings from those features. Trained by
  reconstruction only (no labels). :meth:`LSTMAutoencoder.reconstruction_loss`
  counts real posts only.
* Pooling over the posts of a bag, all taking ``(h, mask, attention_mask)`` and
  returning ``(pooled, weights)``:
  :class:`AttentionPooling` (the paper's equations 1-3), :class:`GatedAttentionPooling`
  (Ilse et al. 2018), :class:`MeanPooling`, :class:`MaxPooling`.
* Heads: :class:`BinaryHead`, :class:`MulticlassHead`, :class:`OrdinalHead`
  (CORAL cumulative link), :class:`RegressionHead`, each owning its loss and its
  conversion of outputs to probabilities / predictions.
* :class:`MILNetwork` -- encoder + pooling + head.

Masks
-----
``mask`` (bool, ``(n, T)``) marks real posts; padded slots may hold any value (even
``inf``) and never influence an output: inputs are zeroed there before any layer,
LSTMs run on packed sequences, attention scores there are ``-inf`` before the
softmax, and the reconstruction loss selects real posts only.

``attention_mask`` (optional, ``(n, T)``) is the hook for masked hard-instance mining
(issue 6): a bool tensor (``False`` = masked) or float weights in ``[0, 1]`` (soft
masking: the unnormalised attention of a post is multiplied by its weight). A post
with ``False`` or weight ``0`` gets exactly zero attention. The mask acts on pooling
only; the encoder still reads the whole timeline. A bag whose posts are all masked
pools to a zero vector with all-zero weights.

Example
-------
>>> import torch
>>> net = MILNetwork(input_dim=8, hidden_size=4, head=BinaryHead(4))
>>> out = net(torch.randn(2, 5, 8), torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]).bool())
>>> out.attention.shape, round(float(out.attention[0, 3:].sum()), 6)
(torch.Size([2, 5]), 0.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

# --------------------------------------------------------------------------- helpers


def combine_masks(mask: torch.Tensor, attention_mask: torch.Tensor | None):
    """``(keep, log_weight)``: which posts may receive attention, and the additive
    log-weight for soft masks (``None`` for hard masks)."""
    keep = mask.bool()
    if attention_mask is None:
        return keep, None
    if attention_mask.shape != mask.shape:
        raise ValueError(
            f"attention_mask has shape {tuple(attention_mask.shape)}, expected {tuple(mask.shape)}"
        )
    if attention_mask.dtype == torch.bool:
        return keep & attention_mask, None
    weights = attention_mask.to(torch.float32)
    if bool(((weights < 0) | (weights > 1)).any()):
        raise ValueError("a float attention_mask must hold weights in [0, 1]")
    keep = keep & (weights > 0)
    log_w = torch.log(weights.clamp_min(torch.finfo(torch.float32).tiny))
    return keep, log_w


def masked_softmax(scores: torch.Tensor, keep: torch.Tensor, log_weight: torch.Tensor | None = None):
    """Softmax over the posts where ``keep`` is True; exactly 0 elsewhere.

    Rows with no kept post return all zeros (and a finite gradient).
    """
    if log_weight is not None:
        scores = scores + torch.where(keep, log_weight, torch.zeros_like(log_weight))
    any_keep = keep.any(dim=-1, keepdim=True)
    keep_eff = keep | ~any_keep  # empty rows: softmax over everything, then zeroed
    weights = torch.softmax(scores.masked_fill(~keep_eff, float("-inf")), dim=-1)
    return weights * any_keep.to(weights.dtype)


def attention_entropy(weights: torch.Tensor, keep: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Entropy (nats) of each row of ``weights`` and the same divided by ``log(n_kept)``.

    Normalised entropy is 1 for uniform attention (no better than averaging) and
    near 0 when one post takes all the weight; bags of one post count as 1.
    """
    w = weights.clamp_min(1e-12)
    ent = -(weights * torch.log(w)).sum(dim=-1)
    n = keep.sum(dim=-1).to(weights.dtype)
    denom = torch.log(n.clamp_min(2.0))
    norm = torch.where(n > 1, ent / denom, torch.ones_like(ent))
    return ent, norm


def zero_padding(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``x`` ``(n, T, dim)`` with exact zeros at padded slots, in one pass over it.

    The result is stored time-major (``(T, n, dim)`` memory, returned as an ``(n, T, dim)``
    view): the LSTM kernel works on time-major memory, so it reads this without first
    copying a batch-major tensor into that layout (the profiler's largest ``copy_``).
    With gradients to ``x`` it is a plain ``torch.where``.
    """
    zero = torch.zeros((), dtype=x.dtype, device=x.device)
    if x.requires_grad and torch.is_grad_enabled():
        return torch.where(mask[..., None], x, zero)
    out = x.new_empty((x.shape[1], x.shape[0], x.shape[2]))
    torch.where(mask.transpose(0, 1)[..., None], x.transpose(0, 1), zero, out=out)
    return out.transpose(0, 1)


def _run_lstm(lstm: nn.LSTM, x: torch.Tensor, mask: torch.Tensor, chunk_len: int | None) -> torch.Tensor:
    """Run ``lstm`` over right-padded sequences, restarting every ``chunk_len`` steps.

    Returns outputs ``(n, T, H)`` with exact zeros at padded slots.

    A one-directional LSTM runs over the padded tensor as it is: padding comes after
    every real post, so the output at a real post never depends on it, and the outputs
    at padded slots are zeroed. That is the fused kernel without packing and unpacking
    the batch; it computes the padded steps too, so a batch should hold bags of similar
    length (the callers sort them). A bidirectional LSTM reads the timeline backwards as
    well, so it runs on packed sequences.
    """
    n, T, _ = x.shape
    hidden = lstm.hidden_size * (2 if lstm.bidirectional else 1)
    if chunk_len and T > chunk_len:
        if T % chunk_len:
            raise ValueError(f"padded length {T} is not a whole number of chunks of {chunk_len}")
        n_chunks = T // chunk_len
        xs = x.reshape(n * n_chunks, chunk_len, x.shape[-1])
        ms = mask.reshape(n * n_chunks, chunk_len)
        return _run_lstm(lstm, xs, ms, None).reshape(n, T, hidden)
    if not lstm.bidirectional:
        res, _ = lstm(x)
        return torch.where(mask[..., None], res, torch.zeros((), dtype=res.dtype))
    lengths = mask.sum(dim=1)
    out = x.new_zeros(n, T, hidden)
    rows = torch.nonzero(lengths > 0, as_tuple=True)[0]
    if rows.numel() == 0:
        return out
    packed = pack_padded_sequence(
        x[rows], lengths[rows].cpu(), batch_first=True, enforce_sorted=False
    )
    res, _ = lstm(packed)
    res, _ = pad_packed_sequence(res, batch_first=True, total_length=T)
    out = out.index_copy(0, rows, res)
    return out


# --------------------------------------------------------------------------- encoder


class LSTMAutoencoder(nn.Module):
    """LSTM autoencoder over a bag of post embeddings (paper 000, section III.B).

    The encoder LSTM reads the time-ordered post embeddings; its hidden state at each
    post is that post's feature (``hidden_size`` values, twice that when
    bidirectional, smaller than the embedding so the code is a bottleneck). The
    decoder LSTM reads the features and a linear layer maps them back to the
    embedding space. ``noise`` adds input dropout during training (denoising), which
    pushes the encoder to use the neighbouring posts.
    """

    def __init__(
        self,
        input_dim: int,
        hidden_size: int = 128,
        *,
        num_layers: int = 1,
        bidirectional: bool = False,
        noise: float = 0.0,
        chunk_len: int | None = None,
    ):
        super().__init__()
        self.input_dim = input_dim
        self.chunk_len = chunk_len
        self.encoder = nn.LSTM(
            input_dim, hidden_size, num_layers=num_layers, batch_first=True, bidirectional=bidirectional
        )
        self.output_dim = hidden_size * (2 if bidirectional else 1)
        self.decoder = nn.LSTM(self.output_dim, hidden_size, batch_first=True)
        self.project = nn.Linear(hidden_size, input_dim)
        self.noise = nn.Dropout(noise)

    def encode(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.encode_zeroed(zero_padding(x, mask), mask)

    def encode_zeroed(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """:meth:`encode` for ``x`` already zeroed at padded slots (saves a pass over it)."""
        return _run_lstm(self.encoder, self.noise(x), mask, self.chunk_len)

    def decode(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        out = self.project(_run_lstm(self.decoder, h, mask, self.chunk_len))
        return torch.where(mask[..., None], out, torch.zeros((), dtype=out.dtype))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encode(x, mask)
        return h, self.decode(h, mask)

    @staticmethod
    def reconstruction_error(x: torch.Tensor, recon: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean squared error per bag over its real posts only, ``(n,)``."""
        sq = torch.where(mask[..., None], (recon - torch.where(mask[..., None], x, 0.0)) ** 2, 0.0)
        per_post = sq.mean(dim=-1)
        return per_post.sum(dim=1) / mask.sum(dim=1).clamp_min(1)

    @staticmethod
    def reconstruction_loss(x: torch.Tensor, recon: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean squared error over the real posts of the batch (padding excluded)."""
        m = mask[..., None]
        sq = torch.where(m, (recon - torch.where(m, x, 0.0)) ** 2, 0.0)
        return sq.sum() / (mask.sum().clamp_min(1) * x.shape[-1])


# --------------------------------------------------------------------------- pooling


class AttentionPooling(nn.Module):
    """Attention pooling of paper 000, equations 1-3.

    ``u_i = tanh(W h_i + b)``; ``a_i = softmax_i(u_i^T u_w)`` over real (and not
    masked) posts; ``v = sum_i a_i h_i``.
    """

    def __init__(self, input_dim: int, attention_size: int = 64):
        super().__init__()
        self.proj = nn.Linear(input_dim, attention_size)
        self.context = nn.Parameter(torch.empty(attention_size))
        nn.init.normal_(self.context, std=1.0 / math.sqrt(attention_size))

    def scores(self, h: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.proj(h)) @ self.context

    def forward(self, h, mask, attention_mask=None):
        keep, log_w = combine_masks(mask, attention_mask)
        weights = masked_softmax(self.scores(h), keep, log_w)
        return torch.einsum("nt,nth->nh", weights, h), weights


class GatedAttentionPooling(AttentionPooling):
    """Gated attention (Ilse, Tomczak & Welling 2018):
    ``a_i = softmax_i(w^T (tanh(V h_i) * sigmoid(U h_i)))``."""

    def __init__(self, input_dim: int, attention_size: int = 64):
        super().__init__(input_dim, attention_size)
        self.gate = nn.Linear(input_dim, attention_size)

    def scores(self, h: torch.Tensor) -> torch.Tensor:
        return (torch.tanh(self.proj(h)) * torch.sigmoid(self.gate(h))) @ self.context


class MeanPooling(nn.Module):
    """Average of the kept posts; its 'attention' is uniform over them."""

    def forward(self, h, mask, attention_mask=None):
        keep, log_w = combine_masks(mask, attention_mask)
        w = keep.to(h.dtype) if log_w is None else torch.where(keep, log_w.exp(), 0.0)
        weights = w / w.sum(dim=-1, keepdim=True).clamp_min(1e-12)
        return torch.einsum("nt,nth->nh", weights, h), weights


class MaxPooling(nn.Module):
    """Feature-wise maximum over the kept posts.

    Its 'attention' is each post's share of the features it supplies the maximum
    for, so explanations still rank posts. Soft masks act as hard masks here.
    """

    def forward(self, h, mask, attention_mask=None):
        keep, _ = combine_masks(mask, attention_mask)
        filled = h.masked_fill(~keep[..., None], float("-inf"))
        values, index = filled.max(dim=1)
        any_keep = keep.any(dim=-1, keepdim=True)
        pooled = torch.where(any_keep, values, torch.zeros_like(values))
        counts = torch.zeros_like(keep, dtype=h.dtype).scatter_add_(
            1, index, torch.ones_like(index, dtype=h.dtype)
        )
        weights = counts / h.shape[-1] * any_keep.to(h.dtype)
        return pooled, weights


class AttentionMeanPooling(AttentionPooling):
    """Attention pooling and mean pooling side by side: ``[sum a_i h_i, mean_i h_i]``.

    The attention half can focus on a few posts while the mean half keeps the overall
    tone of the timeline; the returned weights are the attention's (for explanations
    and masking; the mean is taken over the same kept posts).
    """

    output_factor = 2

    def forward(self, h, mask, attention_mask=None):
        pooled, weights = super().forward(h, mask, attention_mask)
        mean, _ = MeanPooling()(h, mask, attention_mask)
        return torch.cat([pooled, mean], dim=-1), weights


POOLINGS = {
    "attention": AttentionPooling,
    "attention+mean": AttentionMeanPooling,
    "gated": GatedAttentionPooling,
    "mean": MeanPooling,
    "max": MaxPooling,
}


def make_pooling(kind: str, input_dim: int, attention_size: int = 64) -> nn.Module:
    if kind not in POOLINGS:
        raise ValueError(f"unknown pooling '{kind}' (use one of {sorted(POOLINGS)})")
    if kind in ("attention", "gated", "attention+mean"):
        return POOLINGS[kind](input_dim, attention_size)
    return POOLINGS[kind]()


# --------------------------------------------------------------------------- heads


class BinaryHead(nn.Module):
    """One logit; binary cross-entropy; ``proba`` is ``[1 - p, p]``."""

    kind = "binary"

    def __init__(self, input_dim: int, n_classes: int = 2):
        super().__init__()
        self.n_classes = 2
        self.linear = nn.Linear(input_dim, 1)

    def forward(self, v):
        return self.linear(v).squeeze(-1)

    def loss(self, out, y, class_weight=None, sample_weight=None):
        target = y.to(out.dtype)
        per = nn.functional.binary_cross_entropy_with_logits(out, target, reduction="none")
        if class_weight is not None:
            per = per * class_weight[y.long()]
        return _weighted_mean(per, sample_weight)

    def proba(self, out):
        p = torch.sigmoid(out)
        return torch.stack([1 - p, p], dim=-1)

    def predict(self, out):
        return (out > 0).long()

    def score(self, out):
        """One number per bag that increases with the positive class."""
        return torch.sigmoid(out)


class MulticlassHead(nn.Module):
    """K logits; cross-entropy."""

    kind = "multiclass"

    def __init__(self, input_dim: int, n_classes: int):
        super().__init__()
        self.n_classes = n_classes
        self.linear = nn.Linear(input_dim, n_classes)

    def forward(self, v):
        return self.linear(v)

    def loss(self, out, y, class_weight=None, sample_weight=None):
        per = nn.functional.cross_entropy(out, y.long(), weight=class_weight, reduction="none")
        if class_weight is not None:  # match cross_entropy's weighted mean
            w = class_weight[y.long()] * (1.0 if sample_weight is None else sample_weight)
            return per.sum() / w.sum().clamp_min(1e-12)
        return _weighted_mean(per, sample_weight)

    def proba(self, out):
        return torch.softmax(out, dim=-1)

    def predict(self, out):
        return out.argmax(dim=-1)

    def score(self, out):
        return (self.proba(out) * torch.arange(self.n_classes, dtype=out.dtype)).sum(-1)


class OrdinalHead(nn.Module):
    """Cumulative-link ordinal head (CORAL, Cao, Mirjalili & Raschka 2020).

    One shared score ``g(v)`` and ``K - 1`` ordered thresholds: ``P(y > k) =
    sigmoid(g(v) + b_k)``. The loss is the sum of the ``K - 1`` binary
    cross-entropies; the prediction is the number of thresholds passed
    (``P(y > k) > 0.5``), a median-like estimate that suits MAE.
    """

    kind = "ordinal"

    def __init__(self, input_dim: int, n_classes: int):
        super().__init__()
        if n_classes < 2:
            raise ValueError("an ordinal head needs at least 2 levels")
        self.n_classes = n_classes
        self.linear = nn.Linear(input_dim, 1, bias=False)
        self.bias = nn.Parameter(torch.linspace(1.0, -1.0, n_classes - 1))

    def forward(self, v):
        return self.linear(v) + self.bias  # (n, K-1)

    def loss(self, out, y, class_weight=None, sample_weight=None):
        levels = torch.arange(self.n_classes - 1, device=out.device)
        target = (y.long()[:, None] > levels[None, :]).to(out.dtype)
        per = nn.functional.binary_cross_entropy_with_logits(out, target, reduction="none").sum(-1)
        if class_weight is not None:
            per = per * class_weight[y.long()]
        return _weighted_mean(per, sample_weight)

    def proba(self, out):
        greater = torch.sigmoid(out)
        greater = torch.cummin(greater, dim=-1).values  # P(y>k) non-increasing in k
        ones = torch.ones_like(greater[:, :1])
        zeros = torch.zeros_like(greater[:, :1])
        cum = torch.cat([ones, greater, zeros], dim=-1)
        return (cum[:, :-1] - cum[:, 1:]).clamp_min(0)

    def predict(self, out):
        return (torch.sigmoid(out) > 0.5).sum(dim=-1)

    def score(self, out):
        """Expected level, ``sum_k P(y > k)``."""
        return torch.sigmoid(out).sum(dim=-1)


class RegressionHead(nn.Module):
    """One real output; mean squared error (targets standardised by the caller)."""

    kind = "regression"

    def __init__(self, input_dim: int, n_classes: int = 0):
        super().__init__()
        self.n_classes = 0
        self.linear = nn.Linear(input_dim, 1)

    def forward(self, v):
        return self.linear(v).squeeze(-1)

    def loss(self, out, y, class_weight=None, sample_weight=None):
        per = (out - y.to(out.dtype)) ** 2
        return _weighted_mean(per, sample_weight)

    def proba(self, out):
        raise ValueError("a regression head has no class probabilities")

    def predict(self, out):
        return out

    def score(self, out):
        return out


HEADS = {
    "binary": BinaryHead,
    "multiclass": MulticlassHead,
    "ordinal": OrdinalHead,
    "regression": RegressionHead,
}


def make_head(kind: str, input_dim: int, n_classes: int) -> nn.Module:
    if kind not in HEADS:
        raise ValueError(f"unknown head '{kind}' (use one of {sorted(HEADS)})")
    return HEADS[kind](input_dim, n_classes)


def _weighted_mean(per: torch.Tensor, sample_weight: torch.Tensor | None) -> torch.Tensor:
    if sample_weight is None:
        return per.mean()
    return (per * sample_weight).sum() / sample_weight.sum().clamp_min(1e-12)


# --------------------------------------------------------------------------- network


@dataclass
class MILOutput:
    """What :meth:`MILNetwork.forward` returns."""

    out: torch.Tensor  # head output (logits / cumulative logits / value)
    attention: torch.Tensor  # (n, T) weights, exactly 0 at padded / masked posts
    features: torch.Tensor  # (n, T, H) post features fed to pooling
    pooled: torch.Tensor  # (n, H) the user vector
    keep: torch.Tensor  # (n, T) posts that could receive attention


class MILNetwork(nn.Module):
    """Encoder + pooling + head: a user's bag of post embeddings -> one prediction.

    Parameters
    ----------
    input_dim : size of the post embeddings.
    hidden_size : LSTM size (post features have this size, twice when bidirectional).
    encoder : ``"lstm"`` (an :class:`LSTMAutoencoder`'s encoder) or ``"none"``
        (pool the post embeddings themselves: an ablation without temporal context).
    pooling : ``"attention"``, ``"gated"``, ``"attention+mean"``, ``"mean"`` or ``"max"``.
    head : a head module; built by the estimator from the labels.
    chunk_len : restart the LSTM every ``chunk_len`` posts (``"chunks"`` policy).
    skip_embedding : post feature = ``[LSTM state, post embedding]`` instead of the
        LSTM state alone (the reconstruction bottleneck keeps the dominant variance,
        such as topic, and can lose a rare signal; the skip keeps it).
    """

    def __init__(
        self,
        input_dim: int,
        hidden_size: int = 128,
        *,
        head: nn.Module | None = None,
        encoder: str = "lstm",
        pooling: str = "attention",
        attention_size: int = 64,
        bidirectional: bool = False,
        dropout: float = 0.1,
        ae_noise: float = 0.0,
        chunk_len: int | None = None,
        skip_embedding: bool = False,
    ):
        super().__init__()
        if encoder not in ("lstm", "none"):
            raise ValueError(f"unknown encoder '{encoder}' (use 'lstm' or 'none')")
        self.encoder_kind = encoder
        if encoder == "lstm":
            self.autoencoder = LSTMAutoencoder(
                input_dim, hidden_size, bidirectional=bidirectional, noise=ae_noise, chunk_len=chunk_len
            )
            feat_dim = self.autoencoder.output_dim + (input_dim if skip_embedding else 0)
        else:
            self.autoencoder = None
            feat_dim = input_dim
        self.skip_embedding = bool(skip_embedding and encoder == "lstm")
        self.feature_dim = feat_dim
        self.pooling = make_pooling(pooling, feat_dim, attention_size)
        self.pooled_dim = feat_dim * getattr(self.pooling, "output_factor", 1)
        self.dropout = nn.Dropout(dropout)
        self.head = head if head is not None else BinaryHead(self.pooled_dim)
        self.encoder_frozen = False

    def freeze_encoder(self, frozen: bool = True) -> "MILNetwork":
        """Stop (or restart) training the encoder: no gradients, always in eval mode."""
        self.encoder_frozen = frozen
        for p in self.encoder_parameters():
            p.requires_grad_(not frozen)
        return self.train(self.training)

    def train(self, mode: bool = True) -> "MILNetwork":
        super().train(mode)
        if self.encoder_frozen and self.autoencoder is not None:
            self.autoencoder.eval()  # a frozen encoder keeps its dropout off
        return self

    def pool(self, h, mask, attention_mask=None) -> MILOutput:
        """Pooling + head on post features ``h`` (already encoded)."""
        mask = mask.bool()
        pooled, weights = self.pooling(h, mask, attention_mask)
        out = self.head(self.dropout(pooled))
        keep, _ = combine_masks(mask, attention_mask)
        return MILOutput(out=out, attention=weights, features=h, pooled=pooled, keep=keep)

    def encoder_parameters(self):
        return [] if self.autoencoder is None else list(self.autoencoder.encoder.parameters())

    def features(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        mask = mask.bool()
        x = zero_padding(x, mask)
        if self.autoencoder is None:
            return x
        h = self.autoencoder.encode_zeroed(x, mask)
        return torch.cat([h, x], dim=-1) if self.skip_embedding else h

    def attend(self, x, mask, attention_mask=None) -> torch.Tensor:
        """Attention weights only (what a donor model supplies in issue 6)."""
        return self.forward(x, mask, attention_mask).attention

    def forward(self, x: torch.Tensor, mask: torch.Tensor, attention_mask: torch.Tensor | None = None) -> MILOutput:
        mask = mask.bool()
        return self.pool(self.features(x, mask), mask, attention_mask)


def to_tensor(a: np.ndarray, dtype=torch.float32) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a)).to(dtype)
