"""Two-phase training of masked hard instance mining on top of LMILAtt.

Phase 1 trains a *donor*: an ordinary :class:`~depscreen.models.mil.LMILAttClassifier`.
Phase 2 trains a *receiver* (the same architecture and parameters) on the same bags,
with, for every training batch, an attention mask drawn by a
:class:`~depscreen.models.mhim.masking.MaskingRule` from the donor's attention (the
LMILAtt ``attention_mask_fn`` hook). Validation and prediction are never masked.

The receiver reuses the donor's trained autoencoder (phase A is unsupervised and would
come out the same on the same data and seed) and, by default, starts its attention and
head from the same initial weights the donor started from (``receiver_init="scratch"``);
``receiver_init="donor"`` starts from the donor's trained weights instead.

:class:`Phase2Masker` is the per-batch hook; it also logs, per epoch, the attention
entropy of the donor and of the receiver (unmasked) over the training bags, so a user
sees whether phase 2 spreads attention.

Example
-------
>>> from depscreen.corpus.synthetic import make_sample_corpus      # doctest: +SKIP
>>> users = make_sample_corpus(n_users=40, langs=("en",)).users    # doctest: +SKIP
>>> emb = embedded_users(resolve_embedder("tfidf-svd", None, users), users)  # doctest: +SKIP
>>> donor = fit_donor({"ae_epochs": 2, "epochs": 3}, emb, [u.label for u in users])  # doctest: +SKIP
>>> result = fit_receiver(donor, emb, [u.label for u in users], MaskingRule(t=2, b=1))  # doctest: +SKIP
>>> result.log[-1]["receiver_entropy"] >= 0                         # doctest: +SKIP
True
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import torch

from ...corpus.types import User
from ..mil.bags import EmbeddedUsers
from ..mil.embedding import fit_if_needed
from ..mil.embedding import resolve_embedder as _resolve
from ..mil.estimator import LMILAttClassifier
from ..mil.networks import attention_entropy
from ..training_loop import Callback
from .donor import DONORS, Donor, FrozenDonor, MomentumDonor
from .masking import MaskingRule

log = logging.getLogger("depscreen.mhim")

RECEIVER_INITS = ("scratch", "donor")


# --------------------------------------------------------------------------- embedding


def resolve_embedder(embedder: Any, options: dict | None, users: Sequence[User]):
    """The embedder object for ``embedder`` (a spec or an object), fitted on the users'
    posts when the backend is corpus-fitted (``tfidf-svd``)."""
    return fit_if_needed(_resolve(embedder, options), users)


# --------------------------------------------------------------------------- receiver


@dataclass(frozen=True)
class WarmStart:
    """Where a :class:`ReceiverLMILAtt` starts: given weights, and whether it keeps a
    trained autoencoder instead of training its own (phase A).

    Parameters
    ----------
    state : dict of str to Tensor, optional
        Network weights loaded (by name, ``strict=False``) into the freshly built network
        before any training; weights not named keep their seeded initial values. Every
        named weight must exist in the receiver's network with the same shape.
    reuse_autoencoder : bool
        Skip phase A (the autoencoder's reconstruction training): ``state`` holds the
        trained autoencoder. Phase A is unsupervised and would come out the same on the
        same data and seed, so the receiver reuses the donor's instead of repeating it.
    autoencoder_history : tuple of dict
        The per-epoch record of the reused autoencoder, kept as the receiver's
        ``history_["autoencoder"]``.
    """

    state: Mapping[str, torch.Tensor] | None = None
    reuse_autoencoder: bool = False
    autoencoder_history: tuple = ()

    def __repr__(self) -> str:  # the weights summed up, not printed
        state = "None" if self.state is None else f"<{len(self.state)} tensors>"
        return (f"WarmStart(state={state}, reuse_autoencoder={self.reuse_autoencoder}, "
                f"autoencoder_history=<{len(self.autoencoder_history)} epochs>)")

    @classmethod
    def from_donor(cls, donor: LMILAttClassifier, receiver_init: str = "scratch") -> "WarmStart":
        """The warm start of MHIM's phase-2 receiver from a trained ``donor``.

        ``receiver_init="scratch"``: the donor's autoencoder only (attention and head
        start from the seeded initial weights, the same the donor started from);
        ``"donor"``: every trained weight of the donor. The autoencoder is reused when
        the donor has one (``autoencoder=True`` with the LSTM encoder).
        """
        if receiver_init not in RECEIVER_INITS:
            raise ValueError(f"receiver_init must be one of {RECEIVER_INITS}, got {receiver_init!r}")
        state = {k: v.detach().clone() for k, v in donor.network_.state_dict().items()}
        has_ae = bool(donor.autoencoder and donor.encoder == "lstm")
        history = tuple(donor.history_.get("autoencoder") or ()) if has_ae else ()
        if receiver_init == "donor":
            return cls(state, has_ae, history)
        if not has_ae:
            return cls(None, False, ())
        return cls({k: v for k, v in state.items() if k.startswith("autoencoder.")}, True, history)


_LMILATT_SIGNATURE = inspect.signature(LMILAttClassifier.__init__)


class ReceiverLMILAtt(LMILAttClassifier):
    """An LMILAtt that starts from given weights and may keep a trained autoencoder.

    Used for MHIM's phase-2 receiver (``warm_start_from=WarmStart.from_donor(donor)``).
    Takes every :class:`~depscreen.models.mil.LMILAttClassifier` parameter, with the same
    defaults, plus:

    Parameters
    ----------
    warm_start_from : WarmStart, optional
        The weights ``fit`` starts from and whether it skips phase A (see
        :class:`WarmStart`); None trains like a plain LMILAtt. Stored as given, read in
        ``fit``. Saved and loaded as a plain :class:`LMILAttClassifier`: the warm start
        is where training began, not a setting of the trained model, so ``save`` leaves
        it out of ``config.json``.
    """

    def __init__(self, *, warm_start_from: WarmStart | None = None, **params: Any):
        super().__init__(**params)
        self.warm_start_from = warm_start_from

    # what get_params / clone read: LMILAtt's parameters and defaults (declared there
    # once), then warm_start_from; all by keyword
    __init__.__signature__ = _LMILATT_SIGNATURE.replace(parameters=[
        *(p.replace(kind=inspect.Parameter.KEYWORD_ONLY) if p.name != "self" else p
          for p in _LMILATT_SIGNATURE.parameters.values()),
        inspect.Parameter("warm_start_from", inspect.Parameter.KEYWORD_ONLY, default=None),
    ])

    def fit(self, X, y=None, **kwargs: Any) -> "ReceiverLMILAtt":
        """:meth:`LMILAttClassifier.fit`, starting from ``warm_start_from``."""
        if self.warm_start_from is not None and not isinstance(self.warm_start_from, WarmStart):
            raise TypeError(f"warm_start_from must be a WarmStart or None, got {type(self.warm_start_from).__name__}")
        return super().fit(X, y, **kwargs)

    def _config_params(self) -> dict[str, Any]:
        params = super()._config_params()
        params.pop("warm_start_from", None)
        return params

    def _build_network(self, input_dim: int):
        net = super()._build_network(input_dim)
        state = self.warm_start_from.state if self.warm_start_from is not None else None
        if state:
            own = net.state_dict()
            bad = [k for k, v in state.items() if k not in own or own[k].shape != v.shape]
            if bad:
                raise ValueError(
                    "the donor's weights do not fit the receiver (different architecture): "
                    f"{bad[:3]}; give donor and receiver the same model parameters"
                )
            net.load_state_dict(dict(state), strict=False)
        return net

    def _train_autoencoder(self, train, valid) -> None:
        start = self.warm_start_from
        if start is not None and start.reuse_autoencoder:
            self.history_["autoencoder"] = list(start.autoencoder_history)
            log.info("receiver: reusing the donor's autoencoder (phase A skipped)")
            return
        super()._train_autoencoder(train, valid)


# --------------------------------------------------------------------------- phase 2 hook


@dataclass
class _EpochStats:
    donor: float = 0.0
    donor_norm: float = 0.0
    receiver: float = 0.0
    receiver_norm: float = 0.0
    masked: float = 0.0
    masked_share: float = 0.0
    n: int = 0


class Phase2Masker(Callback):
    """The receiver's ``attention_mask_fn``: donor attention -> masking rule -> mask; and a
    callback of the receiver's training loop that closes each epoch's log.

    Called before every training step of the receiver (``batch.rows`` index the
    training users). With a :class:`MomentumDonor` it first moves the EMA towards the
    receiver's current weights. With ``monitor`` it records, per epoch, the mean
    attention entropy (nats, and normalised by ``log n``) of the donor and of the
    receiver without masks over the training bags, the mean number of masked
    instances per bag and their share, plus the epoch's training and validation numbers
    (read from the loop's record in ``on_epoch_end``, which also gets ``masked_per_bag``
    and ``donor_attention_entropy``). Its log is checkpointed with the receiver.
    """

    name = "mhim_masker"

    def __init__(self, rule: MaskingRule, donor: Donor, receiver: LMILAttClassifier, *,
                 init_state: dict | None = None, monitor: bool = True):
        self.rule = rule
        self.donor = donor
        self.receiver = receiver
        self.init_state = init_state
        self.monitor = monitor
        self.log: list[dict[str, float]] = []
        self._epoch: int | None = None
        self._stats = _EpochStats()
        self._attached = False

    def _forward(self, net, x, mask):
        if self.receiver.precomputed_features_:
            return net.pool(x, mask).attention
        return net(x, mask).attention

    def _attach(self) -> None:
        if isinstance(self.donor, MomentumDonor):
            self.donor.forward = self._forward
            try:
                self.donor.attach(self.receiver.network_, init_state=self.init_state)
            except RuntimeError as exc:
                raise ValueError(f"the momentum donor cannot start from the phase-1 weights: {exc}") from None
        self._attached = True

    def __call__(self, batch, epoch: int) -> torch.Tensor:
        if not self._attached:
            self._attach()
        if self._epoch is not None and epoch != self._epoch:
            self._close_epoch()
        self._epoch = epoch
        if self.donor is not None:
            self.donor.update(self.receiver.network_)
        donor_att = self.donor.batch_attention(batch)
        amask = self.rule.batch_mask(donor_att, batch.mask, epoch=epoch, rows=batch.rows)
        if self.monitor:
            self._observe(batch, donor_att, amask)
        return amask

    @torch.no_grad()
    def _observe(self, batch, donor_att: torch.Tensor, amask: torch.Tensor) -> None:
        keep = batch.mask.bool()
        with torch.random.fork_rng(devices=[]):
            rec_att = self.receiver.forward_batch(batch.x, keep).attention.detach()
        e_d, n_d = attention_entropy(donor_att, keep)
        e_r, n_r = attention_entropy(rec_att, keep)
        masked = ((amask < 1) if amask.dtype != torch.bool else ~amask) & keep
        n_masked = masked.sum(dim=1).to(torch.float32)
        share = n_masked / keep.sum(dim=1).clamp_min(1).to(torch.float32)
        s = self._stats
        s.donor += float(e_d.sum())
        s.donor_norm += float(n_d.sum())
        s.receiver += float(e_r.sum())
        s.receiver_norm += float(n_r.sum())
        s.masked += float(n_masked.sum())
        s.masked_share += float(share.sum())
        s.n += int(keep.shape[0])

    # -- the training-loop callback ------------------------------------------------
    def on_epoch_end(self, trainer, record: dict) -> None:
        rec = self._close_epoch()
        if rec is None:
            return
        rec["train_loss"] = record.get("train_loss")
        rec["masked_train_entropy"] = record.get("attention_entropy")
        rec["valid_loss"] = record.get("valid_loss")
        rec["valid_entropy_norm"] = record.get("valid_attention_entropy_norm")
        record["masked_per_bag"] = rec["masked_per_bag"]
        record["donor_attention_entropy"] = rec["donor_entropy"]

    def get_state(self):
        return {"log": self.log}, {}

    def set_state(self, state, tensors) -> None:
        self.log = list(state.get("log", []))

    def _close_epoch(self) -> dict[str, float] | None:
        s = self._stats
        rec = None
        if self.monitor and s.n:
            rec = {
                "epoch": int(self._epoch),
                "donor_entropy": s.donor / s.n,
                "donor_entropy_norm": s.donor_norm / s.n,
                "receiver_entropy": s.receiver / s.n,
                "receiver_entropy_norm": s.receiver_norm / s.n,
                "masked_per_bag": s.masked / s.n,
                "masked_share": s.masked_share / s.n,
            }
            self.log.append(rec)
            log.info("mhim epoch %d: donor entropy %.4f, receiver entropy %.4f (unmasked), "
                     "%.2f masked per bag", rec["epoch"], rec["donor_entropy"],
                     rec["receiver_entropy"], rec["masked_per_bag"])
        self._stats = _EpochStats()
        self._epoch = None
        return rec

    def finish(self) -> list[dict[str, float]]:
        """Close the last epoch and return the per-epoch log."""
        if self._epoch is not None:
            self._close_epoch()
            self._epoch = None
        return self.log


# --------------------------------------------------------------------------- the phases


@dataclass
class MHIMResult:
    """What phase 2 produced: the receiver, the donor strategy and the per-epoch log."""

    receiver: LMILAttClassifier
    donor: Donor
    log: list[dict[str, Any]] = field(default_factory=list)


def fit_donor(params: dict[str, Any], X: EmbeddedUsers, y: Sequence[Any], *,
              cls: type = LMILAttClassifier) -> LMILAttClassifier:
    """Phase 1: an ordinary LMILAtt (``cls``: or an ablation) trained on ``X``; it can then
    score raw users too."""
    donor = cls(**params).fit(X, np.asarray(y, dtype=object if any(isinstance(v, str) for v in y) else None))
    _give_embedder(donor, X)
    return donor


def _give_embedder(model: LMILAttClassifier, X: EmbeddedUsers) -> None:
    emb = X.meta.get("embedder")
    if emb is not None and emb.name == model.embedder_name_:
        model.embedder_ = emb


def make_donor(kind: str, donor: LMILAttClassifier, X: EmbeddedUsers, *, momentum: float = 0.99) -> Donor:
    """The phase-2 donor strategy ``kind`` (``"frozen"`` or ``"momentum"``)."""
    if kind == "frozen":
        return FrozenDonor(donor.attention(X), network=donor.network_)
    if kind == "momentum":
        return MomentumDonor(momentum)
    raise ValueError(f"donor must be one of {DONORS}, got {kind!r}")


def fit_receiver(
    donor: LMILAttClassifier,
    X: EmbeddedUsers,
    y: Sequence[Any],
    rule: MaskingRule,
    *,
    params: dict[str, Any] | None = None,
    donor_kind: str = "frozen",
    momentum: float = 0.99,
    receiver_init: str = "scratch",
    monitor: bool = True,
) -> MHIMResult:
    """Phase 2: train a receiver on ``X`` with masks drawn from ``donor``'s attention.

    ``params`` are the receiver's LMILAtt parameters (default: the donor's).
    """
    if not isinstance(X, EmbeddedUsers):
        raise TypeError("fit_receiver takes EmbeddedUsers (embed once, train donor and receiver on them)")
    if X.embedder != donor.embedder_name_:
        raise ValueError(f"the donor was trained on '{donor.embedder_name_}' embeddings, X holds '{X.embedder}'")
    params = dict(donor.get_params(deep=False) if params is None else params)
    receiver = ReceiverLMILAtt(**params, warm_start_from=WarmStart.from_donor(donor, receiver_init))
    strategy = make_donor(donor_kind, donor, X, momentum=momentum)
    init = {k: v.detach().clone() for k, v in donor.network_.state_dict().items()}
    masker = Phase2Masker(rule, strategy, receiver, init_state=init, monitor=monitor)
    y = np.asarray(y, dtype=object if any(isinstance(v, str) for v in y) else None)
    receiver.fit(X, y, attention_mask_fn=masker, callbacks=[masker])  # one callback protocol
    _give_embedder(receiver, X)
    return MHIMResult(receiver, strategy, masker.finish())


def entropy_log(donor: LMILAttClassifier, phase2: Sequence[dict]) -> list[dict[str, Any]]:
    """Per-epoch attention entropy of both phases in one list (``phase`` = donor/receiver)."""
    out = []
    for r in donor.history_.get("classifier", []):
        out.append({"phase": "donor", "epoch": r["epoch"], "train_loss": r.get("train_loss"),
                    "attention_entropy": r.get("attention_entropy"),
                    "attention_entropy_norm": r.get("attention_entropy_norm"),
                    "valid_entropy_norm": r.get("valid_attention_entropy_norm")})
    for r in phase2:
        out.append({"phase": "receiver", **r})
    return out
