"""``hf:PATH``: any local sentence-transformers or transformers model folder.

Nothing is downloaded: ``PATH`` is a folder on disk (for example a copy of
Qwen/Qwen3-Embedding-0.6B, or a multilingual MiniLM). What the folder says is
followed, the way sentence-transformers would:

* ``modules.json`` lists the pipeline: the Transformer module, then Pooling
  (``1_Pooling/config.json``: ``pooling_mode_mean_tokens`` / ``cls_token`` /
  ``max_tokens`` / ``mean_sqrt_len_tokens`` / ``lasttoken``, and ``include_prompt``),
  optional Dense layers (safetensors weights only) and Normalize.
* ``sentence_bert_config.json`` gives ``max_seq_length``;
  ``config_sentence_transformers.json`` gives named ``prompts``.
* A plain transformers folder (no ``modules.json``) gets last-token pooling when it
  is a decoder-only model (Qwen, Llama, Mistral, Gemma ...) and mean pooling
  otherwise; ``pooling=`` overrides either.

Last-token pooling (Qwen3-Embedding) pads on the LEFT, so the last position of every
row is the text's last real token, and the tokenizer's end-of-text token is appended
when the tokenizer does not add it itself. Such instruction-tuned models expect a task
instruction before queries, ``"Instruct: {task}\\nQuery:{text}"``; with
``input_type="query"`` (the default, as classification treats every post as a query)
it is added, with ``instruction=`` as the task (a depression-screening task by
default). Everything that changes the vectors (path, dim, pooling, prompt, length)
is part of :attr:`HFEmbedder.name`.

Example
-------
>>> from depscreen.embed import get_embedder
>>> emb = get_embedder("hf:/models/Qwen3-Embedding-0.6B", truncate_dim=256)  # doctest: +SKIP
>>> emb.embed(["I haven't left my room in days"]).shape                     # doctest: +SKIP
(1, 256)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..base import Embedder
from ..store import short_hash

#: task used in the Qwen3-Embedding query instruction when none is given
DEFAULT_INSTRUCTION = "Given a social media post, classify whether its author shows signs of depression"

POOLINGS = ("mean", "cls", "max", "mean_sqrt_len", "lasttoken")
_POOLING_KEYS = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len",
    "pooling_mode_lasttoken": "lasttoken",
}
_DECODER_TYPES = {
    "qwen2", "qwen3", "qwen3_moe", "llama", "mistral", "gemma", "gemma2", "gemma3_text",
    "phi", "phi3", "gpt2", "gpt_neox", "olmo", "olmo2",
}
_ACTIVATIONS = {
    "torch.nn.modules.linear.Identity": None,
    "torch.nn.modules.activation.Tanh": "tanh",
    "torch.nn.Identity": None,
    "torch.nn.Tanh": "tanh",
}


@dataclass
class FolderSpec:
    """What a model folder says about how to embed with it."""

    root: Path
    transformer_dir: Path
    model_type: str
    hidden_size: int
    pooling: str
    include_prompt: bool = True
    dense: list[Path] = field(default_factory=list)
    has_normalize: bool = False
    prompts: dict[str, str] = field(default_factory=dict)
    max_seq_length: int | None = None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: invalid JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(data, (dict, list)):
        raise ValueError(f"{path}: expected a JSON object")
    return data


def _pooling_from_config(path: Path) -> tuple[str, bool]:
    cfg = _read_json(path)
    if "pooling_mode" in cfg and isinstance(cfg["pooling_mode"], str):
        mode = {"mean_tokens": "mean", "cls_token": "cls", "max_tokens": "max"}.get(
            cfg["pooling_mode"], cfg["pooling_mode"]
        )
        modes = [mode]
    else:
        modes = [_POOLING_KEYS[k] for k in _POOLING_KEYS if cfg.get(k)]
    unsupported = [k for k in ("pooling_mode_weightedmean_tokens",) if cfg.get(k)]
    if unsupported:
        raise ValueError(f"{path}: field '{unsupported[0]}' is set; this pooling is not supported")
    if len(modes) != 1 or modes[0] not in POOLINGS:
        raise ValueError(
            f"{path}: expected exactly one supported pooling mode ({', '.join(POOLINGS)}), found {modes}"
        )
    return modes[0], bool(cfg.get("include_prompt", True))


def inspect_folder(path: str | Path, pooling: str | None = None) -> FolderSpec:
    """Read a model folder's configuration files into a :class:`FolderSpec`.

    Raises a clear error for a missing folder, a missing ``config.json``, an unknown
    module type in ``modules.json`` or an unsupported pooling mode.
    """
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"hf backend: model folder not found: {root}")
    transformer_dir = root
    pool_cfg: Path | None = None
    dense: list[Path] = []
    has_normalize = False
    modules_path = root / "modules.json"
    if modules_path.exists():
        modules = _read_json(modules_path)
        if not isinstance(modules, list):
            raise ValueError(f"{modules_path}: expected a list of modules")
        for i, module in enumerate(modules):
            kind = str(module.get("type", ""))
            sub = root / str(module.get("path", ""))
            if kind.endswith(".Transformer"):
                transformer_dir = sub
            elif kind.endswith(".Pooling"):
                pool_cfg = sub / "config.json"
            elif kind.endswith(".Dense"):
                dense.append(sub)
            elif kind.endswith(".Normalize"):
                has_normalize = True
            else:
                raise ValueError(f"{modules_path}: module #{i} has unsupported type {kind!r}")
    elif (root / "1_Pooling" / "config.json").exists():
        pool_cfg = root / "1_Pooling" / "config.json"
    config_path = transformer_dir / "config.json"
    if not config_path.exists():
        raise FileNotFoundError(f"hf backend: {config_path} not found (is {root} a transformers model folder?)")
    config = _read_json(config_path)
    model_type = str(config.get("model_type", ""))
    hidden = config.get("hidden_size") or config.get("d_model") or config.get("n_embd")
    if hidden is None:
        raise ValueError(f"{config_path}: missing field 'hidden_size'")
    include_prompt = True
    if pooling is None:
        if pool_cfg is not None:
            if not pool_cfg.exists():
                raise FileNotFoundError(f"{modules_path}: pooling config {pool_cfg} not found")
            pooling, include_prompt = _pooling_from_config(pool_cfg)
        else:
            pooling = "lasttoken" if model_type in _DECODER_TYPES else "mean"
    elif pooling not in POOLINGS:
        raise ValueError(f"hf backend: pooling must be one of {POOLINGS}, got {pooling!r}")
    prompts: dict[str, str] = {}
    st_cfg = root / "config_sentence_transformers.json"
    if st_cfg.exists():
        prompts = {str(k): str(v) for k, v in (_read_json(st_cfg).get("prompts") or {}).items()}
    max_seq_length = None
    sb_cfg = transformer_dir / "sentence_bert_config.json"
    if sb_cfg.exists():
        max_seq_length = _read_json(sb_cfg).get("max_seq_length")
    return FolderSpec(
        root=root,
        transformer_dir=transformer_dir,
        model_type=model_type,
        hidden_size=int(hidden),
        pooling=pooling,
        include_prompt=include_prompt,
        dense=dense,
        has_normalize=has_normalize,
        prompts=prompts,
        max_seq_length=int(max_seq_length) if max_seq_length else None,
    )


def pool(hidden, mask, mode: str):
    """Pool token states ``(b, t, h)`` with attention ``mask`` ``(b, t)`` into ``(b, h)``.

    ``lasttoken`` takes the last position whose mask is 1, so it is right under both
    left padding (always the final column) and right padding.
    """
    import torch

    maskf = mask.unsqueeze(-1).to(hidden.dtype)
    if mode == "cls":
        return hidden[:, 0]
    if mode == "lasttoken":
        t = mask.shape[1]
        last = t - 1 - torch.flip(mask, dims=[1]).to(torch.long).argmax(dim=1)
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
    if mode == "max":
        return hidden.masked_fill(maskf == 0, torch.finfo(hidden.dtype).min).max(dim=1).values
    summed = (hidden * maskf).sum(dim=1)
    counts = maskf.sum(dim=1).clamp(min=1e-9)
    if mode == "mean":
        return summed / counts
    if mode == "mean_sqrt_len":
        return summed / counts.sqrt()
    raise ValueError(f"unknown pooling {mode!r}")


class HFEmbedder(Embedder):
    """A local transformers / sentence-transformers folder as an embedder.

    Parameters
    ----------
    path : str
        The model folder.
    pooling : str, optional
        Override the pooling read from the folder (one of :data:`POOLINGS`).
    input_type : {"query", "document"}
        Which named prompt applies. For last-token (instruction) models, ``query``
        adds ``"Instruct: {instruction}\\nQuery:"``; otherwise the folder's
        ``prompts[input_type]`` is used when it has one.
    instruction : str, optional
        Task text for instruction models (default :data:`DEFAULT_INSTRUCTION`).
    prompt : str, optional
        An explicit prefix; wins over everything above (``""`` for none).
    max_length : int
        Token limit per text (also capped by the folder's ``max_seq_length``).
    truncate_dim : int, optional
        Keep the first ``truncate_dim`` dimensions (Matryoshka models such as
        Qwen3-Embedding), before normalisation.
    threads : int, optional
        torch CPU threads.
    device : str
        torch device (``"cpu"``, ``"cuda"``).
    normalize : bool
        L2-normalise the output (what a folder's Normalize module asks for; on by
        default for every folder so that cosine is a dot product). ``False`` returns
        the raw pooled vectors.
    """

    backend = "hf"
    default_batch_size = 16
    sort_by_length = True

    def __init__(
        self,
        path: str,
        *,
        pooling: str | None = None,
        input_type: str = "query",
        instruction: str | None = None,
        prompt: str | None = None,
        max_length: int = 512,
        truncate_dim: int | None = None,
        threads: int | None = None,
        device: str = "cpu",
        normalize: bool = True,
    ):
        self.spec = inspect_folder(path, pooling)
        super().__init__(normalize=normalize)
        if input_type not in ("query", "document"):
            raise ValueError(f"hf input_type must be 'query' or 'document', got {input_type!r}")
        self.path = str(self.spec.root)
        self.pooling = self.spec.pooling
        self.input_type = input_type
        self.instruction = instruction
        self.max_length = int(max_length)
        if self.spec.max_seq_length:
            self.max_length = min(self.max_length, self.spec.max_seq_length)
        self.truncate_dim = truncate_dim
        self.threads = threads
        self.device = device
        self._pooling_override = pooling
        self._prompt_override = prompt
        self.prompt = self._resolve_prompt()
        self._model = None
        self._tokenizer = None
        self._dense: list = []
        self._dim = self._output_dim()

    # -- configuration ----------------------------------------------------------------
    def _resolve_prompt(self) -> str:
        if self._prompt_override is not None:
            return self._prompt_override
        if self.pooling == "lasttoken" and self.input_type == "query":
            return f"Instruct: {self.instruction or DEFAULT_INSTRUCTION}\nQuery:"
        if self.instruction is not None:
            return f"Instruct: {self.instruction}\nQuery:" if self.input_type == "query" else ""
        return self.spec.prompts.get(self.input_type, "")

    def _output_dim(self) -> int:
        dim = self.spec.hidden_size
        for folder in self.spec.dense:
            cfg = _read_json(folder / "config.json")
            if "out_features" not in cfg:
                raise ValueError(f"{folder / 'config.json'}: missing field 'out_features'")
            dim = int(cfg["out_features"])
        if self.truncate_dim is not None:
            if not 1 <= self.truncate_dim <= dim:
                raise ValueError(f"truncate_dim must be in 1..{dim}, got {self.truncate_dim}")
            dim = int(self.truncate_dim)
        return dim

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def name(self) -> str:
        parts = [
            f"hf:{self.path}",
            str(self.dim),
            self.pooling,
            f"len{self.max_length}",
            f"prompt-{short_hash(self.prompt, 8) if self.prompt else 'none'}",
        ]
        if not self.normalize:
            parts.append("raw")
        return ":".join(parts)

    def options(self) -> dict[str, Any]:
        opts: dict[str, Any] = {
            "path": self.path,
            "input_type": self.input_type,
            "max_length": self.max_length,
            "normalize": self.normalize,
        }
        if self._pooling_override is not None:
            opts["pooling"] = self._pooling_override
        if self.instruction is not None:
            opts["instruction"] = self.instruction
        if self._prompt_override is not None:
            opts["prompt"] = self._prompt_override
        if self.truncate_dim is not None:
            opts["truncate_dim"] = self.truncate_dim
        return opts

    # -- loading ----------------------------------------------------------------------
    def _load(self):
        if self._model is not None:
            return
        import torch
        from transformers import AutoModel, AutoTokenizer

        if self.threads:
            torch.set_num_threads(int(self.threads))
        tok = AutoTokenizer.from_pretrained(str(self.spec.transformer_dir))
        if self.pooling == "lasttoken":
            tok.padding_side = "left"
        if tok.pad_token is None:
            if tok.eos_token is None:
                raise ValueError(f"{self.spec.transformer_dir}: the tokenizer has neither a pad nor an eos token")
            tok.pad_token = tok.eos_token
        self._append_eos = False
        if self.pooling == "lasttoken" and tok.eos_token_id is not None:
            probe = tok("a", add_special_tokens=True)["input_ids"]
            self._append_eos = not probe or probe[-1] != tok.eos_token_id
        self._prompt_len = 0
        if self.prompt and not self.spec.include_prompt:
            ids = tok(self.prompt, add_special_tokens=True)["input_ids"]
            if ids and ids[-1] in tok.all_special_ids:
                ids = ids[:-1]
            self._prompt_len = len(ids)
        from transformers.utils import logging as hf_logging

        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # no per-weight loading bar in our output
        try:
            model = AutoModel.from_pretrained(str(self.spec.transformer_dir), dtype=torch.float32)
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        model.eval().to(self.device)
        self._dense = [self._load_dense(folder) for folder in self.spec.dense]
        self._tokenizer, self._model = tok, model

    def _load_dense(self, folder: Path):
        import torch
        from safetensors.torch import load_file

        cfg = _read_json(folder / "config.json")
        weights = folder / "model.safetensors"
        if not weights.exists():
            raise FileNotFoundError(
                f"{folder}: Dense layer weights must be model.safetensors (pickled weights are not loaded)"
            )
        act_name = cfg.get("activation_function", "torch.nn.modules.linear.Identity")
        if act_name not in _ACTIVATIONS:
            raise ValueError(f"{folder / 'config.json'}: unsupported activation_function {act_name!r}")
        state = load_file(str(weights))
        linear = torch.nn.Linear(int(cfg["in_features"]), int(cfg["out_features"]), bias=bool(cfg.get("bias", True)))
        linear.load_state_dict({k.removeprefix("linear."): v for k, v in state.items()})
        linear.eval().to(self.device)
        return linear, _ACTIVATIONS[act_name]

    # -- embedding --------------------------------------------------------------------
    def _tokenize(self, texts: list[str]):
        tok = self._tokenizer
        texts = [self.prompt + t for t in texts]
        limit = self.max_length - (1 if self._append_eos else 0)
        enc = tok(texts, padding=False, truncation=True, max_length=limit)
        if self._append_eos:
            for ids, att in zip(enc["input_ids"], enc["attention_mask"]):
                ids.append(tok.eos_token_id)
                att.append(1)
        return tok.pad(
            {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]},
            padding=True,
            return_tensors="pt",
        )

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        import torch

        self._load()
        batch = {k: v.to(self.device) for k, v in self._tokenize(texts).items()}
        with torch.inference_mode():
            hidden = self._model(**batch).last_hidden_state
            mask = batch["attention_mask"]
            if self._prompt_len:
                mask = mask.clone()
                first = mask.to(torch.long).argmax(dim=1)  # first real token (left padding aware)
                for row, start in enumerate(first.tolist()):
                    mask[row, start : start + self._prompt_len] = 0
            pooled = pool(hidden, mask, self.pooling)
            for linear, act in self._dense:
                pooled = linear(pooled)
                if act == "tanh":
                    pooled = torch.tanh(pooled)
            if self.truncate_dim is not None:
                pooled = pooled[:, : self.truncate_dim]
        return pooled.float().cpu().numpy()
