"""MHIMClassifier: LMILAtt trained with masked hard instance mining (paper 001).

Phase 1 trains an ordinary LMILAtt (the *donor*); phase 2 trains a *receiver* with the
same parameters on the same users while, every epoch, the instances the donor finds
easiest (``mhim_t`` drawn from its top ``2 * mhim_t``) and the ``mhim_b`` it ignores most
are masked out of the receiver's attention. The receiver is the model that predicts and
explains; the donor stays available as ``donor_`` (LMILAtt without MHIM, trained on the
same data with the same seed, so one fit gives both sides of a comparison).

``mhim_t = mhim_b = 0`` switches masking off (the fitted model is the donor itself).

This is a screening and research tool, not a diagnosis.

Example
-------
>>> from depscreen.corpus.synthetic import make_sample_corpus
>>> corpus = make_sample_corpus(n_users=40, langs=("en",), seed=1)
>>> from depscreen.models.mil import LMILAttClassifier
>>> base = LMILAttClassifier(embedder="tfidf-svd", ae_epochs=2, epochs=3)
>>> model = MHIMClassifier(base=base, mhim_t=2, mhim_b=1)                                  # doctest: +SKIP
>>> model.fit(corpus.users).predict(corpus.users[:3])                                       # doctest: +SKIP
array([...])
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.metaestimators import available_if

from ...corpus.types import User, UserCorpus
from .. import folder as model_folder
from ..base import Forward, SavableMixin, check_fitted
from ..folder import CONFIG_NAME
from ..mil.bags import EmbeddedUsers
from ..mil.estimator import LMILAttClassifier
from ..validation import check_fit_labels
from .donor import DONORS
from .masking import MODES, MaskingRule, check_count
from ..mil.embedding import embedded_users
from .trainer import RECEIVER_INITS, entropy_log, fit_donor, fit_receiver, resolve_embedder

log = logging.getLogger("depscreen.mhim")

DONOR_FOLDER = "donor"
RECEIVER_FOLDER = "receiver"
ENTROPY_LOG_NAME = "entropy_log.json"

#: parameters that belong to MHIM, not to the wrapped LMILAtt
MHIM_PARAMS = ("mhim_t", "mhim_b", "mhim_r_factor", "donor", "momentum", "masking", "soft_weight",
               "min_keep", "receiver_init", "log_entropy", "keep_donor")


def _has_proba(model) -> bool:
    """Class probabilities exist for classification heads only (a regression head has none)."""
    return getattr(model, "head_", None) != "regression"


def base_config(model: Any, *, embedder: str | None = None) -> dict[str, Any]:
    """A wrapped (unfitted) base model as ``config.json`` records it: ``model`` (its
    registry name, ``lmilatt`` when unregistered), ``params`` (JSON values) and, for a
    model that wraps one in turn (``base``), ``base`` (None, or that model's record).

    ``embedder`` names an embedder given as an object (recorded by its space's name).
    """
    from ..registry import registered_name

    params = model.get_params(deep=False)
    out: dict[str, Any] = {"model": registered_name(model) or "lmilatt"}
    wraps = "base" in params
    inner = params.pop("base", None)
    if "embedder" in params and not isinstance(params["embedder"], str):
        params["embedder"] = embedder
    out["params"] = model_folder.config_params(params)
    if wraps:
        out["base"] = None if inner is None else base_config(inner, embedder=embedder)
    return out


def base_from_config(config: dict[str, Any], kind: type, where: Any) -> Any:
    """The unfitted model :func:`base_config` recorded; ``kind`` is the class it must be
    (a subclass of), else ``ValueError`` naming ``where`` (the config file)."""
    from ..registry import model_class

    cls = model_class(config["model"])
    if not issubclass(cls, kind):
        raise ValueError(f"{where}: base model '{config['model']}' is not {kind.__name__}")
    params = model_folder.restore_params(cls, config["params"])
    if "base" in config:
        inner = config["base"]
        params["base"] = None if inner is None else base_from_config(inner, BaseEstimator, where)
    return cls(**params)


class NestedBase:
    """``get_params`` / ``set_params`` of a model that wraps a ``base`` model and takes its
    parameters nested (``base__<name>``), for ``clone`` and grid search.

    A subclass names the class its base must be (``base_kind``, with ``base_kind_words``
    for the message) and the model ``base=None`` stands for (:meth:`default_base`), so
    each default is declared once, by the base model.
    """

    base_kind: type = BaseEstimator
    base_kind_words: str = "an estimator"

    def default_base(self) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def base_estimator(self) -> Any:
        """The wrapped model's prototype: ``base``, or :meth:`default_base` when None
        (``TypeError`` for a base of another kind)."""
        if self.base is None:
            return self.default_base()
        if not isinstance(self.base, self.base_kind):
            raise TypeError(f"base must be {self.base_kind_words}, got {type(self.base).__name__}")
        return self.base

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters; with ``deep``, the base model's as ``base__<name>`` (those of
        :meth:`default_base` when ``base`` is None)."""
        out = super().get_params(deep=False)
        if deep:
            base = self.default_base() if self.base is None else self.base
            if hasattr(base, "get_params"):
                for key, value in base.get_params(deep=True).items():
                    out[f"base__{key}"] = value
        return out

    def set_params(self, **params: Any):
        """Set parameters; ``base__<name>`` sets the base model's (a :meth:`default_base`
        is created first when ``base`` is None)."""
        if self.base is None and "base" not in params and any(k.startswith("base__") for k in params):
            self.base = self.default_base()
        return super().set_params(**params)


class MHIMClassifier(NestedBase, SavableMixin, ClassifierMixin, BaseEstimator):
    """LMILAtt with masked hard instance mining: scikit-learn API, user-level input.

    Parameters
    ----------
    base : LMILAttClassifier, optional
        The multi-instance model MHIM trains twice (donor, then receiver with masks);
        ``None`` means ``LMILAttClassifier()`` with its defaults. Its parameters are
        nested (``base__lr``, ``base__embedder``, ...) for ``get_params`` / ``set_params``
        / ``clone`` / grid search; an ablation (``MILMeanClassifier()``) works too. Its
        head decides the task (binary, multiclass, ordinal -- e.g. C-SSRS levels 0-4 --
        or regression for a severity score). Posts are embedded once for both phases.
    mhim_t : int or float
        Instances masked from the donor's top attention per bag and epoch (a count, or a
        share of the bag in (0, 1)); drawn at random from the top ``mhim_r_factor * t``.
    mhim_b : int or float
        Least-attended instances masked per bag and epoch (count or share).
    mhim_r_factor : float
        ``r = ceil(mhim_r_factor * t)``; 2 in the paper.
    donor : {"frozen", "momentum"}
        ``"frozen"``: the phase-1 model, never updated in phase 2 (the paper).
        ``"momentum"``: an EMA of the receiver starting from the phase-1 weights, updated
        before every step (MHIM-MIL).
    momentum : float
        EMA factor of the momentum donor (0.99 as in MHIM-MIL).
    masking : {"hard", "soft"}
        Hard: masked posts get zero attention. Soft: their unnormalised attention is
        multiplied by ``soft_weight``.
    soft_weight : float
        Weight of masked posts in soft masking, in [0, 1).
    min_keep : int
        Posts that always stay visible in a bag.
    receiver_init : {"scratch", "donor"}
        Start the receiver's attention and head from the same initial weights as the
        donor (``"scratch"``) or from the donor's trained weights (``"donor"``). The
        donor's autoencoder is reused either way.
    log_entropy : bool
        Log the donor's and the receiver's attention entropy per epoch of phase 2.
    keep_donor : bool
        Save the donor with the model (``save`` writes ``donor/`` beside ``receiver/``).

    Attributes
    ----------
    donor_ : LMILAttClassifier
        The phase-1 model (LMILAtt without MHIM).
    receiver_ : LMILAttClassifier
        The phase-2 model that predicts (the donor itself when masking is off).
    entropy_log_ : list of dict
        Per-epoch attention entropy of both phases (``phase`` = donor / receiver).
    rule_ : MaskingRule

    Example
    -------
    >>> from depscreen.models.mil import LMILAttClassifier
    >>> model = MHIMClassifier(base=LMILAttClassifier(embedder="tfidf-svd", epochs=3), mhim_t=2, mhim_b=1)
    >>> model.set_params(base__lr=1e-2).get_params()["base__lr"]
    0.01
    """

    input_level = "user"
    #: explain() gives per-post attention weights, so the harness reports entropy and Recall@k
    explains_posts = True

    #: fast settings used by ``depscreen demo`` and quick checks
    demo_params = {
        "base__embedder": "tfidf-svd",
        "base__max_posts": 64,
        "base__ae_epochs": 5,
        "base__epochs": 15,
        "base__hidden_size": 64,
        "base__attention_size": 32,
        "base__batch_size": 16,
        "base__patience": 4,
        "mhim_t": 2,
        "mhim_b": 1,
    }

    def __init__(
        self,
        base: LMILAttClassifier | None = None,
        mhim_t: int | float = 2,
        mhim_b: int | float = 1,
        mhim_r_factor: float = 2.0,
        donor: str = "frozen",
        momentum: float = 0.99,
        masking: str = "hard",
        soft_weight: float = 0.1,
        min_keep: int = 1,
        receiver_init: str = "scratch",
        log_entropy: bool = True,
        keep_donor: bool = True,
    ):
        self.base = base
        self.mhim_t = mhim_t
        self.mhim_b = mhim_b
        self.mhim_r_factor = mhim_r_factor
        self.donor = donor
        self.momentum = momentum
        self.masking = masking
        self.soft_weight = soft_weight
        self.min_keep = min_keep
        self.receiver_init = receiver_init
        self.log_entropy = log_entropy
        self.keep_donor = keep_donor

    # ------------------------------------------------------------------ parameters
    # base=None is LMILAtt with its defaults; base__<name> nests its parameters (NestedBase)
    base_kind = LMILAttClassifier
    base_kind_words = "an LMILAttClassifier (or an ablation of it)"

    def default_base(self) -> LMILAttClassifier:
        """``LMILAttClassifier()`` with its defaults: what ``base=None`` trains."""
        return LMILAttClassifier()

    def lmilatt_params(self, phase: str | None = None) -> dict[str, Any]:
        """The base model's parameters as handed to the donor / receiver of ``phase``."""
        params = self.base_estimator().get_params(deep=False)
        if phase and params.get("checkpoint_dir"):
            params["checkpoint_dir"] = str(Path(params["checkpoint_dir"]) / phase)
        if phase == "receiver":
            params["unlabelled"] = None  # unlabelled users only train the autoencoder, reused from the donor
        return params

    def masking_rule(self) -> MaskingRule:
        """The :class:`MaskingRule` these parameters describe."""
        return MaskingRule(t=self.mhim_t, b=self.mhim_b, r_factor=self.mhim_r_factor, mode=self.masking,
                           soft_weight=self.soft_weight, min_keep=self.min_keep, seed=self.base_estimator().seed)

    def _check_params(self) -> MaskingRule:
        check_count(self.mhim_t, "mhim_t")
        check_count(self.mhim_b, "mhim_b")
        if self.donor not in DONORS:
            raise ValueError(f"donor must be one of {DONORS}, got {self.donor!r}")
        if self.masking not in MODES:
            raise ValueError(f"masking must be one of {MODES}, got {self.masking!r}")
        if self.receiver_init not in RECEIVER_INITS:
            raise ValueError(f"receiver_init must be one of {RECEIVER_INITS}, got {self.receiver_init!r}")
        pooling = self.base_estimator().pooling
        if pooling in ("mean", "max") and (float(self.mhim_t) or float(self.mhim_b)):
            log.warning("MHIM masks attention; with pooling=%r it only removes posts from the pool", pooling)
        return self.masking_rule()

    # ------------------------------------------------------------------ fit
    def _embedded(self, X, donor: LMILAttClassifier | None) -> EmbeddedUsers:
        if isinstance(X, EmbeddedUsers):
            return X
        users = list(X.users if isinstance(X, UserCorpus) else X)
        for i, u in enumerate(users):
            if not isinstance(u, User):
                raise TypeError(f"MHIMClassifier takes users (input_level='user'); sample {i} is {type(u).__name__}")
        base = self.base_estimator()
        if donor is not None:
            emb = getattr(donor, "embedder_", None) or donor._load_embedder()
        else:
            emb = resolve_embedder(base.embedder, base.embedder_options, users)
        return embedded_users(emb, users, progress=bool(base.progress))

    def fit(self, X, y=None, *, donor: LMILAttClassifier | None = None):
        """Phase 1 (donor) then phase 2 (receiver with masks) on users ``X``.

        Parameters
        ----------
        X : list of User, UserCorpus or EmbeddedUsers
        y : array-like, optional
            Labels (``User.label`` when omitted): classes, ordinal levels or scores.
        donor : LMILAttClassifier, optional
            An already trained phase-1 model (e.g. loaded from disk, or shared by a sweep
            over ``mhim_t`` / ``mhim_b``): phase 1 is skipped and this donor is used as
            is (its weights are not modified). It must score the same users (same embedder and
            long-timeline policy).
        """
        rule = self._check_params()
        users = X.users if isinstance(X, (UserCorpus, EmbeddedUsers)) else list(X)
        if y is None:
            y = [u.label for u in users]
        y = list(np.asarray(y, dtype=object).tolist())
        if any(v is None for v in y):
            raise ValueError("some users have no label (None); MHIM training needs every user labelled")
        check_fit_labels(self, len(users), y, unit="users")
        embedded = self._embedded(X, donor)
        if donor is None:
            params = self.lmilatt_params("donor")
            if params.get("unlabelled") and embedded.meta.get("embedder") is not None:
                params["embedder"] = embedded.meta["embedder"]  # embeds the unlabelled users in the same space
            donor = fit_donor(params, embedded, y, cls=type(self.base_estimator()))
        else:
            check_fitted(donor, "network_")
        self.donor_ = donor
        self.rule_ = rule
        if rule.active:
            result = fit_receiver(
                donor, embedded, y, rule, params=self.lmilatt_params("receiver"), donor_kind=self.donor,
                momentum=self.momentum, receiver_init=self.receiver_init, monitor=self.log_entropy,
            )
            self.receiver_ = result.receiver
            self.donor_strategy_ = result.donor
            self.mhim_log_ = result.log
        else:
            self.receiver_ = donor
            self.donor_strategy_ = None
            self.mhim_log_ = []
        self.entropy_log_ = entropy_log(donor, self.mhim_log_)
        self.head_ = self.receiver_.head_
        if hasattr(self.receiver_, "classes_"):
            self.classes_ = self.receiver_.classes_
        return self

    # ------------------------------------------------------------------ inference
    def _model(self, which: str = "receiver") -> LMILAttClassifier:
        check_fitted(self, "receiver_")
        if which == "receiver":
            return self.receiver_
        if which == "donor":
            if getattr(self, "donor_", None) is None:
                raise ValueError("this model was saved without its donor (keep_donor=False)")
            return self.donor_
        raise ValueError(f"which must be 'receiver' or 'donor', got {which!r}")

    def _forward(self, X, *, explain: bool = False, top_k: int = 5, which: str = "receiver") -> Forward:
        """One pass of the receiver (or the donor) over ``X``; see
        :meth:`LMILAttClassifier._forward`. Explanations say which phase explained
        (``model``: ``mhim-receiver`` / ``mhim-donor``)."""
        out = self._model(which)._forward(X, explain=explain, top_k=top_k)
        for item in out.explanations or []:
            item["model"] = "mhim-" + which
        return out

    def predict(self, X, *, which: str = "receiver") -> np.ndarray:
        """Labels (or scores for a regression head) from the receiver (or the donor)."""
        return self._forward(X, which=which).predictions

    @available_if(_has_proba)
    def predict_proba(self, X, *, which: str = "receiver") -> np.ndarray:
        """Class probabilities in the order of ``classes_``."""
        return self._forward(X, which=which).proba

    def score_users(self, X, *, which: str = "receiver") -> np.ndarray:
        """One risk number per user (P(positive), expected level or score)."""
        return self._forward(X, which=which).scores

    def attention(self, X, attention_mask: Sequence[np.ndarray] | None = None, *, which: str = "receiver"):
        """Per user, the attention weight of each post as the model sees it (time order)."""
        return self._model(which).attention(X, attention_mask)

    def explain(self, X, top_k: int = 5, *, which: str = "receiver") -> list[dict[str, Any]]:
        """Per user: every post's attention weight, the top posts, the entropy (see
        :meth:`LMILAttClassifier.explain`); ``model`` says which phase explained."""
        return self._forward(X, explain=True, top_k=top_k, which=which).explanations

    def diagnostics(self, X, *, which: str = "receiver"):
        return self._model(which).diagnostics(X)

    def masks(self, X, epoch: int = 0) -> list[np.ndarray]:
        """The masks phase 2 would draw for users ``X`` at ``epoch`` from the phase-1
        donor's attention (True / 1 = visible): for inspecting the rule on real bags."""
        check_fitted(self, "donor_")
        att = self.donor_.attention(X)
        return self.rule_.masks(att, epoch=epoch, rows=range(len(att)))

    # ------------------------------------------------------------------ save / load
    def save(self, folder) -> Path:
        """``config.json`` (MHIM parameters, the base model's registry name and parameters,
        the masking rule) + ``receiver/`` and (with ``keep_donor``) ``donor/``, each an
        LMILAtt folder (config + safetensors + its embedder), + ``entropy_log.json``."""
        check_fitted(self, "receiver_")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        extra = self._save_weights(folder)
        params = self.get_params(deep=False)
        params.pop("base")
        # an embedder object is recorded by its space's name
        extra["base"] = base_config(self.base_estimator(), embedder=self.receiver_.embedder_request_)
        model_folder.write_config(folder, self, params, extra)
        model_folder.seal(folder)
        return folder

    @classmethod
    def load(cls, folder) -> "MHIMClassifier":
        """Read a folder written by :meth:`save` (or by depscreen before MHIM wrapped a base
        model: LMILAtt parameters flat beside the MHIM ones)."""
        with model_folder.checked(folder) as folder:
            config = model_folder.read_config(folder)
            params = dict(config.get("params") or {})
            if "base" in config:
                base = base_from_config(config["base"], LMILAttClassifier, folder / CONFIG_NAME)
            else:  # the earlier layout
                accepted = set(LMILAttClassifier().get_params(deep=False))
                base = LMILAttClassifier(**model_folder.restore_params(
                    LMILAttClassifier, {k: params.pop(k) for k in list(params) if k in accepted}))
                params.pop("cache_dir", None)
            model = cls(base=base, **model_folder.restore_params(cls, params))
            model._load_weights(folder, config)
        return model

    def _save_weights(self, folder: Path) -> dict[str, Any]:
        same = self.receiver_ is self.donor_
        self.receiver_.save(folder / RECEIVER_FOLDER)
        if self.keep_donor and not same and getattr(self, "donor_", None) is not None:
            self.donor_.save(folder / DONOR_FOLDER)
        model_folder.write_json(folder, ENTROPY_LOG_NAME, self.entropy_log_)
        return {"mhim": {"rule": self.rule_.to_dict(), "masking_active": self.rule_.active,
                         "receiver_is_donor": same, "donor_saved": bool(self.keep_donor and not same),
                         "donor_strategy": None if self.donor_strategy_ is None else self.donor_strategy_.describe()}}

    def _load_weights(self, folder: Path, config: dict[str, Any]) -> None:
        if "mhim" not in config:
            raise ValueError(f"{folder / CONFIG_NAME}: missing field 'mhim'")
        info = config["mhim"]
        self.receiver_ = LMILAttClassifier.load(folder / RECEIVER_FOLDER)
        if info.get("receiver_is_donor"):
            self.donor_ = self.receiver_
        elif model_folder.has_config(folder / DONOR_FOLDER):
            self.donor_ = LMILAttClassifier.load(folder / DONOR_FOLDER)
        else:
            self.donor_ = None
        self.rule_ = MaskingRule(**info["rule"])
        self.donor_strategy_ = None
        self.mhim_log_ = []
        self.entropy_log_ = model_folder.read_json(folder, ENTROPY_LOG_NAME, default=[])
        self.head_ = self.receiver_.head_
        if hasattr(self.receiver_, "classes_"):
            self.classes_ = self.receiver_.classes_
