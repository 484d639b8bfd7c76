"""The shared training loop (models/training_loop.py): one callback protocol, epochs from 0,
statistics averaged per sample, validation prefixed, resumable, any loader."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from depscreen.models.training_loop import Callback, Checkpoint, EarlyStopping, StepOutput, Trainer


class Data:
    def __init__(self, n=24, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.X = torch.randn(n, 4, generator=g)
        self.y = (self.X[:, 0] > 0).long().numpy()

    def __len__(self):
        return len(self.y)


def loader(data, shuffle, generator):
    order = torch.randperm(len(data), generator=generator) if shuffle else torch.arange(len(data))
    return [(data.X[idx], torch.as_tensor(data.y[idx])) for idx in order.split(5)]


def step(module, batch, epoch):
    logits = module(batch[0])
    loss = torch.nn.functional.cross_entropy(logits, batch[1])
    # a per-sample statistic: summed here, averaged over the epoch by the trainer
    return StepOutput(loss, torch.softmax(logits, 1)[:, 1].detach(), {"ones": float(len(batch[1]))}, n=len(batch[1]),
                      y=batch[1])


class Recorder(Callback):
    name = "recorder"

    def __init__(self):
        self.calls = []

    def on_train_begin(self, trainer):
        self.calls.append("begin")

    def on_epoch_begin(self, trainer, epoch):
        self.calls.append(("epoch", epoch))

    def on_epoch_end(self, trainer, record):
        self.calls.append(("end", record["epoch"]))

    def on_train_end(self, trainer):
        self.calls.append("finish")


def _trainer(callbacks=(), epochs=4, **kw):
    torch.manual_seed(0)
    return Trainer(torch.nn.Linear(4, 2), step, loader, max_epochs=epochs, callbacks=list(callbacks),
                   metric=lambda y, s: float(np.mean((s > 0.5) == y)), **kw)


def test_callback_protocol_records_and_statistics():
    rec = Recorder()
    one_class = lambda y, s: bool(len(np.unique(s > 0.5)) == 1)  # noqa: E731
    trainer = _trainer([rec], epochs=3, lr=0.1, metrics={"one_class": one_class}).fit(Data(), Data(seed=1))
    assert rec.calls == ["begin", ("epoch", 0), ("end", 0), ("epoch", 1), ("end", 1), ("epoch", 2), ("end", 2),
                         "finish"]
    first = trainer.history[0]
    assert {"epoch", "train_loss", "ones", "valid_loss", "valid_metric", "valid_ones", "dur"} <= set(first)
    assert first["ones"] == pytest.approx(1.0) and first["valid_ones"] == pytest.approx(1.0)
    assert isinstance(first["valid_one_class"], bool) and 0 <= first["valid_metric"] <= 1
    assert trainer.history[-1]["train_loss"] < first["train_loss"]
    with pytest.raises(ValueError, match="unique"):
        _trainer([Recorder(), Recorder()])


def test_custom_optimizer_and_early_stopping():
    seen = []

    def sgd(params):
        seen.append(len(params))
        return torch.optim.SGD(params, lr=0.0)  # nothing moves: validation never improves

    trainer = _trainer([EarlyStopping(patience=2)], epochs=20, optimizer=sgd).fit(Data(), Data(seed=1))
    assert seen == [2] and len(trainer.history) == 3


def test_checkpoint_resume_is_exact_for_any_loader(tmp_path):
    full = _trainer([Checkpoint(tmp_path / "full")], epochs=5, fingerprint="f").fit(Data())
    _trainer([Checkpoint(tmp_path / "part")], epochs=2, fingerprint="f").fit(Data())
    again = _trainer([Checkpoint(tmp_path / "part")], epochs=5, fingerprint="f").fit(Data())
    assert [r["epoch"] for r in again.history] == list(range(5))
    assert [r["train_loss"] for r in again.history] == pytest.approx([r["train_loss"] for r in full.history])
    other = _trainer([Checkpoint(tmp_path / "part")], epochs=2, fingerprint="other").fit(Data())
    assert len(other.history) == 2  # another run's checkpoint is not resumed


def test_best_weights_survive_a_resumed_run(tmp_path):
    from depscreen.models.training_loop import BestWeights

    def run(epochs, folder):
        best = BestWeights()
        trainer = _trainer([best, Checkpoint(folder)], epochs=epochs, lr=0.5, fingerprint="b")
        trainer.fit(Data(), Data(seed=1))
        return best, trainer

    full, full_trainer = run(5, tmp_path / "full")
    run(2, tmp_path / "part")
    resumed, trainer = run(5, tmp_path / "part")
    assert (resumed.best_epoch_, resumed.best_) == (full.best_epoch_, pytest.approx(full.best_))
    for a, b in zip(trainer.module.parameters(), full_trainer.module.parameters()):
        torch.testing.assert_close(a, b)  # the best epoch's weights, also after resuming


def test_validation_split_is_stratified_seeded_and_refuses_tiny_classes():
    from depscreen.models.training_loop import validation_split

    y = np.array([0] * 32 + [1] * 8)
    train, valid = validation_split(y, 0.25, seed=3)
    assert len(valid) == 10 and np.bincount(y[valid]).tolist() == [8, 2]
    assert sorted(np.concatenate([train, valid]).tolist()) == list(range(40))
    assert np.array_equal(valid, validation_split(y, 0.25, seed=3)[1])
    assert len(validation_split(y, 0.0, seed=3)[1]) == 0
    assert len(validation_split(np.array([0] * 30 + [1] * 3), 0.25, seed=3, min_class_count=4)[1]) == 0
    train, valid = validation_split(None, 0.2, seed=3, n=20)  # regression: a plain split
    assert len(valid) == 4 and len(train) == 16
