"""The robustness study: each perturbation does what it says (on tiny signals), the evaluation
resumes and never reuses rows made by other code, the summaries compute what they claim, and the
book's committed rows are those the current code would make."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_cli import bbnn

from bbnn_core import attribution as at
from bbnn_core import robustness as rb
from bbnn_core.errors import ParameterError
from bbnn_core.features import PAPER_PARAMS

SR = 22050
ROOT = Path(__file__).resolve().parents[1]


def sine(freq: float, seconds: float = 2.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def band_energy(y: np.ndarray, lo: float, hi: float) -> float:
    spec = np.abs(np.fft.rfft(y)) ** 2
    f = np.fft.rfftfreq(y.size, 1 / SR)
    return float(spec[(f >= lo) & (f < hi)].sum())


def test_excerpt_is_the_first_seconds():
    y = np.arange(5 * SR, dtype=np.float32)
    assert np.array_equal(rb.excerpt(y, 3), y[: 3 * SR])
    with pytest.raises(ParameterError):
        rb.excerpt(y, 0)


@pytest.mark.parametrize("kbps", [128, 32])
def test_mp3_round_trip_decodes_at_the_asked_bitrate(kbps):
    y = sine(440, 3.0) + 0.05 * np.random.default_rng(0).standard_normal(3 * SR).astype(np.float32)
    out, measured = rb.codec_round_trip(y, "mp3", kbps)
    assert out.dtype == np.float32 and abs(out.size - y.size) < 0.1 * SR  # decoder delay and padding only
    assert abs(measured - kbps) / kbps < 0.1
    assert band_energy(out, 400, 480) > 0.5 * band_energy(y, 400, 480)


def test_mp3_bitrate_must_be_legal_and_ogg_round_trips():
    with pytest.raises(ParameterError, match="bitrate"):
        rb.codec_round_trip(sine(440), "mp3", 100)
    out, measured = rb.codec_round_trip(sine(440), "ogg")
    assert out.size > 0 and measured > 0
    with pytest.raises(ParameterError):
        rb.codec_round_trip(sine(440), "aac", 128)


def test_storing_at_8_khz_removes_what_lies_above_4_khz():
    y = sine(1000) + sine(6000)
    low = rb.stored_at_rate(y, 8000)
    assert low.shape == y.shape
    assert band_energy(low, 5900, 6100) < 1e-4 * band_energy(y, 5900, 6100)
    assert band_energy(low, 900, 1100) > 0.9 * band_energy(y, 900, 1100)
    high = rb.stored_at_rate(y, 48000)
    assert band_energy(high, 5900, 6100) > 0.9 * band_energy(y, 5900, 6100)


def test_gain_scales_and_clips():
    y = sine(440, amp=0.5)
    assert np.allclose(rb.apply_gain(y, -20), 0.1 * y, atol=1e-6)
    loud = rb.apply_gain(y, 12)
    assert loud.max() == pytest.approx(1.0) and loud.min() == pytest.approx(-1.0)
    assert np.mean(np.abs(loud) == 1.0) > 0.3  # 0.5 * 4 = 2: most of every cycle clipped


@pytest.mark.parametrize("snr", [30, 20, 10, 0])
def test_noise_is_added_at_the_asked_snr(snr):
    y = sine(440) * np.linspace(0, 1, 2 * SR, dtype=np.float32)
    noisy = rb.add_noise(y, snr, seed=3)
    assert abs(rb.snr_db(y, noisy - y) - snr) < 0.5
    assert np.array_equal(noisy, rb.add_noise(y, snr, seed=3))  # seeded
    with pytest.raises(ParameterError, match="silent"):
        rb.add_noise(np.zeros(100, np.float32), 10)


def test_stereo_downmix_is_a_comb_filter():
    # the right channel 1 ms late: averaging cancels 500 Hz (half a period late), keeps 1 kHz
    y = sine(500) + sine(1000)
    mono = rb.stereo_downmix(y)
    assert mono.shape == y.shape
    assert band_energy(mono[SR // 10 :], 480, 520) < 1e-3 * band_energy(y[SR // 10 :], 480, 520)
    assert band_energy(mono, 980, 1020) > 0.9 * band_energy(y, 980, 1020)


def test_feature_variants_differ_from_the_right_features_as_named():
    from bbnn_core.features import spectrogram

    y = np.zeros(PAPER_PARAMS.n_samples, np.float32)
    y[: 3 * SR] = sine(440, 3.0)
    right = spectrogram(y, PAPER_PARAMS)
    power = rb.variant_features(y, "raw power")
    assert power.shape == right.shape == (647, 128)
    # the right features are dB of the same mel power (librosa's path vs ours: float32 rounding)
    db = 10 * np.log10(np.maximum(power, 1e-10))
    np.testing.assert_allclose(np.maximum(db, db.max() - 80), right, atol=0.02)
    assert rb.variant_features(y, "dB re max").max() == pytest.approx(0.0)
    np.testing.assert_allclose(rb.variant_features(y, "log1p"), np.log1p(power), rtol=1e-6)
    assert rb.variant_features(y, "FFT 1024").shape == (647, 128)
    with pytest.raises(ParameterError, match="unknown preprocessing"):
        rb.variant_features(y, "mfcc")


def test_every_condition_gives_the_model_an_input():
    y = sine(440, 25.0)
    for cond in rb.CONDITIONS:
        if cond.factor == "codec" and cond.value != 32:
            continue  # one codec is enough here (the codecs have their own tests)
        X = rb.condition_input(y, cond)
        frames = 1 + int(cond.value * SR) // 1024 if cond.factor == "length-direct" else 647
        assert X.shape == (frames, 128) and np.all(np.isfinite(X)), cond
    assert len({c.id for c in rb.CONDITIONS}) == len(rb.CONDITIONS)


def _fake_study(tmp_path, calls, *, key=None):
    """Three 1 s clips of three classes; 'models' that answer from the input's mean."""
    clips = [(f"c{i}.wav", i, sine(200 * (i + 1), 1.0)) for i in range(3)]

    def signals():
        calls.append("signals")
        return clips

    def predict(X):
        calls.append(X.shape)
        m = X.mean(axis=(1, 2, 3))
        p = np.stack([np.stack([np.eye(3)[int(v) % 3] for v in m]), np.full((len(m), 3), 1 / 3)], axis=1)
        return p  # model 0 guesses from the mean, model 1 is unsure (argmax 0)

    conds = [rb.CLEAN, rb.Condition("gain", "-20 dB", -20), rb.Condition("length-direct", "0.5 s", 0.5)]
    return rb.evaluate(
        signals, predict, predict, tmp_path / "work", key=key or {"k": 1}, conditions=conds, progress=False
    )


def test_evaluate_rows_resume_and_are_never_reused_under_another_key(tmp_path):
    calls: list = []
    rows = _fake_study(tmp_path, calls)
    assert list(rows.columns) == ["factor", "level", "value", "clip", "label", "model", "pred", "p_true"]
    assert len(rows) == 3 * 3 * 2 and calls.count("signals") == 1
    assert (3, 1 + int(0.5 * SR) // 1024, 128, 1) in calls  # the direct input at its own length
    calls.clear()
    again = _fake_study(tmp_path, calls)
    assert calls == [] and again.equals(rows)  # every condition was done: nothing recomputed
    with pytest.MonkeyPatch.context() as m:  # a cache another user wrote, read-only here: only read
        m.setattr(rb, "_atomic_write", lambda *a: pytest.fail("wrote into a complete cache"))
        assert _fake_study(tmp_path, calls).equals(rows) and calls == []
    (tmp_path / "work" / "gain=-20_dB.csv").unlink()  # as if killed during that condition
    again = _fake_study(tmp_path, calls)
    assert calls.count("signals") == 1 and len(calls) == 2 and again.equals(rows)
    calls.clear()
    _fake_study(tmp_path, calls, key={"k": 2})  # other clips or models: everything again
    assert len(calls) == 4
    assert json.loads((tmp_path / "work" / "key.json").read_text())["k"] == 2


def _rows(preds_by_condition, labels):
    """Rows for conditions {name: [[pred per clip] per model]}."""
    out = []
    for name, per_model in preds_by_condition.items():
        for m, preds in enumerate(per_model):
            for c, (p, lab) in enumerate(zip(preds, labels)):
                factor = "clean" if name == "clean" else "gain"
                out.append((factor, name, 0.0, f"c{c}", lab, m, p, 0.5))
    return pd.DataFrame(out, columns=["factor", "level", "value", "clip", "label", "model", "pred", "p_true"])


def test_summarize_counts_accuracy_change_and_agreement():
    labels = [0, 1, 2, 3]
    rows = _rows(
        {
            "clean": [[0, 1, 2, 0], [0, 1, 0, 0]],  # accuracies 0.75 and 0.5
            "-6 dB": [[0, 1, 2, 3], [0, 0, 0, 0]],  # 1.0 (one change) and 0.25 (one change)
        },
        labels,
    )
    s = rb.summarize(rows).set_index("level")
    assert s.loc["clean", "accuracy"] == pytest.approx(0.625) and s.loc["clean", "changed"] == 0
    assert s.loc["-6 dB", "accuracy"] == pytest.approx(0.625)
    assert s.loc["-6 dB", "change"] == pytest.approx(0.0)  # +0.25 and -0.25
    assert s.loc["-6 dB", "agreement"] == pytest.approx(0.75) and s.loc["-6 dB", "changed"] == pytest.approx(1.0)
    assert s.loc["-6 dB", "change_low"] < 0 < s.loc["-6 dB", "change_high"]
    assert (s.loc["-6 dB", "accuracy_min"], s.loc["-6 dB", "accuracy_max"]) == (0.25, 1.0)
    text = rb.advice(rb.summarize(rows), tolerated=30)
    assert text["gain"].startswith("Gain: at most 30 of 100 ") and "under -6 dB (25.0)" in text["gain"]
    assert "more change" in rb.advice(rb.summarize(rows), tolerated=5)["gain"]


def test_summarize_against_another_condition():
    """Against a reference condition (the codecs against the 44.1 kHz round trip), the change and
    the agreement are counted from that condition's predictions, not the clean clip's."""
    labels = [0, 1, 2, 3]
    rows = _rows({"clean": [[0, 1, 2, 3]], "ref": [[0, 1, 2, 0]], "coded": [[0, 1, 2, 0]]}, labels)
    rows.loc[rows.level == "ref", "factor"] = "rate"
    rows.loc[rows.level == "coded", "factor"] = "codec"
    against_clean = rb.summarize(rows).set_index("level")
    assert against_clean.loc["coded", "changed"] == 1 and against_clean.loc["coded", "change"] == pytest.approx(-0.25)
    against_ref = rb.summarize(rows, reference=("rate", "ref")).set_index("level")
    assert against_ref.loc["coded", "changed"] == 0 and against_ref.loc["coded", "change"] == pytest.approx(0.0)
    assert against_ref.loc["clean", "changed"] == 1  # the clean clip differs from the reference
    with pytest.raises(ValueError, match="no rows of the reference"):
        rb.summarize(rows, reference=("rate", "96 kHz"))


def test_genre_bands_find_where_the_decision_rests():
    """A genre whose saliency lies in one mel band has half of it below that band's centre; the
    occlusion band is the one with the largest mean drop."""
    import pandas as pd

    from bbnn_core.attribution import OCCLUSION_GRID, genre_bands
    from bbnn_core.figures import mel_centres

    centres = mel_centres()
    sal = pd.DataFrame(
        [
            {"clip": f"{g}-{k}", "label": g, "mel": mel, "value": 1.0 if mel == (10 if g == 0 else 100) else 0.0}
            for g in (0, 1)
            for k in range(2)
            for mel in range(len(centres))
        ]
    )
    gt, gm = OCCLUSION_GRID
    occ = pd.DataFrame(
        [
            {"clip": f"{g}-0", "label": g, "t": t, "m": m, "drop": 0.2 if m == (1 if g == 0 else 6) else 0.0}
            for g in (0, 1)
            for t in range(gt)
            for m in range(gm)
        ]
    )
    bands = genre_bands(occ, sal, ["low", "high"]).set_index("genre")
    assert bands.loc["low", "half the saliency below (Hz)"] == pytest.approx(centres[10])
    assert bands.loc["high", "half the saliency below (Hz)"] == pytest.approx(centres[100])
    assert bands.loc["low", "saliency below 500 Hz (%)"] == 100 and bands.loc["high", "saliency below 500 Hz (%)"] == 0
    width = len(centres) // gm
    assert bands.loc["low", "band that matters most (Hz)"] == f"{centres[width]:.0f}–{centres[2 * width - 1]:.0f}"
    assert bands.loc["high", "mean drop there"] == pytest.approx(0.2)


def test_the_committed_rows_are_what_this_code_makes(gtzan_mini):
    """The book reads results/robustness-gtzan_mini when its key is current: a change to the
    perturbations, features or loader must come with regenerated rows (bbnn robustness gtzan_mini
    --maps authors-gtzan:0 --precision f32 --out results/robustness-gtzan_mini), else the chapter
    would recompute them in every build."""
    from bbnn_core.predict import load_ensemble

    saved = ROOT / "results" / "robustness-gtzan_mini"
    key = json.loads((saved / rb.KEY_FILE).read_text())
    # as the chapter loads them: OpenVINO f32 (or Keras where OpenVINO is missing), on any CPU
    ours = rb.study_key(gtzan_mini, load_ensemble("authors-gtzan", precision="f32"))
    expected = {**ours, "conditions": [c.id for c in rb.CONDITIONS], "code": rb.code_key()}
    assert key == expected
    rows = pd.read_csv(saved / rb.ROWS_FILE)
    assert len(rows) == len(rb.CONDITIONS) * len(gtzan_mini) * 10
    assert set(rows.level) == {c.level for c in rb.CONDITIONS}
    # the occlusion and saliency maps (bbnn robustness ... --maps authors-gtzan:0) likewise
    maps = json.loads((saved / at.LISTENING_KEY_FILE).read_text())
    listen = load_ensemble("authors-gtzan:0", precision="f32")
    assert maps == {
        **rb.study_key(gtzan_mini, listen),
        "code": f"listening {at.LISTENING_VERSION}",
        "features": rb.code_key(),
    }


def test_saved_tables_have_the_same_bytes_for_the_same_rows(tmp_path):
    """Rewriting unchanged rows leaves the file unchanged: no time stamp and no file name in the
    gzip header (the temporary name with the writer's process id was recorded there before), so
    regenerated results show no change in git unless their rows changed."""
    import gzip

    from bbnn_core.runs import write_csv_gz

    rows = pd.DataFrame({"clip": ["a.wav", "b.wav"], "drop": [0.125, -1e-6]})
    write_csv_gz(rows, tmp_path / "one" / "occlusion.csv.gz")
    write_csv_gz(rows, tmp_path / "rows.csv.gz")
    first = (tmp_path / "one" / "occlusion.csv.gz").read_bytes()
    assert first == (tmp_path / "rows.csv.gz").read_bytes()
    assert first[3] == 0  # gzip FLG: no name, no comment, no extra field
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "rows.csv.gz"), rows)
    # the committed tables are stored the same way
    for path in sorted((ROOT / "results").rglob("*.csv.gz")):
        data = path.read_bytes()
        assert data == gzip.compress(gzip.decompress(data), compresslevel=9, mtime=0), path


def test_occlusion_finds_the_band_that_carries_the_information():
    """A 'model' that listens only to mel bands 48-63 (the fourth of eight patches): hiding that
    band drops the true class's probability, hiding any other changes nothing."""
    rng = np.random.default_rng(0)
    X = rng.normal(-40, 3, (2, 64, 128)).astype(np.float32)
    X[:, :, 48:64] += 30

    def predict(batch):
        score = (batch[:, :, 48:64, 0].mean(axis=(1, 2)) + 20) / 3  # high when the band is loud
        p = 1 / (1 + np.exp(-score))
        return np.stack([p, 1 - p], axis=1)[:, None, :]  # one model, two classes

    drop = at.occlusion(predict, X, [0, 0], grid=(4, 8), progress=False)
    assert drop.shape == (2, 4, 8)
    per_band = drop.mean(axis=(0, 1))
    assert per_band.argmax() == 3 and per_band[3] > 0.1
    assert np.abs(np.delete(per_band, 3)).max() < 1e-9


def test_saliency_is_zero_where_the_model_does_not_look():
    import keras

    x = keras.Input((32, 128, 1))
    h = keras.layers.Cropping2D(((0, 0), (48, 64)))(x)  # keeps mel bands 48-63
    h = keras.layers.GlobalAveragePooling2D()(h)
    model = keras.Model(x, keras.layers.Dense(3, activation="softmax")(h))
    X = np.random.default_rng(1).normal(0, 1, (2, 32, 128)).astype(np.float32)
    sal = at.saliency([model], X, [0, 2])
    assert sal.shape == X.shape
    assert np.all(sal[:, :, :48] == 0) and np.all(sal[:, :, 64:] == 0) and np.all(sal[:, :, 48:64] > 0)


def test_mel_centres_span_the_band():
    from bbnn_core.figures import mel_centres

    c = mel_centres()
    assert c.shape == (128,) and 0 < c[0] < 50 and 10_000 < c[-1] < 11_025 and np.all(np.diff(c) > 0)


def test_cli_refuses_data_whose_classes_the_models_do_not_know(tmp_path):
    from conftest import tone, write_audio

    for c in ("a", "b"):
        write_audio(tmp_path / "mine" / c / f"{c}.wav", tone(1.0))
    res = bbnn("robustness", tmp_path / "mine")
    assert res.returncode == 1 and res.stdout == ""
    assert res.stderr.count("\n") == 1 and "tell 10 classes apart" in res.stderr


def test_cli_one_factor_one_model_then_read_back(make_gtzan, tmp_path):
    root = make_gtzan(per_genre=1, seconds=1.0)
    out = tmp_path / "rows"
    args = ("robustness", root, "--factor", "gain", "--model", "authors-gtzan:0", "--json")
    res = bbnn(*args, "--out", out)
    assert res.returncode == 0, res.stderr[-2000:]
    recs = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["level"] for r in recs] == ["clean", "-20 dB", "-10 dB", "-6 dB", "+6 dB", "+12 dB"]
    assert all(r["models"] == 1 and r["clips"] == 10 for r in recs)
    rows = pd.read_csv(out / rb.ROWS_FILE)
    assert len(rows) == 6 * 10
    again = bbnn(*args, "--out", out)  # read back from --out: the same summary
    assert again.returncode == 0 and again.stdout == res.stdout


def test_the_conditions_table_lists_every_condition_once():
    table = rb.conditions_table()
    listed = {(key, level) for key, levels in zip(rb.HOW, table["levels"]) for level in levels.split(", ")}
    conditions = {(c.factor.replace("-direct", ""), c.level) for c in rb.CONDITIONS if c.factor != "clean"}
    assert listed == conditions and table["how"].str.len().min() > 20
