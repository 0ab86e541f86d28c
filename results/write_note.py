"""Write NOTE.md of a committed run folder from its own files (command, commit, tree, wall time per
fold, CPU hours): ``python results/write_note.py results/gtzan_mini-kfold-paper-seed0``."""

from __future__ import annotations

import sys
from pathlib import Path

from bbnn_core.metrics import summarize_run
from bbnn_core.reruns import find_reruns, rerun_spread
from bbnn_core.runs import Run, fold_instruction_sets


def _outcomes(reference: Path, path: Path) -> list[str]:
    """One bullet per fold of a rerun: its kind, what differed, and what moved (or that nothing did)."""
    lines = []
    for _, row in rerun_spread(reference, [path]).iterrows():
        kind = f"training seed {row['train_seed']}" if row["kind"] == "train seed" else "the same seeds"
        differs = f"other {row['differs_in']}" if row["differs_in"] else "nothing recorded differing (a repeat)"
        moved = (
            "history and predictions byte for byte the run's"
            if row["identical"]
            else f"test accuracy {100 * row['reference_acc']:.1f} % -> {100 * row['rerun_acc']:.1f} %, "
            f"{row['predictions_changed']} of {row['n_test']} test predictions changed, "
            f"{row['reference_epochs']} -> {row['rerun_epochs']} epochs"
        )
        lines.append(f"- fold {row['fold']}: {kind}, {differs}: {moved}.")
    return lines


def note(path: Path) -> str:
    run = Run.open(path)
    cfg = run.config()
    s = summarize_run(path)
    folds = run.finished_folds()
    early = sum(bool(f.metrics()["stopped_early"]) for f in folds)
    # a rerun (issue 19): other training seeds on the same split, and only some folds
    train_seed = f" --train-seed {cfg['train_seed']}" if cfg.get("train_seed") is not None else ""
    reference = path.parent / path.name.rsplit("-", 1)[0]
    rerun = reference.is_dir() and path.resolve() in {p.resolve() for p in find_reruns(reference)}
    only = f" --folds {','.join(str(f.index) for f in folds)}" if rerun else ""
    lines = [
        f"# {cfg['dataset']}, {cfg['protocol']}, {cfg['profile']} profile, seed {cfg['seed']}"
        + (f", training seed {cfg['train_seed']}" if train_seed else ""),
        "",
        "Made on the project's 2-core CPU machine (AMD EPYC, TensorFlow backend, no GPU), in the background,",
        "from a clean git worktree of the commit named below (so no fold ran from a dirty tree), with",
        "",
        f"    bbnn train --dataset {cfg['dataset']} --protocol {cfg['protocol']} --profile {cfg['profile']} "
        f"--seed {cfg['seed']}{train_seed}{only} --run-dir {path}",
        "",
        "(the run folder was written outside the checkout and its small files copied here; the `best.keras`",
        "model files, 2.4 MB each, and checkpoints are not committed: every table and figure reads only the",
        "other files). The command resumes wherever it stopped: finished folds are skipped, and the fold in",
        "progress restarts from its last finished epoch with byte-identical results.",
        "",
        *(
            [
                f"A rerun of fold{'s' if len(folds) != 1 else ''} {', '.join(str(f.index) for f in folds)} of "
                f"`{reference.name}` beside it, on the same",
                "split, to measure how far a rerun moves its numbers (the book's chapters find it by its name).",
                "Against that run (`bbnn evaluate` with `--rerun`):",
                "",
                *_outcomes(reference, path),
            ]
            if only
            else [
                f"**{s['folds_done']} of {s['n_folds']} folds finished**; the others were still to run when this was",
                "committed. Every page of the book says how many folds its numbers cover.",
            ]
            if s["folds_done"] < s["n_folds"]
            else [
                f"**All {s['n_folds']} folds finished**, each by its stopping rule: {early} by early stopping"
                + (f", {len(folds) - early} at its last epoch, {cfg['epochs']}" if early < len(folds) else "")
                + ". `summary.json` holds the run's summary.",
            ]
        ),
        "",
        "| fold | commit | tree | deterministic | CPU class | processes | epochs run | stopped early | best epoch "
        "| wall time |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    total = 0.0
    for f in folds:
        p, m = f.provenance(), f.metrics()
        total += p["wall_time_s"]
        commits = sorted({x["git_commit"][:10] for x in p.get("sessions", [])}) or [str(p["git_commit"])[:10]]
        tree = "dirty" if p.get("git_dirty") or any(x.get("git_dirty") for x in p.get("sessions", [])) else "clean"
        lines.append(
            f"| {f.index} | {', '.join(commits)} | {tree} | {p.get('determinism', {}).get('deterministic')} | "
            f"{', '.join(fold_instruction_sets(p))} | {len(p.get('sessions', []))} | {m['epochs_run']} | {m['stopped_early']} | {m['best_epoch'] + 1} | "
            f"{p['wall_time_s'] / 60:.1f} min |"
        )
    lines += [
        "",
        "CPU class: the widest instruction set the backend's kernels used (from the CPU flags in each fold's",
        "provenance; folds made before sessions recorded their own give the machine that finished them). A",
        "fold reproduces byte for byte only on the same class, software and thread count.",
        "",
        f"Training wall time{' so far' if s['folds_done'] < s['n_folds'] and not only else ''}: {total / 3600:.2f} h, on 2 cores: {2 * total / 3600:.2f} CPU hours "
        "(the machine was shared with other work of the session, so these are upper bounds).",
        "",
        f"`bbnn evaluate {path}` prints the per-fold and pooled accuracies with their Wilson intervals and",
        "the SVM baseline on the same folds.",
        "",
    ]
    pauses = path / "pauses.txt"  # written by hand when the run was stopped for other work
    if pauses.is_file():
        lines += [
            "Pauses and resumes (a fold's wall time is the time of the epochs it finished, process by process: it",
            "includes a SIGSTOP pause, in which the process keeps its clock, and leaves out the time between a",
            "process that ended and the one that resumed the fold, and an epoch cut short):",
            "",
        ]
        lines += [f"- {line.strip()}" for line in pauses.read_text().splitlines() if line.strip()]
        lines.append("")
    for w in s.get("warnings", []):
        lines.append(f"Warning from `bbnn evaluate`: {w}.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1])
    (target / "NOTE.md").write_text(note(target))
    print(f"wrote {target / 'NOTE.md'}")
