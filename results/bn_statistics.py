"""Why the paper run's validation loss starts near 14: BatchNorm's moving statistics, measured.

Trains one fold of a committed run (by default fold 0 of ``results/gtzan_mini-kfold-paper-seed0``:
its split, seeds, recipe and epoch order, so its training and validation losses are the run's own,
byte for byte) and after every epoch evaluates, in inference mode:

* ``val_loss``: the validation clips with the moving statistics (what the trainer records);
* ``train_loss_inference``: the training clips with the same moving statistics;
* ``val_loss_precise``: the validation clips with every BatchNormalization layer's statistics
  re-estimated on the training clips (:func:`bbnn_core.model.batchnorm_statistics_of`), after
  which the moving statistics are restored, so that training goes on unchanged;
* ``train_loss``: the training loss as ``fit`` reports it (training mode, batch statistics).

If the training clips in inference mode score as badly as the validation clips, and the
re-estimated statistics remove the gap, the high early validation loss is a lag of the moving
statistics (momentum 0.99 at 10 steps per epoch), not over-fitting. The schedule is the recipe's
(ReduceLROnPlateau on the training loss); there is no early stopping, so it runs ``--epochs``.

    python results/bn_statistics.py --epochs 40 --out results/gtzan_mini-bn-statistics

Writes ``epochs.csv`` (one row per epoch, written as it goes; running it again starts anew) and
``config.json``. Takes about 50-110 s per epoch on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np

from bbnn_core.model import batchnorm_statistics_of
from bbnn_core.runs import Run
from bbnn_core.splits import Fold
from bbnn_core.train import _build, _epoch_batch, _own_python_random, _set_seed, features_for, load_run_config

COLUMNS = [
    "epoch",
    "lr",
    "train_loss",
    "train_acc",
    "train_loss_inference",
    "train_acc_inference",
    "val_loss",
    "val_acc",
    "val_loss_precise",
    "val_acc_precise",
    "seconds",
]


def _loss_acc(model, X, y1h, batch=8):
    p = model.predict(X[..., None], batch_size=batch, verbose=0).astype(np.float64)
    loss = float(-np.mean(np.sum(y1h * np.log(np.clip(p, 1e-7, 1.0)), axis=1)))
    return loss, float(np.mean(p.argmax(1) == y1h.argmax(1)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="results/gtzan_mini-kfold-paper-seed0")
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--out", default="results/gtzan_mini-bn-statistics")
    a = ap.parse_args(argv)

    cfg = load_run_config(a.run)
    fold = Fold.from_dict(Run(a.run).splits()["folds"][a.fold])
    fs = features_for(cfg)
    y1h = np.eye(len(fs.classes), dtype=np.float32)[fs.y]
    seed = cfg.init_seed * 1000 + a.fold  # the trainer's seeds for this fold
    _set_seed(seed)
    with _own_python_random(seed):
        model = _build(cfg, len(fs.classes), fs.X.shape[2])
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(
        json.dumps(
            {
                "run": Path(a.run).name,
                "fold": a.fold,
                "epochs": a.epochs,
                "bn_momentum": cfg.bn_momentum,
                "batch_size": cfg.batch_size,
                "n_train": len(fold.train),
                "n_val": len(fold.val),
            },
            indent=2,
        )
        + "\n"
    )
    Xtr, Xval = fs.X[fold.train], fs.X[fold.val]
    lr = cfg.learning_rate
    plateau_best, wait = float("inf"), 0
    with open(out / "epochs.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for epoch in range(a.epochs):
            t0 = time.perf_counter()
            xb, yb = _epoch_batch(fs.X, y1h, fold.train, cfg, a.fold, epoch)
            logs = model.fit(xb, yb, batch_size=cfg.batch_size, epochs=1, shuffle=False, verbose=0).history
            loss, acc = float(logs["loss"][-1]), float(logs["accuracy"][-1])
            tr = _loss_acc(model, Xtr, y1h[fold.train])
            va = _loss_acc(model, Xval, y1h[fold.val])
            with batchnorm_statistics_of(model, Xtr[..., None], batch_size=cfg.batch_size):
                vp = _loss_acc(model, Xval, y1h[fold.val])
            w.writerow([epoch, lr, loss, acc, *tr, *va, *vp, round(time.perf_counter() - t0, 1)])
            fh.flush()
            print(
                f"epoch {epoch}: loss {loss:.3f}, train(inf) {tr[0]:.3f}, val {va[0]:.3f}, val(precise) {vp[0]:.3f}",
                flush=True,
            )
            # the trainer's ReduceLROnPlateau on the training loss, so the schedule is the recipe's
            if loss < plateau_best - cfg.lr_min_delta:
                plateau_best, wait = loss, 0
            else:
                wait += 1
                if wait >= cfg.lr_patience:
                    lr *= cfg.lr_factor
                    model.optimizer.learning_rate.assign(lr)
                    wait = 0


if __name__ == "__main__":
    main()
