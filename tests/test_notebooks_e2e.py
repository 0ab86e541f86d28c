"""The data-set chapters end to end on small synthetic data sets in the real layouts.

Ballroom and Extended Ballroom audio is not on CI's machine, so these tests make data sets in the
same layouts (tones, 1 s each), run the chapters with papermill on the smoke profile, and check
that every table and figure of a run appears and that the page says the data are synthetic.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
import pytest
from conftest import tone, write_audio

pytestmark = pytest.mark.slow  # executes notebooks: left out of make test-fast

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _execute(name, tmp_path, **parameters):
    import papermill

    out = tmp_path / f"{name}.out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(out),
        parameters=parameters,
        cwd=str(NOTEBOOKS),
        progress_bar=False,
        kernel_name="python3",
    )
    return nbformat.read(out, as_version=4)


def _outputs(nb):
    text, images = [], 0
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                text.append(o["text"])
            data = o.get("data", {})
            images += "image/png" in data
            text += [data.get("text/plain", ""), data.get("text/html", ""), data.get("text/markdown", "")]
    return "\n".join(text), images


def test_ballroom_chapter_on_synthetic_ballroom(tmp_path):
    data = tmp_path / "synthetic_ballroom" / "BallroomData"
    for g, folder in enumerate(
        ["ChaChaCha", "Jive", "Quickstep", "Rumba-Misc", "Samba", "Tango", "VienneseWaltz", "Waltz"]
    ):
        for i in range(10):
            write_audio(data / folder / f"{folder}-{i}.wav", tone(1.0, freq=100 + 60 * g, seed=i))
    nb = _execute(
        "ballroom",
        tmp_path,
        data_dir=str(data.parent),
        dataset="synthetic_ballroom",
        profile="smoke",
        n_folds=3,
        run_dir=str(tmp_path / "run"),
    )
    text, images = _outputs(nb)
    assert str(data.parent) in text and "REDUCED" in text  # the overview names the data and the profile
    assert "MMCNN" in text and "our run (synthetic_ballroom, kfold, smoke, reduced: " in text
    assert "paper precision" in text  # Table 6
    assert images == 3  # Figure 3, and Figure 4 as two figures (confusion matrix, accuracy per fold)
    assert (tmp_path / "run" / "summary.json").exists()


def test_extended_ballroom_chapter_on_synthetic_data(tmp_path, mirror):
    root = tmp_path / "synthetic_ebr"
    songs = []
    for g, genre in enumerate(["Jive", "Salsa", "Tango"]):
        for i in range(12):
            sid = f"{g}{i:03d}"
            f = write_audio(root / genre / f"{sid}.wav", tone(1.0, freq=150 + 90 * g, seed=i))
            target = f.with_suffix(".mp3")
            f.rename(target)
            link = f'<exact id="{g}{i - 1:03d}"/>' if i % 4 == 1 else ""  # copies of one song
            songs.append(
                (genre, f'<song id="{sid}" hash="{hashlib.md5(target.read_bytes()).hexdigest()}">{link}</song>')
            )
    xml = (
        "<ballroom>"
        + "".join(f"<{g}>" + "".join(s for gg, s in songs if gg == g) + f"</{g}>" for g in ["Jive", "Salsa", "Tango"])
        + "</ballroom>"
    )
    (root / "extendedballroom_v1.1.xml").write_text(xml)
    nb = _execute(
        "extended_ballroom",
        tmp_path,
        data_dir=str(root),
        dataset="synthetic_extended_ballroom",
        profile="smoke",
        n_folds=3,
        run_dir=str(tmp_path / "run"),
    )  # 9 song groups per genre
    text, images = _outputs(nb)
    assert str(root) in text and "grouped" in text
    assert "the authors' released logs" in text  # their Extended Ballroom results beside ours
    assert images == 3  # Figure 3, and Figure 4 as two figures
    assert "'authors': '97.4'" in text  # the authors' mean the prose quotes, from their fold_results.csv


def test_extended_ballroom_chapter_without_audio(tmp_path, mirror):
    from bbnn_core.book import prune_empty_sections

    nb = _execute("extended_ballroom", tmp_path)
    text, images = _outputs(nb)
    # in the notebook, the parts without a run say why; in the book they are left out
    assert "(nothing to show: no finished" in text
    assert images == 2  # the authors' loss curves and per-run accuracies
    removed = prune_empty_sections(tmp_path / "extended_ballroom.out.ipynb")
    assert removed == ["Our run against an SVM", "The run shown on this page"], removed


def _four_classes(tmp_path):
    """A researcher's folder-per-class set: 4 classes of 6 one-second tones, named "my tunes"."""
    classes = ["accordion", "banjo", "kazoo", "theremin"]
    root = tmp_path / "my tunes"
    for ci, c in enumerate(classes):
        for i in range(6):
            write_audio(root / c / f"{i}.wav", tone(1.0, freq=150.0 * (ci + 1), seed=i))
    return root, classes


def test_the_data_chapter_counts_and_draws_a_folder_of_ones_own(tmp_path):
    """``bbnn book --data gtzan=<own folder>`` gives the data chapter that folder: Table 2.1 counts
    its classes beside GTZAN's, and Figure 2.1 draws its first clip of each class, named."""
    import re

    root, classes = _four_classes(tmp_path)
    nb = _execute("data", tmp_path, own={"my tunes": str(root)})
    table = next(o["data"]["text/html"] for c in nb.cells if "table2(sets)" in c.source for o in c["outputs"])
    assert "my tunes (your data)" in table and "gtzan_mini" in table
    assert re.findall(r">(accordion|banjo|kazoo|theremin)</td>", table) == classes
    text, _ = _outputs(nb)
    assert "genre of my tunes" in text and "blues.00000" not in text


def test_gtzan_chapter_on_a_four_class_folder_of_other_names(tmp_path):
    """A researcher's folder-per-class set through the GTZAN notebook: its own 4 classes, named
    after the folder, trained because data was given; a run of other data is refused."""
    import pandas as pd
    import papermill
    import pytest

    root, classes = _four_classes(tmp_path)
    run = tmp_path / "run"
    nb = _execute("gtzan", tmp_path, data_dir=str(root), profile="smoke", n_folds=3, run_dir=str(run))
    text, images = _outputs(nb)
    config = pd.read_json(run / "config.json", typ="series")
    assert config["dataset"] == "my tunes" and config["kind"] is None and config["n_folds"] == 3
    summary = pd.read_json(run / "summary.json", typ="series")
    assert sorted(summary["pooled"]["per_class"]) == classes
    tables = [c for c in nb.cells if "ch.per_class()" in c.source][0]["outputs"][0]["data"]["text/html"]
    import re

    genres = re.findall(r'class="data row\d+ col0" >([^<]+)</td>', tables)
    assert genres == [*classes, "average"]  # 4 classes and their average, not GTZAN's 10
    assert "blues" not in tables and images == 3
    # the page names the run's data, and the paper's rows as GTZAN's, not comparable with it
    assert "'data_name': 'my tunes'" in text and "'title': 'my tunes'" in text and "on GTZAN, not this run" in text
    # the same notebook asked to show that run under another data set's name refuses, in one line
    with pytest.raises(papermill.PapermillExecutionError, match="a run of 'my tunes', not of 'gtzan_mini'"):
        _execute("gtzan", tmp_path, dataset="gtzan_mini", run_dir=str(run))


def test_the_readme_own_music_commands_run_in_order(tmp_path):
    """The README's "Your own music" commands as written, in order, each using what the one before
    made: on a small 4-class set, with the smoke profile for the paper's (minutes, not hours). The
    chapter shows the run trained above, not a new one in notebooks/runs."""
    import re
    import shlex
    import subprocess
    import sys

    root = NOTEBOOKS.parent
    readme = (root / "README.md").read_text()
    section = readme[readme.index("## Your own music") :]
    block = re.search(r"```bash\n(.*?)```", section, re.S)[1].replace("\\\n", " ")  # continued lines
    music = tmp_path / "my_music"
    for c, name in enumerate(["accordion", "banjo", "kazoo", "theremin"]):
        for i in range(6):
            write_audio(music / name / f"take {i}.wav", tone(2.0, freq=150.0 * (c + 1), seed=i))
    write_audio(tmp_path / "new_song.flac", tone(4.0, freq=300.0), format="FLAC")
    bin_ = Path(sys.executable).parent
    commands = [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert [c.split()[:2] for c in commands] == [
        ["bbnn", "validate"],
        ["bbnn", "train"],
        ["bbnn", "evaluate"],
        ["bbnn", "predict"],
        ["papermill", "notebooks/gtzan.ipynb"],
    ]
    outputs = []
    for command in commands:
        command = command.replace("~/my_music", str(music)).replace("$PWD", str(tmp_path))
        command = command.replace("notebooks/", f"{root}/notebooks/").replace(
            "--cwd notebooks", f"--cwd {root}/notebooks"
        )
        command = command.replace("--profile paper", "--profile smoke").replace("-paper-", "-smoke-")
        args = shlex.split(command, comments=True)
        if args[0] == "papermill":
            args += ["-p", "profile", "smoke"]
        res = subprocess.run(
            [str(bin_ / args[0]), *args[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=1800
        )
        assert res.returncode == 0, (command, res.stderr[-2000:])
        outputs.append(res)
    assert outputs[1].stdout.count("fold ") == 5 and "new_song.flac" in outputs[3].stdout
    assert not (root / "notebooks" / "runs").exists()  # the chapter read the run above, trained nothing
    page = nbformat.read(tmp_path / "my_music.ipynb", as_version=4)
    text, images = _outputs(page)
    assert "my_music-kfold-smoke-seed0" in text and images >= 3
    assert not re.search(r"Epoch \d+/|oneDNN|cuda|TensorFlow binary", text)  # no training log, no start-up noise
