"""Incremental stepping of LMILAtt (``lmilatt`` and the ``mil-*`` ablations).

A post passes the embedder once; the LSTM encoder's hidden state is carried from post to
post (restarted every ``chunk_len`` posts when the model was trained that way); attention
pooling keeps a running softmax -- the largest logit so far, the sum of the rescaled
weights and the weighted sum of post features -- and mean pooling a running sum, so the
pooled vector after each post equals the network's on the whole history (tested against
the recompute fallback). A user past the model's ``max_posts`` under the ``recent`` policy
(a sliding window) is scored by recomputing that window.

Unsupported layouts (a bidirectional encoder, max pooling) raise ``TypeError``;
:meth:`LMILAttClassifier.stepper <depscreen.models.mil.estimator.LMILAttClassifier.stepper>`
then returns None and early detection re-scores the prefix instead.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...corpus.types import Post, User
from ..base import forward
from ..stepping import Stepper
from .embedding import embed_users


class MILStepper(Stepper):
    """Carried LSTM state + running attention pooling for a fitted LMILAtt model."""

    name = "mil-incremental"

    def __init__(self, model: Any):
        net = getattr(model, "network_", None)
        if net is None:
            raise TypeError(f"{type(model).__name__} is not a fitted LMILAtt model")
        kind = getattr(model, "pooling", None)
        if kind not in ("attention", "gated", "attention+mean", "mean"):
            raise TypeError(f"pooling {kind!r} is not stepped incrementally")
        ae = net.autoencoder
        if ae is not None and ae.encoder.bidirectional:
            raise TypeError("a bidirectional encoder reads the future: not stepped incrementally")
        self.model = model
        self.net = net
        self.kind = kind
        self.ae = ae
        self.chunk = ae.chunk_len if ae is not None else None
        self.max_posts = getattr(model, "max_posts", None)
        self.window = getattr(model, "long_timeline", "recent") == "recent" and self.max_posts is not None

    def init(self, user: User) -> dict[str, Any]:
        return {"user": user, "posts": [], "n": 0, "hc": None, "m": -math.inf, "sw": 0.0,
                "sv": None, "sum": None}

    def _embed(self, new_posts: list[list[Post]]) -> list[np.ndarray]:
        users = [User(f"u{i}", None, list(p)) for i, p in enumerate(new_posts) if p]
        vecs = iter(embed_users(self.model.embedder_, users) if users else [])
        return [next(vecs) if p else None for p in new_posts]

    def advance(self, states, new_posts):
        import torch

        vectors = self._embed(new_posts)
        out = np.empty(len(states))
        with torch.no_grad():
            self.net.eval()
            for st, posts in zip(states, new_posts):
                st["posts"].extend(posts)
            depth = max((len(p) for p in new_posts), default=0)
            for k in range(depth):  # the k-th new post of every user that has one: one LSTM call
                idx = [i for i, p in enumerate(new_posts) if len(p) > k]
                x = torch.as_tensor(np.stack([vectors[i][k] for i in idx]).astype(np.float32))
                self._add_batch([states[i] for i in idx], x)
            pooled_rows, rows = [], []
            for i, st in enumerate(states):
                if self.window and st["n"] > self.max_posts:
                    u = st["user"]
                    out[i] = float(forward(self.model, [User(u.user_id, u.label, list(st["posts"]))]).scores[0])
                    continue
                pooled_rows.append(self._pooled(st))
                rows.append(i)
            if rows:
                head = self.net.head
                res = head(self.net.dropout(torch.stack(pooled_rows)))
                scores = head.score(res).numpy().astype(float)
                if getattr(self.model, "head_", None) == "regression":
                    scores = scores * self.model.y_std_ + self.model.y_mean_
                out[rows] = scores
        return out

    def _add_batch(self, sts: list[dict[str, Any]], x) -> None:
        import torch

        if self.ae is not None:
            lstm = self.ae.encoder
            zeros = torch.zeros(lstm.num_layers, 1, lstm.hidden_size)
            hs, cs = [], []
            for st in sts:
                if st["hc"] is None or (self.chunk and st["n"] % self.chunk == 0):
                    hs.append(zeros)  # a fresh start (and at every chunk, as the model does)
                    cs.append(zeros)
                else:
                    hs.append(st["hc"][0])
                    cs.append(st["hc"][1])
            h_seq, (h_n, c_n) = lstm(x.unsqueeze(1), (torch.cat(hs, dim=1), torch.cat(cs, dim=1)))
            H = h_seq[:, 0, :]
            if self.net.skip_embedding:
                H = torch.cat([H, x], dim=1)
            for j, st in enumerate(sts):
                st["hc"] = (h_n[:, j : j + 1, :], c_n[:, j : j + 1, :])
        else:
            H = x
        logits = None if self.kind == "mean" else self.net.pooling.scores(H).view(-1).tolist()
        for j, st in enumerate(sts):
            h = H[j]
            st["n"] += 1
            st["sum"] = h.clone() if st["sum"] is None else st["sum"] + h
            if logits is None:
                continue
            s = logits[j]
            if s > st["m"]:  # rescale what was summed under the old maximum
                scale = math.exp(st["m"] - s) if st["m"] > -math.inf else 0.0
                st["sw"] *= scale
                st["sv"] = st["sv"] * scale if st["sv"] is not None else None
                st["m"] = s
            w = math.exp(s - st["m"])
            st["sw"] += w
            st["sv"] = h * w if st["sv"] is None else st["sv"] + h * w

    def _pooled(self, st: dict[str, Any]):
        import torch

        if st["n"] == 0:
            dim = self.net.pooled_dim
            return torch.zeros(dim)
        mean = st["sum"] / st["n"]
        if self.kind == "mean":
            return mean
        att = st["sv"] / st["sw"]
        return torch.cat([att, mean]) if self.kind == "attention+mean" else att
