"""LMILAtt inference: one forward pass per call, explanations in the shared schema.

:class:`InferenceMixin` holds what a fitted :class:`~depscreen.models.mil.LMILAttClassifier`
does with new users: turn them into bags (:meth:`~InferenceMixin._prepare`), run the network
once over every bag (:meth:`~InferenceMixin._run`), and read predictions, class
probabilities, risk scores and per-post attention from that one pass
(:meth:`~InferenceMixin._forward`, a :class:`~depscreen.models.base.Forward`).
``predict``, ``predict_proba``, ``score_users`` and ``explain`` are thin wrappers over it,
so their outputs agree whichever is called.

Explanations follow the schema every depscreen model uses (``docs/explanations.md``):
``prediction``, ``score``, ``top_posts`` (``index``, ``weight``) and ``posts`` (every post in
time order: ``index`` into ``user.posts``, ``id``, ``time``, ``weight``, ``used``), plus the
attention keys of this model (``user_id``, ``n_posts``, ``n_used``, ``entropy``,
``normalised_entropy``, ``max_weight``, ``pooling``). Post text is never included.
"""

from __future__ import annotations

import functools
from typing import Any, Sequence

import numpy as np
import torch

from ...jsonable import plain_value
from ..base import Forward, check_fitted
from .bags import Bag, EmbeddedUsers, time_order
from .networks import LSTMAutoencoder, attention_entropy
from .training import BagData, iter_batches

#: users per forward pass when scoring: enough that each LSTM step is one matrix product
#: over many users, few enough that a batch of 50-post bags stays in the CPU cache (on
#: the 2-core development machine 32 and 64 were fastest per user, 128 and more slower)
INFER_BATCH = 64


def with_threads(method):
    """Run ``method`` with ``self.n_threads`` torch threads, then restore the setting."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        n = getattr(self, "n_threads", None)
        if not n:
            return method(self, *args, **kwargs)
        before = torch.get_num_threads()
        torch.set_num_threads(int(n))
        try:
            return method(self, *args, **kwargs)
        finally:
            torch.set_num_threads(before)

    return wrapper


def entropy(w: np.ndarray) -> tuple[float, float]:
    """Attention entropy of one bag's weights (nats) and normalised by ``log n``."""
    if len(w) == 0:
        return 0.0, 1.0
    t = torch.as_tensor(w, dtype=torch.float32)[None]
    keep = t > -1  # every post the model saw counts towards n
    ent, norm = attention_entropy(t, keep)
    return float(ent[0]), float(norm[0])


def explain_bag(user, bag: Bag, weights: np.ndarray, prediction: Any, score: float, *,
                top_k: int, pooling: str) -> dict[str, Any]:
    """One user's explanation from the attention ``weights`` over their ``bag``."""
    by_index = {int(p): float(w) for p, w in zip(bag.post_index, weights)}
    posts = []
    for idx in time_order(user).tolist():
        post = user.posts[idx]
        posts.append({"index": idx, "id": post.id, "time": post.time,
                      "weight": by_index.get(idx, 0.0), "used": idx in by_index})
    ranked = sorted((p for p in posts if p["used"]), key=lambda p: -p["weight"])
    ent, norm = entropy(weights)
    return {
        "user_id": user.user_id,
        "prediction": prediction,
        "score": score,
        "top_posts": [{"index": p["index"], "weight": p["weight"]} for p in ranked[:top_k]],
        "posts": posts,
        "n_posts": len(user.posts),
        "n_used": int(len(bag.post_index)),
        "entropy": ent,
        "normalised_entropy": norm,
        "max_weight": float(weights.max()) if len(weights) else 0.0,
        "pooling": pooling,
    }


class InferenceMixin:
    """What a fitted LMILAtt does with new users (see the module docstring)."""

    def _prepare(self, X) -> tuple[list, list[Bag]]:
        """``(users, bags)`` for ``X`` (users, a UserCorpus or :class:`EmbeddedUsers`)."""
        check_fitted(self, "network_")
        if not isinstance(X, EmbeddedUsers):
            self._check_embedder_request()
            if getattr(self, "embedder_", None) is None:
                self.embedder_ = self._load_embedder()
        users, embs = self._as_users_and_embeddings(X)
        bags = self._bags(users, embs)
        for u, b in zip(users, bags):
            if len(b.embeddings) and b.embeddings.shape[1] != self.input_dim_:
                raise ValueError(
                    f"user '{u.user_id}': embeddings have {b.embeddings.shape[1]} dimensions, the "
                    f"model expects {self.input_dim_}"
                )
        return users, bags

    @torch.inference_mode()
    def _run(self, bags: Sequence[Bag], attention_mask=None, *, with_recon: bool = False) -> dict[str, Any]:
        """Forward every bag once; per-bag outputs: ``out`` (head input, one row per bag),
        ``attention`` (per bag, as the model sees it) and, with ``with_recon``, the
        autoencoder's reconstruction error per bag.

        Bags are sorted by length and run ``INFER_BATCH`` at a time, so a batch holds bags
        of similar length (little padding: the one-directional LSTM computes the padded
        steps too) and each LSTM step is one large matrix product. Only the encoder runs
        (the decoder only for ``with_recon``). The result does not depend on the batch a
        bag lands in, up to float rounding.
        """
        net = self.network_.eval()
        n = len(bags)
        lengths = np.fromiter((len(b.embeddings) for b in bags), dtype=np.int64, count=n)
        order = np.argsort(lengths, kind="stable")
        data = BagData([bags[i].embeddings for i in order], rows=order)
        outs: list[torch.Tensor] = []
        att: list = [None] * n
        recon = np.full(n, np.nan)
        for batch in iter_batches(data, INFER_BATCH, chunk_len=self._chunk_len, device=self.device):
            am = None
            if attention_mask is not None:
                rows = [np.asarray(attention_mask[r]) for r in batch.rows]
                dtype = bool if all(r.dtype == bool for r in rows) else np.float32
                padded = np.zeros(tuple(batch.mask.shape), dtype=dtype)
                for j, m in enumerate(rows):
                    padded[j, : len(m)] = m
                am = torch.from_numpy(padded).to(self.device)
            res = net(batch.x, batch.mask, am)
            outs.append(res.out.cpu())
            a = res.attention.cpu().numpy()
            for j, row in enumerate(batch.rows.tolist()):
                att[row] = a[j, : lengths[row]]
            if with_recon and net.autoencoder is not None:
                recon[batch.rows] = LSTMAutoencoder.reconstruction_error(
                    batch.x, net.autoencoder.decode(res.features[..., : net.autoencoder.output_dim], batch.mask),
                    batch.mask,
                ).cpu().numpy()
        if not n:
            return {"out": torch.zeros(0), "attention": att, "recon": recon}
        sorted_out = torch.cat(outs)  # row k belongs to bag order[k]
        out = torch.empty_like(sorted_out)
        out[torch.from_numpy(order)] = sorted_out
        return {"out": out, "attention": att, "recon": recon}

    @with_threads
    def _forward(self, X, *, explain: bool = False, top_k: int = 5) -> Forward:
        """One pass over ``X``: predictions, probabilities (None for a regression head),
        risk scores (P(positive), expected level, or the score in label units) and, with
        ``explain``, one explanation per user (see the module docstring)."""
        users, bags = self._prepare(X)
        regression = self.head_ == "regression"
        if not users:
            return Forward(
                predictions=np.zeros(0) if regression else self.classes_[:0],
                proba=None if regression else np.zeros((0, len(self.classes_))),
                scores=np.zeros(0),
                explanations=[] if explain else None,
            )
        res = self._run(bags)
        out, head = res["out"], self.network_.head
        raw_pred = head.predict(out).numpy()
        raw_score = head.score(out).numpy()
        if regression:
            predictions = raw_pred * self.y_std_ + self.y_mean_
            scores = raw_score * self.y_std_ + self.y_mean_
            proba = None
        else:
            predictions = self.classes_[raw_pred.astype(int)]
            scores = raw_score
            proba = head.proba(out).numpy()
        explanations = None
        if explain:
            explanations = [
                explain_bag(user, bag, res["attention"][i], plain_value(predictions[i]), float(scores[i]),
                            top_k=top_k, pooling=self.pooling)
                for i, (user, bag) in enumerate(zip(users, bags))
            ]
        return Forward(predictions, proba, np.asarray(scores, dtype=float), explanations)

    @with_threads
    def attention(self, X, attention_mask: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
        """Per user, the attention weight of each post *as the model sees it* (time order,
        after the long-timeline policy); ``attention_mask`` per user, aligned the same way."""
        _, bags = self._prepare(X)
        return self._run(bags, attention_mask)["attention"]

    @with_threads
    def diagnostics(self, X):
        """Per-user autoencoder reconstruction error and attention spread (a DataFrame).

        Columns: ``user_id``, ``label``, ``n_posts``, ``n_used``, ``reconstruction_error``
        (mean squared error over the user's posts; NaN without an autoencoder),
        ``attention_entropy`` (nats), ``normalised_entropy`` (1 = uniform attention, no
        better than averaging), ``max_weight``, ``uniform_weight`` (1 / n_used) and
        ``max_over_uniform`` (how many times the top post outweighs a uniform share).
        """
        import pandas as pd

        users, bags = self._prepare(X)
        res = self._run(bags, with_recon=True)
        rows = []
        for i, (user, bag) in enumerate(zip(users, bags)):
            w = res["attention"][i]
            ent, norm = entropy(w)
            n_used = len(bag.post_index)
            uniform = 1.0 / n_used if n_used else np.nan
            mx = float(w.max()) if len(w) else np.nan
            rows.append({
                "user_id": user.user_id,
                "label": user.label,
                "n_posts": len(user.posts),
                "n_used": n_used,
                "reconstruction_error": float(res["recon"][i]),
                "attention_entropy": ent,
                "normalised_entropy": norm,
                "max_weight": mx,
                "uniform_weight": uniform,
                "max_over_uniform": mx / uniform if n_used else np.nan,
            })
        return pd.DataFrame(rows)
