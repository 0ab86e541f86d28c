"""Training: complete artifacts, determinism, resume after SIGKILL, the JAX path."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import synthetic_features, without_module

from bbnn_core.errors import RunError
from bbnn_core.runs import instruction_set
from bbnn_core.train import HISTORY_COLUMNS, config_for, train

pytestmark = pytest.mark.slow  # trains: left out of make test-fast


@pytest.fixture(scope="module")
def small_features(tmp_path_factory):
    """18 synthetic 'clips' of 3 classes whose spectra differ: enough for 3-fold smoke runs."""
    return synthetic_features(tmp_path_factory.mktemp("feat") / "synthetic.npz")


def _cfg(run_dir, **kw):
    return config_for("smoke", dataset="synthetic", n_folds=3, run_dir=str(run_dir), **kw)


def test_smoke_run_leaves_complete_artifacts(small_features, tmp_path):
    import os
    import stat

    mask = os.umask(0o022)  # a shared cluster's usual umask: a group and others may read
    try:
        summary = train(_cfg(tmp_path / "run"), features=small_features, progress=False)
    finally:
        os.umask(mask)
    run = tmp_path / "run"
    hidden = [str(p.relative_to(run)) for p in run.rglob("*") if not p.stat().st_mode & stat.S_IROTH]
    assert hidden == []  # find run ! -perm -o=r: nothing
    for f in ("config.json", "splits.json", "summary.json"):
        assert (run / f).is_file()
    for k in range(3):
        fold = run / f"fold{k}"
        for f in (
            "config.json",
            "history.csv",
            "best.keras",
            "predictions.csv",
            "metrics.json",
            "provenance.json",
            "baseline.json",
        ):
            assert (fold / f).is_file(), f
        assert not (fold / "checkpoint").exists()
        hist = pd.read_csv(fold / "history.csv")
        assert list(hist.columns) == HISTORY_COLUMNS and len(hist) == 2
        preds = pd.read_csv(fold / "predictions.csv")
        assert len(preds) == 6 and list(preds.columns[:3]) == ["track", "true", "predicted"]
        np.testing.assert_allclose(preds[["p_a", "p_b", "p_c"]].sum(axis=1), 1.0, atol=1e-4)
        prov = json.loads((fold / "provenance.json").read_text())
        assert {"git_commit", "versions", "keras_backend", "device", "dataset_checksum", "seed", "wall_time_s"} <= set(
            prov
        )
        m = json.loads((fold / "metrics.json").read_text())
        assert set(m["report"]["per_class"]) == {"a", "b", "c"}
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["profile"] == "smoke" and cfg["lr_factor"] == 0.5 and cfg["batch_size"] == 8
    assert summary["folds_done"] == 3 and summary["test_acc"]["n"] == 3
    assert "ci_low" in summary["test_acc"] and "baseline_test_acc" in summary


def _files(run, folds, names=("history.csv", "predictions.csv")):
    return {(k, n): (run / f"fold{k}" / n).read_bytes() for k in folds for n in names}


def test_same_seed_same_bytes_at_full_model_size(small_features, tmp_path):
    """Two runs of the full-size model (quick profile: 3 Inception blocks of 32 filters, the only
    size whose parallel branches made reruns differ) write byte-identical histories and predictions
    (one fold of two epochs: every source of variation is in it, and CI's time is kept for others)."""

    def cfg(name):
        return config_for("quick", dataset="synthetic", n_folds=3, epochs=2, folds=(0,), run_dir=str(tmp_path / name))

    train(cfg("a"), features=small_features, progress=False)
    train(cfg("b"), features=small_features, progress=False)
    a, b = _files(tmp_path / "a", (0,)), _files(tmp_path / "b", (0,))
    assert a == b, [key for key in a if a[key] != b[key]]
    prov = json.loads((tmp_path / "a/fold0/provenance.json").read_text())
    det = prov["determinism"]
    if prov["keras_backend"] == "tensorflow":
        assert det["deterministic"] and det["inter_op_threads"] == 1 and det["op_determinism"]
    assert {"git_commit", "git_dirty", "git_diff_sha256", "features_commit", "cpu", "sessions"} <= set(prov)
    assert len(prov["sessions"]) == 1 and prov["sessions"][0]["first_epoch"] == 0
    assert prov["sessions"][0]["cpu_instruction_set"] == prov["cpu"]["instruction_set"]


def test_a_different_config_is_refused(small_features, tmp_path):
    train(_cfg(tmp_path / "r", folds=(0,)), features=small_features, progress=False)
    with pytest.raises(RunError, match="different configuration"):
        train(_cfg(tmp_path / "r", folds=(0,), seed=5), features=small_features, progress=False)


def test_a_train_seed_reruns_the_same_folds_from_other_weights(small_features, tmp_path):
    """--train-seed changes the initial weights and the epochs' order, not the split: the same
    test clips, another history; given equal to the seed it is the run without it, byte for byte."""
    base = _cfg(tmp_path / "base", folds=(0,))
    train(base, features=small_features, progress=False)
    train(_cfg(tmp_path / "same", folds=(0,), train_seed=0), features=small_features, progress=False)
    other = config_for("smoke", dataset="synthetic", n_folds=3, folds=(0,), train_seed=1)
    assert other.run_dir.endswith("-seed0-train1") and other.init_seed == 1 and base.init_seed == 0
    train(replace(other, run_dir=str(tmp_path / "other")), features=small_features, progress=False)
    assert _files(tmp_path / "base", (0,)) == _files(tmp_path / "same", (0,))
    a, b = (pd.read_csv(tmp_path / r / "fold0/predictions.csv") for r in ("base", "other"))
    assert list(a["track"]) == list(b["track"])  # the same test clips
    assert (tmp_path / "base/fold0/history.csv").read_bytes() != (tmp_path / "other/fold0/history.csv").read_bytes()
    prov = json.loads((tmp_path / "other/fold0/provenance.json").read_text())
    assert (prov["seed"], prov["train_seed"]) == (0, 1)
    with pytest.raises(RunError, match=r"different configuration \(train_seed\)"):
        train(_cfg(tmp_path / "base", folds=(0,), train_seed=2), features=small_features, progress=False)

    # the spread table: the same computation with nothing recorded differing is a repeat, to the byte
    from bbnn_core.reruns import rerun_spread

    table = rerun_spread(tmp_path / "base", [tmp_path / "same", tmp_path / "other"]).set_index("kind")
    assert list(table.index) == ["repeat", "train seed"] and set(table["fold"]) == {0}
    same = table.loc["repeat"]
    assert same["differs"] == "nothing recorded" and same["delta_acc"] == 0 and same["predictions_changed"] == 0
    assert same["identical"] and not table.loc["train seed", "identical"]
    assert same["n_test"] == len(a) and table.loc["train seed", "reference_acc"] == same["reference_acc"]
    import shutil

    moved = shutil.copytree(tmp_path / "other", tmp_path / "split5")
    cfg = json.loads((moved / "config.json").read_text())
    (moved / "config.json").write_text(json.dumps(cfg | {"seed": 5}))
    with pytest.raises(RunError, match="rerun of .*seed is 5, not 0"):
        rerun_spread(tmp_path / "base", [moved])


RUNNER = textwrap.dedent("""
    import sys
    from bbnn_core.features import FeatureSet
    from bbnn_core.train import config_for, train
    fs = FeatureSet.load(sys.argv[1])
    cfg = config_for("smoke", dataset="synthetic", n_folds=3, epochs=4, folds=(0, 1), run_dir=sys.argv[2])
    train(cfg, features=fs, progress=False)
""")


def _run(args, **kw):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, *map(str, args)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **kw,
    )


def test_resume_after_sigkill_gives_the_same_metrics(small_features, tmp_path):
    straight = _run([small_features.path, tmp_path / "straight"])
    assert straight.wait(timeout=600) == 0, straight.stderr.read().decode()[-2000:]

    killed = tmp_path / "killed"
    proc = _run([small_features.path, killed])
    state = killed / "fold1" / "checkpoint" / "state.json"
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None:
        if state.exists() and json.loads(state.read_text())["epoch"] >= 1:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (killed / "fold0" / "metrics.json").exists()  # finished fold kept
    assert not (killed / "fold1" / "metrics.json").exists()  # current fold unfinished
    fold0_before = (killed / "fold0" / "metrics.json").read_text()

    again = _run([small_features.path, killed])
    assert again.wait(timeout=600) == 0, again.stderr.read().decode()[-2000:]
    assert (killed / "fold0" / "metrics.json").read_text() == fold0_before  # skipped, not redone
    for k in range(2):
        a = json.loads((tmp_path / f"straight/fold{k}/metrics.json").read_text())
        b = json.loads((killed / f"fold{k}/metrics.json").read_text())
        for key in ("train_loss", "val_loss", "test_loss", "test_acc", "best_epoch", "epochs_run"):
            assert a[key] == b[key], (k, key)
    assert _files(tmp_path / "straight", range(2)) == _files(killed, range(2))  # byte for byte
    sessions = json.loads((killed / "fold1/provenance.json").read_text())["sessions"]
    assert len(sessions) == 2 and sessions[0]["first_epoch"] == 0 and sessions[1]["first_epoch"] >= 2


# Makes TensorFlow unimportable, as on a GPU machine that has JAX but no TensorFlow. (Keras itself
# probes for TensorFlow when it is installed; the project must not need it.)
NO_TENSORFLOW = without_module("tensorflow", "TensorFlow is not installed on this (simulated) machine")


def test_trains_on_jax_without_tensorflow(small_features, tmp_path):
    pytest.importorskip("jax")
    code = NO_TENSORFLOW + textwrap.dedent("""
        import sys, json
        from bbnn_core.features import FeatureSet
        from bbnn_core.train import config_for, train
        fs = FeatureSet.load(sys.argv[1])
        s = train(config_for("smoke", dataset="synthetic", n_folds=3, folds=(0,), run_dir=sys.argv[2]),
                  features=fs, progress=False)
        prov = json.load(open(sys.argv[2] + "/fold0/provenance.json"))
        assert prov["keras_backend"] == "jax", prov
        assert "tensorflow" not in sys.modules
        # the opt-in bf16 mixed precision runs too, and keeps a float32 softmax
        s = train(config_for("smoke", dataset="synthetic", n_folds=3, folds=(1,), mixed_precision=True,
                             run_dir=sys.argv[2] + "-bf16"), features=fs, progress=False)
        import keras
        m = keras.models.load_model(sys.argv[2] + "-bf16/fold1/best.keras", compile=False)
        assert m.get_layer("stem_conv").dtype_policy.name == "mixed_bfloat16"
        assert m.get_layer("classifier").dtype_policy.name == "float32"
        print("ok", s["test_acc"]["mean"])
    """)
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    res = subprocess.run(
        [sys.executable, "-c", code, str(small_features.path), str(tmp_path / "jax")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.startswith("ok")


def test_cpu_instruction_set_classes():
    assert instruction_set(["avx", "avx2", "fma", "sse4_2"]) == "avx2"
    assert instruction_set(["avx", "avx2", "avx512f", "avx512bw", "fma"]) == "avx512"
    assert instruction_set(["avx", "avx2", "avx512_bf16", "avx512f", "fma"]) == "avx512_bf16"
    assert instruction_set(["amx_bf16", "amx_tile", "avx512_bf16", "avx512f"]) == "amx"
    assert instruction_set(["avx", "sse4_2"]) == "avx"
    assert instruction_set(["sse4_2"]) == "other"
    assert instruction_set([]) == "unknown"
