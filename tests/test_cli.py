"""The bbnn command: Unix behaviour (help, stdout/stderr, exit codes, one-line errors)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# a guard against a hang, not a speed test: generous, so that a machine loaded by other work (a
# training at normal priority beside the tests at the lowest) does not fail a command that works
HANG_GUARD_S = 1800


def bbnn(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "bbnn_core.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=HANG_GUARD_S,
    )


@pytest.mark.parametrize("command", [[], ["features"], ["validate"]])
def test_help(command):
    res = bbnn(*command, "--help")
    assert res.returncode == 0 and "usage: bbnn" in res.stdout and res.stderr == ""


def test_every_help_prints_percent_signs_once_and_says_what_the_paper_profile_costs(capsys):
    from bbnn_core.cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.choices and "train" in a.choices)  # noqa: SLF001
    for name, sub in subparsers.choices.items():
        text = sub.format_help()
        assert "%%" not in text, name
        if name in ("train", "book"):
            assert "hours per fold" in " ".join(text.split()), name


def test_no_command_is_a_usage_error():
    res = bbnn()
    assert res.returncode == 2 and "usage" in res.stderr


def test_validate_bad_file_one_line_no_traceback(make_gtzan):
    root = make_gtzan(per_genre=2, genres=["blues", "rock"])
    (root / "genres" / "rock" / "rock.00001.wav").write_text("not audio")
    res = bbnn("validate", root, "--quiet")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr + res.stdout
    bad = [line for line in res.stdout.splitlines() if line.startswith("unreadable")]
    assert len(bad) == 1 and "rock.00001.wav" in bad[0] and "not a recognised audio format" in bad[0]
    assert "blues\t2" in res.stdout and "total\t4" in res.stdout  # the other files still counted


def test_a_name_or_folder_that_is_not_there_is_one_line(tmp_path):
    res = bbnn("validate", "gtzan")  # a name, not a folder: the names known here are listed
    assert res.returncode == 1 and res.stderr.startswith("bbnn: error: the data directory ")
    assert "gtzan does not exist (" in res.stderr
    assert "gtzan_mini" in res.stderr and res.stderr.count("\n") == 1
    res = bbnn("train", "--data-dir", tmp_path / "nope", "--profile", "smoke", "--run-dir", tmp_path / "run")
    assert res.returncode == 1 and res.stderr.count("\n") == 1  # not announced as training first
    assert f"{tmp_path / 'nope'} does not exist" in res.stderr
    assert not (tmp_path / "run").exists()
    res = bbnn("evaluate", tmp_path / "norun")
    assert res.returncode == 1 and res.stderr.count("\n") == 1
    assert res.stderr.startswith(f"bbnn: error: {tmp_path / 'norun'} does not exist")
    assert "(expected a run folder)" in res.stderr


def test_validate_json(make_gtzan):
    res = bbnn(
        "validate", make_gtzan(per_genre=1, genres=["jazz", "pop"]), "--json", "--no-checksums"
    )  # synthetic audio under real GTZAN names
    out = json.loads(res.stdout)
    assert res.returncode == 0 and out["ok"] and out["counts"]["jazz"] == 1 and out["n_tracks"] == 2
    # valid, but a class of one track cannot be trained: said on stderr, the data set stays valid
    assert res.stderr.startswith("bbnn: note: the smallest class, ") and res.stderr.count("\n") == 1
    assert "jazz, has 1 track: too few" in res.stderr and "(every protocol needs at least 3" in res.stderr


def test_validate_says_which_protocols_a_small_class_rules_out(make_gtzan):
    res = bbnn("validate", make_gtzan(per_genre=4, genres=["jazz", "pop"]), "--no-checksums", "--quiet")
    assert res.returncode == 0 and res.stderr.startswith("bbnn: note: ") and res.stderr.count("\n") == 1
    assert "jazz, has 4 tracks: too few" in res.stderr and "(10 per class)" in res.stderr
    assert "train with --protocol kfold --n-folds 4" in res.stderr


def test_validate_extended_ballroom_metadata(mirror):
    res = bbnn("validate", "extended_ballroom", "--no-decode", "--json")
    out = json.loads(res.stdout)
    assert out["n_tracks"] == 4180 and sum(out["counts"].values()) == 4180
    assert res.returncode == 1 and len(out["missing"]) == 4180  # no audio here, said plainly


def test_features_json_and_error(make_gtzan, tmp_path):
    root = make_gtzan(per_genre=1, genres=["blues", "disco"])
    res = bbnn("features", root, "--cache-dir", tmp_path / "cache", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["shape"] == [2, 647, 128] and os.path.exists(out["file"])
    assert "%|" not in res.stderr  # no progress bar when stderr is not a terminal
    # the 1 s synthetic clips are padded: one warning line each, naming the file
    assert [line.startswith("bbnn: warning: ") and ".wav" in line for line in res.stderr.splitlines()] == [True, True]

    res = bbnn("features", tmp_path / "missing")
    assert res.returncode == 1 and res.stdout == ""
    assert res.stderr.startswith("bbnn: error:") and "missing" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_installed_entry_point():
    import shutil

    exe = shutil.which("bbnn", path=os.path.dirname(sys.executable))
    assert exe, "the bbnn console script is not installed"
    res = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.startswith("bbnn ")


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory, mirror):
    run = tmp_path_factory.mktemp("runs") / "smoke"
    res = bbnn(
        "train",
        "--dataset",
        "gtzan_mini",
        "--protocol",
        "kfold",
        "--profile",
        "smoke",
        "--n-folds",
        3,
        "--run-dir",
        run,
        "--json",
        "--quiet",
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return run, json.loads(res.stdout)


@pytest.mark.slow  # trains
def test_train_smoke_on_the_embedded_data(smoke_run):
    run, summary = smoke_run
    assert summary["folds_done"] == summary["n_folds"] == 3
    assert summary["test_acc"]["n"] == 3 and summary["baseline_test_acc"]["n"] == 3
    # the JSON names what it is about: the data set, the protocol, the classes in their order
    assert summary["dataset"] == "gtzan_mini" and summary["protocol"] == "kfold" and summary["classes"][0] == "blues"
    for k in range(3):
        assert (run / f"fold{k}" / "metrics.json").is_file() and (run / f"fold{k}" / "best.keras").is_file()
    # true k-fold: every clip tested once
    tested = [
        line.split(",")[0]
        for k in range(3)
        for line in (run / f"fold{k}" / "predictions.csv").read_text().splitlines()[1:]
    ]
    assert len(tested) == len(set(tested)) == 100


@pytest.mark.slow  # trains
def test_evaluate_reads_the_run(smoke_run):
    run, summary = smoke_run
    res = bbnn("evaluate", run)
    assert res.returncode == 0
    assert "95% CI" in res.stdout and res.stdout.count("fold ") == 3
    assert json.loads(bbnn("evaluate", run, "--json").stdout)["test_acc"] == summary["test_acc"]


@pytest.mark.slow  # trains
def test_evaluate_with_reruns(smoke_run, tmp_path):
    """--rerun prints how far each rerun moved each fold; a run of another split is refused in one line."""
    import shutil

    run, _ = smoke_run
    same = shutil.copytree(run, tmp_path / "same")  # the same command again: nothing moves
    res = bbnn("evaluate", run, "--rerun", same)
    assert res.returncode == 0 and res.stdout.count("rerun fold ") == 3
    assert "\trepeat\t" in res.stdout and "changed 0/" in res.stdout and "nothing recorded" in res.stdout
    assert res.stdout.count("\thistory and predictions byte-identical\n") == 3
    [spread] = [line.split("\t") for line in res.stdout.splitlines() if line.startswith("spread repeat")]
    assert spread[:3] == ["spread repeat", "1 rerun, folds 0,1,2", "fold |delta| mean 0.0000 max 0.0000"]
    out = json.loads(bbnn("evaluate", run, "--rerun", same, "--json").stdout)
    assert out["reruns"]["summary"]["repeat"]["pooled_max_abs"] == 0
    assert out["reruns"]["summary"]["repeat"]["identical"] == 3 and out["reruns"]["folds"][0]["identical"] is True
    other = shutil.copytree(run, tmp_path / "other")
    cfg = json.loads((other / "config.json").read_text())
    (other / "config.json").write_text(json.dumps(cfg | {"seed": cfg["seed"] + 1}))
    res = bbnn("evaluate", run, "--rerun", other)
    assert res.returncode != 0 and "is not a rerun of" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.slow  # trains
def test_predict_with_a_run_and_with_the_authors_models(smoke_run, gtzan_mini):
    run, _ = smoke_run
    blues = gtzan_mini.root / "genres/blues/blues.00000.wav"
    res = bbnn("predict", blues, "--model", run, "--top", "2")
    assert res.returncode == 0 and res.stdout.startswith(str(blues)) and res.stdout.count("\t") == 2
    res = bbnn("predict", blues, "--model", "authors-gtzan", "--json")
    out = json.loads(res.stdout)
    assert res.returncode == 0 and out["top"][0]["genre"] == "blues"
    assert "Traceback" not in res.stderr


def test_predict_of_files_that_do_not_exist_fails_before_any_model_loads(tmp_path):
    """A typo must not wait for (or download) ten models: no mirror, an empty cache and no network
    would fail on the models, so the one line per file shows the paths were checked first."""
    missing = [tmp_path / "typo.wav", tmp_path / "other.mp3"]
    res = bbnn("predict", *missing, env={"BBNN_MIRROR": "", "BBNN_CACHE": str(tmp_path / "cache")})
    assert res.returncode == 1 and res.stdout == ""
    lines = res.stderr.splitlines()
    assert [line.startswith(f"bbnn: error: cannot decode {m}: ") for line, m in zip(lines, missing)] == [True, True]
    assert len(lines) == 2 and all(line.endswith(": no such file") for line in lines)
    assert not (tmp_path / "cache").exists()


@pytest.mark.slow  # trains
def test_predict_with_a_partly_trained_run_says_how_many_folds_it_uses(smoke_run, tmp_path):
    import shutil

    from bbnn_core.predict import load_ensemble

    run, _ = smoke_run
    assert "folds finished" not in (load_ensemble(run).note or "")  # every fold finished
    part = tmp_path / "part"
    shutil.copytree(run, part)
    (part / "fold1" / "metrics.json").unlink()  # fold 1 still training
    ens = load_ensemble(part)
    assert ens.n_models == 2
    first = ens.note.splitlines()[0]  # (a smoke run's folds may add a line: they keep early weights)
    assert first.startswith(f"run {part}: 2 of 3 folds finished; ") and first.endswith(" 2 models (folds 0, 2)")
    assert "folds finished" not in (load_ensemble(f"{part}:0").note or "")  # the folds were chosen


def test_predict_reads_paths_from_stdin_and_folders(gtzan_mini, tmp_path):
    blues = sorted((gtzan_mini.root / "genres/blues").glob("*.wav"))[:2]
    folder = tmp_path / "clips"
    folder.mkdir()
    (folder / blues[0].name).symlink_to(blues[0])
    res = subprocess.run(
        [sys.executable, "-m", "bbnn_core.cli", "predict", "-", folder, "--model", "authors-gtzan:0", "--top", "1"],
        input=f"{blues[1]}\n",
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == [str(blues[1]), str(folder / blues[0].name)]
    empty = tmp_path / "empty"
    empty.mkdir()
    res = bbnn("predict", empty)
    assert res.returncode == 1 and res.stderr.startswith(f"bbnn: error: {empty}: folder holds no ")
    assert res.stderr.count("\n") == 1 and "(.wav, .au, .flac, .ogg, .mp3, .aif, .aiff)" in res.stderr
