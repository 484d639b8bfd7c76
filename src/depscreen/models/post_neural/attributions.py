"""Why a post-level network chose a class: gradient x input toward the predicted class.

:func:`gradient_x_input` runs the network once with gradients and returns the logits
and one attribution per TF-IDF feature (``input="tfidf"``) or per token position
(summed over the embedding, ``input="tokens"``). :func:`tfidf_reasons` and
:func:`token_reasons` turn one post's attributions into the ``top_features`` of the
shared explanation schema: the words that pushed most toward the predicted class
(``contribution`` > 0); a TF-IDF feature filled in by FastText expansion says so
(``expanded: True``) and names the post's word it was copied from (``via``).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

__all__ = ["gradient_x_input", "tfidf_reasons", "token_reasons"]


def gradient_x_input(net: torch.nn.Module, inputs: tuple, input: str) -> tuple[torch.Tensor, np.ndarray]:
    """Logits and gradient x input toward each post's predicted class, ``(batch,
    n_features)`` for ``input="tfidf"``, ``(batch, time)`` for ``input="tokens"``."""
    captured: dict[str, torch.Tensor] = {}
    hook = None
    if input == "tfidf":
        inputs = (inputs[0].clone().requires_grad_(True),)
    else:
        def keep(_module, _inp, output):
            output.retain_grad()
            captured["emb"] = output

        hook = net.embed.embedding.register_forward_hook(keep)
    try:
        with torch.enable_grad():
            logits = net(*inputs)
            pred = logits.argmax(dim=1)
            logits.gather(1, pred[:, None]).sum().backward()
    finally:
        if hook is not None:
            hook.remove()
        net.zero_grad(set_to_none=True)
    if input == "tfidf":
        attr = (inputs[0].grad * inputs[0]).detach().numpy()
    else:
        emb = captured["emb"]
        attr = (emb.grad * emb).sum(dim=2).detach().numpy()
    return logits, attr


def tfidf_reasons(attr: np.ndarray, x: torch.Tensor, plain_row, features, top_k: int) -> list[dict[str, Any]]:
    """One post's top TF-IDF features: ``attr`` and ``x`` its attributions and
    (expanded) input row, ``plain_row`` its unexpanded TF-IDF row (one-row sparse
    matrix), ``features`` the fitted FastTextExpandedTfidf."""
    present = np.flatnonzero(x.detach().numpy())
    order = present[np.argsort(-attr[present], kind="stable")]
    original = set(plain_row.indices)
    vocab = features.vocabulary_
    reasons = []
    for j in order[:top_k]:
        if attr[j] <= 0:
            break
        reason: dict[str, Any] = {"feature": vocab[j], "contribution": float(attr[j])}
        if j not in original:
            via = next((s for s in features.neighbours_[j] if s >= 0 and s in original), None)
            reason["expanded"] = True
            reason["via"] = vocab[via] if via is not None else None
        reasons.append(reason)
    return reasons


def token_reasons(attr: np.ndarray, tokens: Sequence[str], max_len: int, top_k: int) -> list[dict[str, Any]]:
    """One post's top words: attributions summed over each word's positions among
    its first ``max_len`` tokens."""
    totals: dict[str, float] = {}
    for pos, tok in enumerate(tokens[:max_len]):
        totals[tok] = totals.get(tok, 0.0) + float(attr[pos])
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    return [{"feature": w, "contribution": v} for w, v in ranked[:top_k] if v > 0]
