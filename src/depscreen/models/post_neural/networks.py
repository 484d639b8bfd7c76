"""Torch networks of the post-level classifiers (paper 003): CNN, LSTM, CNN-LSTM.

Every network takes one of two inputs (``input=``):

``"tfidf"``
    The (FastText-expanded) TF-IDF vector of a post, shape ``(batch, n_features)``,
    as in the paper. The CNN slides 1-D convolutions along the feature vector (one
    channel, ``n_features`` positions). The LSTM and the CNN-LSTM read the vector as
    ``seq_len`` time steps of ``ceil(n_features / seq_len)`` features each (zero
    padded); the default ``seq_len=1`` is the whole vector as one step, the
    ``reshape(n, 1, n_features)`` of Keras implementations of this design, which keeps
    every word's identity. Larger ``seq_len`` splits the vocabulary into chunks.
``"tokens"``
    Token ids, shape ``(batch, max_len)`` with lengths, looked up in an embedding
    table (initialisable from FastText vectors). The CNN is the usual multi-width
    convolution with max-over-time pooling; the LSTM packs the padded sequences;
    the CNN-LSTM convolves, pools by 2 and runs the LSTM over the pooled map.

All three use dropout before the classification layer and return logits
``(batch, n_classes)``.

Example
-------
>>> import torch
>>> net = CNN(n_classes=2, input="tfidf", n_features=50, filters=4)
>>> net(torch.rand(3, 50)).shape
torch.Size([3, 2])
"""

from __future__ import annotations

import inspect
import math
from typing import Sequence

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

INPUTS = ("tfidf", "tokens")

__all__ = ["CNN", "LSTM", "CNNLSTM", "NETWORKS", "build_network", "INPUTS"]


def _check_input(input: str, n_features: int | None, vocab_size: int | None) -> None:
    if input not in INPUTS:
        raise ValueError(f"input must be one of {INPUTS} (got {input!r})")
    if input == "tfidf" and not n_features:
        raise ValueError("input='tfidf' needs n_features > 0")
    if input == "tokens" and not vocab_size:
        raise ValueError("input='tokens' needs vocab_size > 0")


class _Embedder(nn.Module):
    """Token ids -> (batch, time, dim) with dropout; row 0 is padding."""

    def __init__(self, vocab_size: int, embed_dim: int, dropout: float):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.dropout = nn.Dropout(dropout)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.embedding(ids))


def _as_steps(x: torch.Tensor, steps: int, chunk: int, pad: int) -> torch.Tensor:
    """(batch, n_features) -> (batch, steps, chunk), zero padded at the end."""
    if pad:
        x = nn.functional.pad(x, (0, pad))
    return x.view(x.shape[0], steps, chunk)


def _step_shape(n_features: int, seq_len: int) -> tuple[int, int, int]:
    steps = max(1, min(int(seq_len), int(n_features)))
    chunk = math.ceil(int(n_features) / steps)
    return steps, chunk, steps * chunk - int(n_features)


def _lstm_last_hidden(lstm: nn.LSTM, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Final hidden state(s) of ``lstm`` over ``x`` (batch first), packed when lengths given."""
    if lengths is not None:
        x = pack_padded_sequence(
            x, lengths.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False
        )
    _, (h, _) = lstm(x)
    if lstm.bidirectional:
        return torch.cat([h[-2], h[-1]], dim=1)
    return h[-1]


class CNN(nn.Module):
    """1-D CNN over the TF-IDF feature vector or over embedded tokens.

    ``input="tfidf"``: ``Conv1d(1, filters, k)`` for each ``k`` in ``kernel_sizes``
    along the feature axis, ReLU, max-pool by ``pool_size``, flatten, dropout, a
    hidden dense layer and the output layer (the Keras-style text CNN of the paper).
    ``input="tokens"``: ``Conv1d(embed_dim, filters, k)`` per width, ReLU, max over
    time, concatenation, dropout, output layer.
    """

    def __init__(
        self,
        n_classes: int,
        *,
        input: str = "tfidf",
        n_features: int | None = None,
        vocab_size: int | None = None,
        embed_dim: int = 100,
        filters: int = 32,
        kernel_sizes: Sequence[int] = (3, 4, 5),
        pool_size: int = 4,
        hidden_size: int = 64,
        dropout: float = 0.5,
    ):
        super().__init__()
        _check_input(input, n_features, vocab_size)
        self.input = input
        kernel_sizes = [int(k) for k in kernel_sizes]
        if input == "tfidf":
            # no bias: a word absent from the post (TF-IDF 0) then gives exactly 0, so the
            # mostly-zero vector does not flood the dense layer with constant activations
            self.convs = nn.ModuleList(
                nn.Conv1d(1, filters, k, padding=k // 2, bias=False) for k in kernel_sizes
            )
            self.pool = nn.MaxPool1d(pool_size, ceil_mode=True)
            with torch.no_grad():
                probe = torch.zeros(1, 1, int(n_features))
                flat = sum(self.pool(torch.relu(c(probe))).numel() for c in self.convs)
            self.head = nn.Sequential(
                nn.Dropout(dropout),
                nn.Linear(flat, hidden_size),
                nn.ReLU(),
                nn.Dropout(dropout),
                nn.Linear(hidden_size, n_classes),
            )
        else:
            self.embed = _Embedder(int(vocab_size), embed_dim, dropout)
            self.convs = nn.ModuleList(
                nn.Conv1d(embed_dim, filters, k, padding=k // 2) for k in kernel_sizes
            )
            self.head = nn.Sequential(
                nn.Dropout(dropout), nn.Linear(filters * len(kernel_sizes), n_classes)
            )

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if self.input == "tfidf":
            x = x.unsqueeze(1)
            maps = [self.pool(torch.relu(conv(x))).flatten(1) for conv in self.convs]
            return self.head(torch.cat(maps, dim=1))
        h = self.embed(x).transpose(1, 2)  # (batch, dim, time)
        if lengths is not None:
            mask = (torch.arange(x.shape[1], device=x.device)[None, :] < lengths[:, None])
        pooled = []
        for conv in self.convs:
            m = torch.relu(conv(h))[:, :, : x.shape[1]]
            if lengths is not None:
                m = m.masked_fill(~mask[:, None, :], float("-inf"))
            pooled.append(m.max(dim=2).values.clamp(min=0))
        return self.head(torch.cat(pooled, dim=1))


class LSTM(nn.Module):
    """LSTM over the TF-IDF vector read as ``seq_len`` chunks, or over embedded tokens.

    The final hidden state (both directions when ``bidirectional``) goes through
    dropout to the output layer.
    """

    def __init__(
        self,
        n_classes: int,
        *,
        input: str = "tfidf",
        n_features: int | None = None,
        vocab_size: int | None = None,
        embed_dim: int = 100,
        hidden_size: int = 64,
        seq_len: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.5,
    ):
        super().__init__()
        _check_input(input, n_features, vocab_size)
        self.input = input
        if input == "tfidf":
            self.steps, self.chunk, self.pad = _step_shape(n_features, seq_len)
            in_size = self.chunk
        else:
            self.embed = _Embedder(int(vocab_size), embed_dim, dropout)
            in_size = embed_dim
        self.lstm = nn.LSTM(in_size, hidden_size, batch_first=True, bidirectional=bidirectional)
        out = hidden_size * (2 if bidirectional else 1)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(out, n_classes))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if self.input == "tfidf":
            seq = _as_steps(x, self.steps, self.chunk, self.pad)
            return self.head(_lstm_last_hidden(self.lstm, seq, None))
        return self.head(_lstm_last_hidden(self.lstm, self.embed(x), lengths))


class CNNLSTM(nn.Module):
    """Convolution first (local patterns), LSTM second (their order): the hybrid.

    ``input="tfidf"``: the vector as ``seq_len`` steps of feature chunks,
    ``Conv1d(chunk, filters, kernel_size)`` over the steps, ReLU, LSTM over the steps.
    ``input="tokens"``: ``Conv1d(embed_dim, filters, kernel_size)`` over the
    embedded tokens, ReLU, max-pool by 2, LSTM over the pooled positions.
    """

    def __init__(
        self,
        n_classes: int,
        *,
        input: str = "tfidf",
        n_features: int | None = None,
        vocab_size: int | None = None,
        embed_dim: int = 100,
        filters: int = 32,
        kernel_size: int = 3,
        hidden_size: int = 64,
        seq_len: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.5,
    ):
        super().__init__()
        _check_input(input, n_features, vocab_size)
        self.input = input
        k = int(kernel_size)
        if input == "tfidf":
            self.steps, self.chunk, self.pad = _step_shape(n_features, seq_len)
            self.conv = nn.Conv1d(self.chunk, filters, k, padding=k // 2)
        else:
            self.embed = _Embedder(int(vocab_size), embed_dim, dropout)
            self.conv = nn.Conv1d(embed_dim, filters, k, padding=k // 2)
            self.pool = nn.MaxPool1d(2, ceil_mode=True)
        self.lstm = nn.LSTM(filters, hidden_size, batch_first=True, bidirectional=bidirectional)
        out = hidden_size * (2 if bidirectional else 1)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(out, n_classes))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if self.input == "tfidf":
            seq = _as_steps(x, self.steps, self.chunk, self.pad).transpose(1, 2)
            m = torch.relu(self.conv(seq))[:, :, : self.steps]  # (batch, filters, steps)
            return self.head(_lstm_last_hidden(self.lstm, m.transpose(1, 2), None))
        time = x.shape[1]
        m = torch.relu(self.conv(self.embed(x).transpose(1, 2)))[:, :, :time]
        m = self.pool(m).transpose(1, 2)  # (batch, ceil(time / 2), filters)
        pooled_lengths = None if lengths is None else torch.div(lengths + 1, 2, rounding_mode="floor")
        return self.head(_lstm_last_hidden(self.lstm, m, pooled_lengths))


NETWORKS = {"cnn": CNN, "lstm": LSTM, "cnn-lstm": CNNLSTM}


# shape settings some architectures have and others do not
_SHAPE_PARAMS = {
    "embed_dim", "filters", "kernel_sizes", "kernel_size", "pool_size", "hidden_size",
    "seq_len", "bidirectional",
}


def build_network(arch: str, **kwargs) -> nn.Module:
    """The network ``arch`` ("cnn", "lstm", "cnn-lstm") built from ``kwargs``.

    Shape settings the architecture does not have (``filters`` for the LSTM,
    ``seq_len`` for the CNN, ...) are ignored, so one set of settings builds any of
    the three; any other unknown keyword is an error.
    """
    try:
        cls = NETWORKS[arch]
    except KeyError:
        raise ValueError(f"unknown architecture {arch!r}; use one of {sorted(NETWORKS)}") from None
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self"}
    unknown = set(kwargs) - accepted - _SHAPE_PARAMS
    if unknown:
        raise TypeError(f"{cls.__name__}: unknown setting(s) {', '.join(sorted(unknown))}")
    return cls(**{k: v for k, v in kwargs.items() if k in accepted})
