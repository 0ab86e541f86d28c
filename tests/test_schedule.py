"""The learning-rate and stopping rules of the paper's recipe as pure steps
(``train.reduce_on_plateau``, ``train.early_stopping``), checked against Keras' own callbacks."""

from __future__ import annotations

import numpy as np
import pytest

from bbnn_core.train import config_for, early_stopping, initial_state, reduce_on_plateau


def _run(losses, cfg):
    """Our steps over a loss per epoch: the learning rate after each epoch, and the epoch it stops."""
    state, lrs = initial_state(cfg), []
    for epoch, loss in enumerate(losses):
        state = early_stopping(reduce_on_plateau(state, loss, cfg), loss, cfg)
        lrs.append(state["lr"])
        if state["stopped_early"]:
            return lrs, epoch
    return lrs, None


def test_the_rate_halves_after_patience_epochs_without_a_lower_loss_then_training_stops():
    cfg = config_for("paper", dataset="gtzan_mini")
    flat = [1.0] + [1.0 - 1e-5 * i for i in range(1, 30)]  # never lower by min_delta after the first
    lrs, stopped = _run(flat, cfg)
    p, f = cfg.lr_patience, cfg.lr_factor
    assert lrs[:p] == [cfg.learning_rate] * p and lrs[p] == pytest.approx(cfg.learning_rate * f)
    assert lrs[2 * p] == pytest.approx(cfg.learning_rate * f * f)
    assert stopped == cfg.es_patience  # epochs 1..es_patience were no better than epoch 0
    falling = list(np.linspace(2.0, 0.5, 30))
    assert _run(falling, cfg) == ([cfg.learning_rate] * 30, None)


def test_the_steps_are_pure():
    cfg = config_for("paper", dataset="gtzan_mini")
    state = initial_state(cfg)
    before = dict(state)
    reduce_on_plateau(state, 1.0, cfg)
    early_stopping(state, 1.0, cfg)
    assert state == before


def test_the_steps_follow_keras_callbacks_on_random_loss_curves():
    import keras

    cfg = config_for("paper", dataset="gtzan_mini")
    rng = np.random.default_rng(0)
    for trial in range(20):
        # a falling curve that flattens, noise about both min_deltas: 0-8 rate cuts, stops at 22-58 or none
        epochs = np.arange(60)
        losses = 2 * np.exp(-epochs / rng.uniform(2, 12)) + 0.3 + rng.normal(0, 0.004 * (trial % 4), 60)
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=cfg.learning_rate), loss="mse")
        rl = keras.callbacks.ReduceLROnPlateau(
            monitor="loss", factor=cfg.lr_factor, patience=cfg.lr_patience, min_delta=cfg.lr_min_delta
        )
        es = keras.callbacks.EarlyStopping(monitor="loss", min_delta=cfg.es_min_delta, patience=cfg.es_patience)
        for cb in (rl, es):
            cb.set_model(model)
            cb.on_train_begin()
        keras_lrs, keras_stop = [], None
        for epoch, loss in enumerate(losses):
            rl.on_epoch_end(epoch, {"loss": float(loss)})
            es.on_epoch_end(epoch, {"loss": float(loss)})
            keras_lrs.append(float(model.optimizer.learning_rate))
            if model.stop_training:
                keras_stop = epoch
                break
        ours, stop = _run([float(v) for v in losses], cfg)
        assert stop == keras_stop and ours == pytest.approx(keras_lrs), trial
