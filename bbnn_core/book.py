"""The whole book on your data in one command: train every data set's run, execute every chapter,
render the book (``bbnn book --data gtzan=/data/GTZAN --data ballroom=/data/Ballroom ...``).

With workers (``--workers N``, ``--scheduler``, ``--cluster``: :mod:`bbnn_core.cluster`), the folds
of all data sets are one set of Dask tasks (features first, then folds), and once they have
finished, every notebook is executed by papermill as a Dask task of its own. Without, everything
runs here, one thing after another. The chapters then only read their finished runs
(``train=False``), so a notebook never waits for training inside a worker.
"""

from __future__ import annotations

import errno
import re
import subprocess
import sys
from pathlib import Path

from .errors import BBNNError, NoSpaceError, ParameterError, no_space
from .runs import Run, atomic_write

__all__ = [
    "CHAPTERS",
    "prepare_kernel",
    "parse_data",
    "chapter_parameters",
    "build_book",
    "prune_empty_sections",
    "print_pdf",
]

# the chapters that take a data set, and their protocol (Extended Ballroom's copies are grouped)
CHAPTERS = {"gtzan": "kfold", "ballroom": "kfold", "extended_ballroom": "grouped"}


def prepare_kernel() -> None:
    """What a notebook of the book sets first in its kernel, as the ``bbnn`` command does for
    itself: the settings of a process that may train (:func:`bbnn_core.train.prepare_process`),
    and no "IProgress not found" warning (librosa loads pooch, which imports ``tqdm.auto``: in a
    kernel without ipywidgets that warns, with this machine's paths, although nothing here draws a
    widget). Importing ``bbnn_core`` sets neither."""
    import warnings

    from .train import prepare_process

    prepare_process()
    warnings.filterwarnings("ignore", message="IProgress not found")


def parse_data(items: list[str]) -> dict[str, str]:
    """``["gtzan=/data/GTZAN", ...]`` -> ``{"gtzan": "/data/GTZAN", ...}``, checked."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, path = item.partition("=")
        if not sep or not path:
            raise ParameterError(f"--data expects CHAPTER=FOLDER (e.g. gtzan=/data/GTZAN); got {item!r}")
        if key not in CHAPTERS:
            raise ParameterError(f"--data {item!r}: no chapter {key!r} (chapters: {', '.join(CHAPTERS)})")
        if key in out:
            raise ParameterError(f"--data names the {key} chapter twice")
        if not Path(path).is_dir():
            raise ParameterError(f"--data {item!r}: {path} is not a folder")
        out[key] = str(Path(path).resolve())
    return out


def prune_empty_sections(path: str | Path) -> list[str]:
    """Make an executed chapter notebook show no placeholder: drop every output that has nothing
    to show (:class:`bbnn_core.chapter.Nothing`), then every section (a ``##`` heading and the cells
    up to the next heading) whose code had such an output and now shows nothing at all. Rewrites
    ``path`` (a copy in ``book/generated``, never the committed notebook); the headings removed."""
    import json

    from .chapter import NOTHING_MIME

    path = Path(path)
    nb = json.loads(path.read_text())
    cells = nb["cells"]
    emptied: set[int] = set()  # code cells that had a Nothing
    for i, cell in enumerate(cells):
        outputs = cell.get("outputs", [])
        kept = [o for o in outputs if NOTHING_MIME not in o.get("data", {})]
        if len(kept) != len(outputs):
            cell["outputs"] = kept
            emptied.add(i)

    def heading(cell) -> int:  # the level of a markdown cell's heading, 0 for none
        text = "".join(cell["source"]).lstrip() if cell["cell_type"] == "markdown" else ""
        return len(text) - len(text.lstrip("#")) if text.startswith("#") else 0

    starts = [i for i, c in enumerate(cells) if heading(c) >= 2] + [len(cells)]
    drop: set[int] = set()
    removed: list[str] = []
    for a, b in zip(starts, starts[1:]):
        code = [i for i in range(a, b) if cells[i]["cell_type"] == "code"]
        if emptied & set(code) and not any(cells[i].get("outputs") for i in code):
            drop.update(range(a, b))
            removed.append("".join(cells[a]["source"]).splitlines()[0].lstrip("# ").strip())
    nb["cells"] = [c for i, c in enumerate(cells) if i not in drop]
    atomic_write(path, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")  # a full disk leaves the page whole
    return removed


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: nothing reaches out
    "--no-pdf-header-footer",
    "--generate-pdf-document-outline",  # bookmarks from the headings
]


def print_pdf(site: str | Path, out: str | Path, *, stamp: str, chromium: str | None = None) -> Path:
    """Print the book's single-page build (``jupyter-book build . --builder singlehtml``, in
    ``site``) to the PDF ``out`` with headless Chromium: A4, the print styles of the book's CSS,
    ``stamp`` (when and from which commit it was built) under the title. Offline."""
    import shutil
    import tempfile

    site, out = Path(site).resolve(), Path(out).resolve()
    page = site / "book" / "intro.html"
    if not page.is_file():
        raise BBNNError(
            f"{page} is missing: build the single-page book first (jupyter-book build . --builder singlehtml)"
        )
    browser = chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise BBNNError("make pdf needs Chromium (Debian's package chromium; make pdf installs it when run as root)")
    import html

    # the printed copy sits at the site's root: the page's links are relative to it
    printed = f'</h1>\n<p class="bbnn-printed">{html.escape(stamp)}</p>'
    copy = site / "bbnn-book-print.html"
    copy.write_text(re.sub(r"</h1>", lambda _: printed, page.read_text(), count=1))
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        res = subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={out}", copy.as_uri()],
            capture_output=True,
            text=True,
            timeout=600,
        )
    if not out.is_file() or out.stat().st_size == 0:
        raise BBNNError(f"Chromium wrote no PDF: {(res.stderr or res.stdout).strip().splitlines()[-1:]}")
    return out


def _execute(notebook: str, output: str, parameters: dict, cwd: str) -> str:
    """Run one notebook with papermill (a Dask task, or a call here); the output's path. A full disk
    is one :class:`NoSpaceError` naming the output, and no half-written notebook is left."""
    import papermill

    try:
        papermill.execute_notebook(
            notebook, output, parameters=parameters, cwd=cwd, progress_bar=False, kernel_name="python3"
        )
    except OSError as exc:
        full = no_space(exc, output)
        if full is None:
            raise
        Path(output).unlink(missing_ok=True)
        raise full from exc
    return output


def chapter_parameters(cfgs: dict) -> dict[str, dict]:
    """The papermill parameters of each notebook, once the runs of ``cfgs`` (chapter -> run
    configuration, trained) are finished: each data set's chapter reads its run; the data chapter
    counts and draws each folder (a copy of one of the paper's data sets in that data set's place,
    a user's own folder beside them); the reproduction report shows a run of the paper's recipe on
    GTZAN's classes in place of the embedded one. A notebook not named keeps its
    defaults."""
    from .paper import papers_classes

    out: dict[str, dict] = {}
    own: dict[str, str] = {}
    data: dict = {}
    for key, cfg in cfgs.items():
        out[key] = {
            "data_dir": cfg.data_dir,
            "protocol": cfg.protocol,
            "profile": cfg.profile,
            "seed": cfg.seed,
            "n_folds": cfg.n_folds,
            "run_dir": cfg.run_dir,
            "train": False,  # trained before: the chapter reads its run
        }
        papers = papers_classes(key, Run(cfg.run_dir).splits()["classes"])
        if not papers:
            own[str(cfg.dataset)] = cfg.data_dir
        elif key in ("gtzan", "ballroom"):  # Extended Ballroom is counted from its metadata file
            data[f"{key}_dir"] = cfg.data_dir
        if key == "gtzan" and papers and cfg.profile == "paper":
            out["reproduction"] = {"runs": {cfg.protocol: cfg.run_dir}}
    if own:
        data["own"] = own
    if data:
        out["data"] = data
    return out


def build_book(
    data: dict[str, str],
    *,
    root: str | Path = ".",
    profile: str = "paper",
    seed: int = 0,
    n_folds: int | None = None,
    runs: str | Path = "runs",
    workers=None,
    build: bool = True,
    progress: bool | None = None,
    threads: int | None = None,
) -> dict[str, str]:
    """Train the run of every chapter in ``data``, execute every notebook of ``root/notebooks``
    into ``root/book/generated`` and render the book with Jupyter Book (unless ``build`` is
    False). Returns each trained chapter's run folder."""
    from .extras import require

    require("book", "bbnn book", None if build else ("papermill",))
    from .chapter import run_parameters
    from .progress import bar

    root = Path(root).resolve()
    notebooks = sorted((root / "notebooks").glob("*.ipynb"))
    if not notebooks:
        raise ParameterError(f"{root} holds no notebooks/*.ipynb: run bbnn book in a checkout of bbnn-book")
    cfgs = {}
    for key, folder in data.items():
        name = Path(folder).name
        run_dir = Path(runs).resolve() / f"{name}-{CHAPTERS[key]}-{profile}-seed{seed}"
        cfgs[key], _ = run_parameters(
            key,
            data_dir=folder,
            protocol=CHAPTERS[key],
            profile=profile,
            seed=seed,
            n_folds=n_folds or 10,
            run_dir=str(run_dir),
        )
    if workers is None:
        from .train import train

        for cfg in cfgs.values():
            train(cfg, progress=progress, threads=threads)
    else:
        from .cluster import train_runs

        train_runs(list(cfgs.values()), workers, progress=progress)

    out_dir = root / "book" / "generated"
    out_dir.mkdir(parents=True, exist_ok=True)
    parameters = chapter_parameters(cfgs)
    jobs = [(str(nb), str(out_dir / nb.name), parameters.get(nb.stem, {}), str(nb.parent)) for nb in notebooks]
    failures: list[tuple[str, BaseException]] = []
    if workers is None:
        for job in bar(jobs, desc="notebooks", unit="notebook", progress=progress):
            try:
                _execute(*job)
            except Exception as exc:  # noqa: BLE001 - reported with its notebook below
                failures.append((job[0], exc))
    else:
        from .cluster import wait_all

        futures = {workers.client.submit(_execute, *job, pure=False): job[0] for job in jobs}
        failures = [(futures[f], exc) for f, exc in wait_all(list(futures), "notebooks", "notebook", progress)]
    for _, failure in failures:
        if isinstance(failure, NoSpaceError):
            raise failure
    if failures:
        name, error = failures[0]
        if hasattr(error, "ename"):  # papermill's error: the cell's exception
            first = f"{error.ename}: {getattr(error, 'evalue', '')}"
        else:
            first = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise BBNNError(f"{len(failures)} notebook(s) failed; {Path(name).name}: {first}")
    for nb in notebooks:
        prune_empty_sections(out_dir / nb.name)
    if build:
        res = subprocess.run(
            [
                str(Path(sys.executable).with_name("jupyter-book")),
                "build",
                str(root),
                "--warningiserror",
                "--keep-going",
            ],
            capture_output=True,
            text=True,
        )
        if res.returncode != 0 and "No space left on device" in res.stdout + res.stderr:
            raise no_space(OSError(errno.ENOSPC, "No space left on device"), root / "_build") or BBNNError(
                "no space left on the device"
            )
        if res.returncode != 0:
            raise BBNNError(f"jupyter-book build failed: {(res.stdout + res.stderr).strip().splitlines()[-1]}")
    return {key: cfg.run_dir for key, cfg in cfgs.items()}


if __name__ == "__main__":  # what make book and make pdf run
    # python -m bbnn_core.book prune NOTEBOOK...  |  python -m bbnn_core.book pdf SITE OUT STAMP
    if sys.argv[1:2] == ["prune"]:
        for name in sys.argv[2:]:
            for title in prune_empty_sections(name):
                print(f"{Path(name).name}: nothing to show under {title!r}: left out", file=sys.stderr)
    elif sys.argv[1:2] == ["pdf"] and len(sys.argv) == 5:
        try:
            print(print_pdf(sys.argv[2], sys.argv[3], stamp=sys.argv[4]))
        except BBNNError as exc:
            sys.exit(f"make pdf: {exc}")
    else:
        sys.exit("usage: python -m bbnn_core.book prune NOTEBOOK... | pdf SITE OUT STAMP")
