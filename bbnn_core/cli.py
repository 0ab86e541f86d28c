"""The ``bbnn`` command line: a thin front over the library.

Results go to stdout, messages and progress bars to stderr (bars only on a terminal). Errors in
the input give one line naming the file and the reason, and a non-zero exit: 1 for a failure,
2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from pathlib import Path

from . import __version__
from .errors import AudioError, BBNNError, no_space, printable
from .progress import backend_noise_filtered, plural

__all__ = ["main", "build_parser"]


def _dataset_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "dataset",
        help="'gtzan_mini' (embedded; found through BBNN_MIRROR or downloaded), "
        "'extended_ballroom' (metadata only), or a data set folder",
    )
    p.add_argument(
        "--kind",
        choices=["gtzan", "ballroom", "extended_ballroom", "folder"],
        help="layout of the folder (default: guessed from its contents)",
    )
    p.add_argument("--xml", type=Path, help="Extended Ballroom metadata file (extendedballroom_v1.1.xml)")


def _output_args(
    p: argparse.ArgumentParser, json_help: str | None = "machine-readable output", bars: str = "bar"
) -> None:
    """--json (unless ``json_help`` is None) and --quiet, as every command that prints offers them."""
    if json_help:
        p.add_argument("--json", action="store_true", help=json_help)
    p.add_argument("--quiet", "-q", action="store_true", help=f"no progress {bars}")


# what each profile costs, as measured (benchmarks/RESULTS.md; the paper run's folds in results/)
PROFILE_HELP = (
    "paper: the recipe, hours per fold on a CPU (1.1 to 6 h on 2 cores, for 80 training clips; "
    "a GPU is the machine for it); quick: a reduced CPU run of minutes; smoke: seconds"
)


def _run_args(p: argparse.ArgumentParser, profile_help: str | None = None) -> None:
    """--profile, --seed, --n-folds and --threads: what a run of the recipe is, for train and book."""
    p.add_argument("--profile", default="paper", choices=["paper", "quick", "smoke"], help=profile_help)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--n-folds",
        type=int,
        help="folds (kfold, grouped) or random draws (authors); default 10, "
        "at least 3; kfold needs as many tracks per class, grouped as many song groups, authors 10",
    )
    p.add_argument(
        "--threads",
        type=int,
        help="backend threads per fold (default: all cores; with --workers, the cores divided among "
        "them). The numbers depend on it: the same count gives the same bytes",
    )


def _model_args(p: argparse.ArgumentParser) -> None:
    """--model, --runtime and --precision, for predict and robustness."""
    p.add_argument(
        "--model",
        default="authors-gtzan",
        help="authors-gtzan (the authors' 10 GTZAN fold models, averaged), "
        "authors-extended-ballroom, or a run folder; add :K or :K,L to keep only those "
        "folds, e.g. authors-gtzan:0, ten times faster (default: authors-gtzan)",
    )
    p.add_argument(
        "--runtime",
        choices=["auto", "openvino", "keras"],
        default="auto",
        help="inference runtime (default: OpenVINO when installed, else Keras)",
    )
    p.add_argument(
        "--precision",
        choices=["auto", "bf16", "f32"],
        default="auto",
        help="OpenVINO precision: bf16 (about twice as fast; probabilities move by up to ~0.05, "
        "the same genre on every clip tested) or f32 (exact); default bf16 where the CPU has it natively",
    )


def _load(args):
    from .datasets import load_dataset, load_extended_ballroom

    if args.kind == "extended_ballroom" or args.dataset == "extended_ballroom" or args.xml:
        root = None if args.dataset == "extended_ballroom" else args.dataset
        return load_extended_ballroom(root, xml=args.xml)
    return load_dataset(args.dataset, kind=args.kind)


_STDERR_IS_TTY: bool | None = None


def _progress(args) -> bool | None:
    if args.quiet:
        return False
    return _STDERR_IS_TTY  # decided before stderr is routed through the filter below


def cmd_features(args) -> int:
    from .features import FeatureParams, extract

    ds = _load(args)
    params = FeatureParams(n_fft=args.n_fft, hop_length=args.hop_length, n_mels=args.n_mels)
    fs = extract(
        ds, params=params, cache_dir=args.cache_dir, n_jobs=args.jobs, progress=_progress(args), force=args.force
    )
    result = {
        "dataset": fs.dataset,
        "file": str(fs.path),
        "n_tracks": len(fs),
        "shape": list(fs.X.shape),
        "classes": fs.classes,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{fs.path}\t{len(fs)} tracks\t{fs.X.shape[1]}x{fs.X.shape[2]}")
    return 0


def cmd_validate(args) -> int:
    from .datasets import validate

    ds = _load(args)
    report = validate(ds, decode=not args.no_decode, checksums=not args.no_checksums, progress=_progress(args))
    if args.json:
        print(
            json.dumps(
                {
                    "dataset": report.dataset,
                    "n_tracks": report.n_tracks,
                    "ok": report.ok,
                    "counts": report.counts,
                    "missing": report.missing,
                    "unreadable": [{"file": f, "reason": r} for f, r in report.unreadable],
                    "checksum_failed": report.checksum_failed,
                }
            )
        )
    else:
        for genre, n in report.counts.items():
            print(f"{genre}\t{n}")
        print(f"total\t{report.n_tracks}")
        for line in report.lines():
            print(line)
    small = _too_few_to_train(report.counts)
    if small:
        print(f"bbnn: note: {small}", file=sys.stderr)
    if not report.ok:
        print(f"bbnn: {report.dataset}: {len(report.lines())} problem(s) in {report.n_tracks} tracks", file=sys.stderr)
        return 1
    return 0


def _too_few_to_train(counts: dict[str, int]) -> str | None:
    """What the smallest class's track count rules out (the protocols' minimums), or None."""
    from .paper import PAPER_RECIPE
    from .splits import AUTHORS_MIN, MIN_FOLDS

    counts = {g: n for g, n in counts.items() if n}  # a class with no track is not trained on
    if not counts:
        return None
    name = min(counts, key=lambda g: counts[g])
    n = counts[name]
    need = max(AUTHORS_MIN, PAPER_RECIPE["folds"])  # the default k-fold (--n-folds) and the authors' draws
    if n >= need:
        return None
    tracks = plural(n, "track")
    if n < MIN_FOLDS:
        return (
            f"the smallest class, {name}, has {tracks}: too few to train "
            f"(every protocol needs at least {MIN_FOLDS} per class)"
        )
    return (
        f"the smallest class, {name}, has {tracks}: too few for the default {PAPER_RECIPE['folds']}-fold and the "
        f"authors protocol ({need} per class); train with --protocol kfold --n-folds {n} or fewer"
    )


def _fold_list(text: str) -> tuple[int, ...]:
    """``--folds 0,3,5``: fold numbers, checked against the run's folds once the split is known."""
    try:
        folds = tuple(int(f) for f in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated fold numbers such as 0,3,5; got {text!r}") from None
    if any(f < 0 for f in folds):
        raise argparse.ArgumentTypeError(f"fold numbers start at 0; got {text!r}")
    return folds


def _train_source(args) -> tuple[str, str | None]:
    """(data set name, data folder): a run on a folder is named after the folder."""
    from .datasets import dataset_name

    if args.data_dir is None and args.dataset not in (None, "gtzan_mini") and Path(args.dataset).is_dir():
        return dataset_name(args.dataset), args.dataset  # --dataset given a folder
    if args.data_dir is not None:
        return args.dataset or dataset_name(args.data_dir), args.data_dir
    return args.dataset or "gtzan_mini", None


def _seed_list(text: str) -> tuple[int, ...]:
    """``--seeds 0,1,2``."""
    try:
        seeds = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated seeds such as 0,1,2; got {text!r}") from None
    if len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"a seed is given twice in {text!r}")
    return seeds


def _train_configs(args) -> list:
    """One configuration per seed; with several seeds, --run-dir must say where each goes."""
    from .errors import ParameterError
    from .train import config_for

    dataset, data_dir = _train_source(args)
    seeds = args.seeds or (args.seed,)
    if len(seeds) > 1 and args.run_dir and "{seed}" not in args.run_dir:
        raise ParameterError(
            f"--seeds gives {len(seeds)} runs: --run-dir must contain {{seed}} (e.g. runs/mine-seed{{seed}}); "
            f"got {args.run_dir!r}"
        )
    return [
        config_for(
            args.profile,
            dataset=dataset,
            data_dir=data_dir,
            protocol=args.protocol,
            seed=seed,
            train_seed=args.train_seed,
            run_dir=args.run_dir.replace("{seed}", str(seed)) if args.run_dir else None,
            folds=args.folds,
            epochs=args.epochs,
            n_folds=args.n_folds,
            mixed_precision=args.mixed_precision or None,
            kind=args.kind,
            method=args.method,
            embedding=args.embedding,
        )
        for seed in seeds
    ]


def _workers(args):
    """The Dask workers asked for, or None for the sequential run in this process."""
    from .cluster import ClusterConfig, batch_workers, connect, local_workers
    from .errors import ParameterError

    given = (("--workers", args.workers), ("--scheduler", args.scheduler), ("--cluster", args.cluster))
    asked = [n for n, v in given if v is not None]
    if len(asked) > 1:
        raise ParameterError(f"{' and '.join(asked)} exclude each other: choose where the folds run")
    if args.cluster_config and not args.cluster:
        raise ParameterError("--cluster-config needs --cluster slurm, slurm-array, pbs or sge")
    if args.cluster == "slurm-array" and args.command != "train":
        raise ParameterError(
            f"--cluster slurm-array submits folds and returns: train with it, then bbnn {args.command} on the runs"
        )
    if args.workers is not None and args.workers < 1:
        raise ParameterError(f"--workers must be at least 1; got {args.workers}")
    if args.workers is not None:
        return local_workers(args.workers, threads=args.threads, quiet=args.quiet)
    if args.scheduler:
        return connect(args.scheduler, threads=args.threads)
    if args.cluster and args.cluster != "slurm-array":  # an array is submitted, not worked on: _submit_array
        return batch_workers(ClusterConfig.load(args.cluster_config, args.cluster))
    return None


def cmd_train(args) -> int:
    from .errors import ParameterError
    from .train import train

    if args.threads is not None and args.threads < 1:
        raise ParameterError(f"--threads must be at least 1; got {args.threads}")
    cfgs = _train_configs(args)
    for cfg in cfgs:  # a data folder that is not there fails before anything is announced or started
        if cfg.data_dir is not None and not Path(cfg.data_dir).expanduser().is_dir():
            from .datasets import load_dataset

            load_dataset(cfg.data_dir, kind=cfg.kind)  # raises the one message that says why
    workers = _workers(args)
    if args.cluster == "slurm-array":
        return _submit_array(cfgs, args)
    for cfg in cfgs:
        print(
            f"bbnn: training {cfg.dataset}{f' ({cfg.data_dir})' if cfg.data_dir else ''} / {cfg.protocol} / "
            + (f"probe on {cfg.embedding}" if cfg.method == "probe" else f"profile {cfg.profile}")
            + f" / seed {cfg.seed} into {cfg.run_dir}",
            file=sys.stderr,
        )
    if workers is None:
        summaries = [train(cfg, progress=_progress(args), restart=args.restart, threads=args.threads) for cfg in cfgs]
    else:
        from .cluster import train_runs

        with workers as w:
            print(f"bbnn: folds run as Dask tasks on {w.description}", file=sys.stderr)
            if w.dashboard:
                print(f"bbnn: Dask dashboard at {w.dashboard}", file=sys.stderr)
            summaries = train_runs(cfgs, w, restart=args.restart, progress=_progress(args))
    for summary in summaries:
        _print_summary(summary, args.json)
    return 0


def _submit_array(cfgs, args) -> int:
    from .cluster import ClusterConfig, submit_array
    from .errors import ParameterError

    if args.threads is not None:
        raise ParameterError("--threads: an array task uses the cores its job asks for (cores in --cluster-config)")
    out = submit_array(
        cfgs, ClusterConfig.load(args.cluster_config, args.cluster), restart=args.restart, progress=_progress(args)
    )
    if out["job"] is None:
        print("bbnn: every fold is finished: nothing submitted", file=sys.stderr)
    else:
        print(
            f"bbnn: submitted Slurm job array {out['job']} ({len(out['cells'])} fold tasks, {out['script']}); "
            f"follow it with squeue -j {out['job']}, then bbnn evaluate each run",
            file=sys.stderr,
        )
        print(f"array\t{out['job']}\t{out['script']}")
    for run_dir, k in out["cells"]:
        print(f"task\t{run_dir}\tfold {k}")
    return 0


def cmd_fold(args) -> int:
    from .cluster import array_task

    if args.threads is not None and args.threads < 1:
        from .errors import ParameterError

        raise ParameterError(f"--threads must be at least 1; got {args.threads}")
    metrics = array_task(args.run_dir, args.fold, threads=args.threads)
    print(json.dumps(metrics, default=float) if args.json else f"fold {args.fold}\ttest {metrics['test_acc']:.3f}")
    return 0


def _print_summary(summary: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary, default=float))
        return
    print(f"run\t{summary['run_dir']}\tfolds {summary['folds_done']}/{summary['n_folds']}")
    for row in summary.get("per_fold", []):
        print(
            f"fold {row['fold']}\ttrain {row['train_acc']:.3f}\tval {row['val_acc']:.3f}\t"
            f"test {row['test_acc']:.3f}\tbaseline {row['baseline_test_acc']:.3f}"
        )
    method = "BBNN" if summary.get("method", "bbnn") == "bbnn" else f"probe({summary.get('embedding')})"
    for key, name in (("test_acc", method), ("baseline_test_acc", "baseline")):
        if key in summary:
            s = summary[key]
            print(
                f"{name}\tmean {s['mean']:.4f}\tstd {s['std']:.4f}\t"
                f"95% CI [{s['ci_low']:.4f}, {s['ci_high']:.4f}] (Wilson, pooled)\t"
                f"n={s['n']} folds, {s.get('n_clips', '?')} clips"
            )
    paired = summary.get("paired")
    if paired and paired["n_clips"]:
        print(
            f"paired\tboth right {paired['both_right']}\t{method} only {paired['bbnn_only']}\t"
            f"SVM only {paired['svm_only']}\tboth wrong {paired['both_wrong']}\t"
            f"McNemar exact p={paired['p_value']:.4f}\t{paired['n_clips']} clips, folds {','.join(map(str, paired['folds']))}"
        )
    reruns = summary.get("reruns")
    if reruns:
        for row in reruns["folds"]:
            kind = row["kind"] + (f" {row['train_seed']}" if row["kind"] == "train seed" else "")
            print(
                f"rerun fold {row['fold']}\t{row['rerun']}\t{kind}\t"
                f"test {row['reference_acc']:.3f} -> {row['rerun_acc']:.3f}\t"
                f"changed {row['predictions_changed']}/{row['n_test']}\t{row['differs']}"
                + ("\thistory and predictions byte-identical" if row["identical"] else "")
            )
        for kind, s in reruns["summary"].items():
            print(
                f"spread {kind}\t{plural(s['reruns'], 'rerun')}, folds {','.join(map(str, s['folds']))}\t"
                f"fold |delta| mean {s['fold_mean_abs']:.4f} max {s['fold_max_abs']:.4f}\t"
                f"pooled |delta| max {s['pooled_max_abs']:.4f}\tchanged {s['changed']}/{s['compared']}"
            )


def cmd_evaluate(args) -> int:
    from .errors import RunError
    from .metrics import summarize_run
    from .runs import Run

    run = Run.open(args.run_dir).path
    summary = summarize_run(run)
    if not summary["folds_done"]:
        raise RunError(f"{run} has no finished fold yet (0 of {summary['n_folds']}): nothing to evaluate")
    for line in summary.get("warnings", []):
        print(f"bbnn: warning: {run}: {line}", file=sys.stderr)
    if args.rerun:
        from .reruns import rerun_spread, spread_summary

        spread = rerun_spread(run, args.rerun)
        summary["reruns"] = {"folds": spread.to_dict(orient="records"), "summary": spread_summary(spread)}
    from .baseline import paired_comparison

    summary["paired"] = paired_comparison(run)
    _print_summary(summary, args.json)
    return 0


def cmd_predict(args) -> int:
    from .predict import expand_inputs, iter_predictions, load_ensemble

    files = expand_inputs(args.files)  # before the models load: a bad folder fails at once
    if not files:
        raise BBNNError("no audio files given (stdin was empty)")
    if not any(os.path.exists(f) for f in files):  # a typo fails before the models load (or download)
        for f in files:
            print(f"bbnn: error: {AudioError(f, 'no such file')}", file=sys.stderr)
        return 1
    ensemble = load_ensemble(args.model, runtime=args.runtime, precision=args.precision)
    for line in (ensemble.note or "").splitlines():
        print(f"bbnn: warning: {line}", file=sys.stderr)
    failed = 0
    for r in iter_predictions(files, ensemble, progress=_progress(args)):
        if r.error is not None:
            failed += 1
            print(f"bbnn: error: {r.error}", file=sys.stderr)
            continue
        if r.note is not None:
            print(f"bbnn: warning: {r.note}", file=sys.stderr)
        top = r.top(ensemble.classes, args.top)
        if args.json:
            print(
                json.dumps(
                    {
                        "file": r.path,
                        "windows": r.n_windows,
                        "top": [{"genre": g, "probability": round(p, 6)} for g, p in top],
                    }
                )
            )
        else:
            print(printable(r.path) + "\t" + "\t".join(f"{g} {p:.3f}" for g, p in top))
        sys.stdout.flush()  # results stream out chunk by chunk
    return 1 if failed else 0


def cmd_robustness(args) -> int:
    from .errors import ParameterError
    from .predict import ProbeEnsemble, load_ensemble
    from .robustness import CONDITIONS, advice, study, summarize

    ds = _load(args)
    ensemble = load_ensemble(args.model, runtime=args.runtime, precision=args.precision)
    maps = load_ensemble(args.maps, runtime=args.runtime, precision=args.precision) if args.maps else None
    for spec, models in ((args.model, ensemble), (args.maps, maps)):
        if isinstance(models, ProbeEnsemble):
            raise ParameterError(f"{spec} is a probe run: robustness and maps measure BBNN models, on their windows")
    if ensemble.classes != ds.classes:
        raise BBNNError(
            f"the models of {args.model} tell {len(ensemble.classes)} classes apart "
            f"({', '.join(ensemble.classes)}); {ds.root} has {', '.join(ds.classes)}"
        )
    factors = set(args.factor or [])
    conditions = [c for c in CONDITIONS if not factors or c.factor in factors | {"clean"}]
    rows = study(
        ds, ensemble, saved=args.out, write=args.out is not None, conditions=conditions, progress=_progress(args)
    )
    if args.maps:  # occlusion and saliency maps of one model, written beside the rows
        from .attribution import listening

        listening(
            ds,
            maps,
            saved=args.out,
            write=args.out is not None,
            progress=_progress(args),
        )
    summary = summarize(rows)
    if args.json:
        for rec in summary.to_dict(orient="records"):
            print(json.dumps(rec, default=float))
        return 0
    shown = summary[["factor", "level", "accuracy", "change", "change_low", "change_high", "changed"]]
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print()
    for sentence in advice(summary).values():
        print(sentence)
    return 0


def _where_args(p: argparse.ArgumentParser) -> None:
    where = p.add_argument_group("where the folds run (default: one after another, in this process)")
    where.add_argument("--workers", type=int, help="as tasks on a Dask LocalCluster of N worker processes")
    where.add_argument("--scheduler", metavar="ADDRESS", help="as tasks on a running Dask scheduler (tcp://host:8786)")
    where.add_argument(
        "--cluster",
        choices=["slurm", "slurm-array", "pbs", "sge"],
        help="as tasks on batch jobs (dask-jobqueue), or slurm-array: submit a Slurm job array of one task "
        "per fold and return (bbnn train only), see --cluster-config",
    )
    where.add_argument(
        "--cluster-config",
        type=Path,
        metavar="FILE",
        help="YAML: queue, account, walltime, cores, memory, gpus, jobs, python, prologue, env (README)",
    )


def cmd_book(args) -> int:
    from .book import build_book, parse_data

    data = parse_data(args.data)
    workers = _workers(args)
    kw = dict(
        root=args.root,
        profile=args.profile,
        seed=args.seed,
        n_folds=args.n_folds,
        runs=args.runs,
        build=not args.no_build,
        progress=_progress(args),
    )
    if workers is None:
        run_dirs = build_book(data, threads=args.threads, **kw)
    else:
        with workers as w:
            print(f"bbnn: folds and notebooks run as Dask tasks on {w.description}", file=sys.stderr)
            if w.dashboard:
                print(f"bbnn: Dask dashboard at {w.dashboard}", file=sys.stderr)
            run_dirs = build_book(data, workers=w, **kw)
    for key, run_dir in run_dirs.items():
        print(f"{key}\t{run_dir}")
    if not args.no_build:
        print(f"book\t{Path(args.root).resolve() / '_build' / 'html' / 'index.html'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .robustness import FACTORS

    parser = argparse.ArgumentParser(
        prog="bbnn",
        description="Bottom-up Broadcast Neural Network (Liu et al.): features, data sets, models.",
    )
    parser.add_argument("--version", action="version", version=f"bbnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser(
        "features",
        help="extract log-mel features of a data set into one cached file",
        description="Compute (or reuse) the log-mel features of every track of a data set; prints the feature file.",
    )
    _dataset_args(p)
    p.add_argument("--cache-dir", type=Path, help="folder for feature files (default: $BBNN_CACHE/features)")
    p.add_argument("--jobs", "-j", type=int, default=None, help="worker threads (default: all cores)")
    p.add_argument("--force", action="store_true", help="recompute even if the cache is current")
    p.add_argument("--n-fft", type=int, default=2048)
    p.add_argument("--hop-length", type=int, default=1024)
    p.add_argument("--n-mels", type=int, default=128)
    _output_args(p)
    p.set_defaults(func=cmd_features)

    p = sub.add_parser(
        "validate",
        help="check a data set: missing, unreadable and checksum-failing files",
        description="Print tracks per genre, then one line per problem; exit 1 if any.",
    )
    _dataset_args(p)
    p.add_argument("--no-decode", action="store_true", help="only check that files exist")
    p.add_argument("--no-checksums", action="store_true", help="skip md5 checks (Extended Ballroom)")
    _output_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "train",
        help="train BBNN on a data set under a protocol (resumes a killed run)",
        description="Train every fold into RUN_DIR; a run started again skips finished "
        "folds and resumes the current one from its last epoch.",
    )
    p.add_argument(
        "--dataset",
        help="the data set's name, or a data set folder (default: the folder's "
        "name with --data-dir, else the embedded gtzan_mini)",
    )
    p.add_argument("--data-dir", help="data set folder (default: the embedded data set)")
    p.add_argument("--kind", choices=["gtzan", "ballroom", "extended_ballroom", "folder"])
    p.add_argument("--protocol", default="kfold", choices=["authors", "kfold", "grouped", "fault-filtered"])
    _run_args(p, profile_help=PROFILE_HELP)
    p.add_argument(
        "--seeds", type=_seed_list, help="several runs, one per seed, e.g. 0,1,2 (--run-dir then needs {seed})"
    )
    p.add_argument(
        "--train-seed",
        type=int,
        help="seed of the initial weights and the epochs' order, when it should differ from --seed (which "
        "draws the split): reruns on the same folds (default: --seed)",
    )
    p.add_argument("--run-dir", help="output folder (default: runs/DATASET-PROTOCOL-PROFILE-seedN[-trainM])")
    p.add_argument("--folds", type=_fold_list, help="comma-separated folds to run, from 0 (default: all)")
    p.add_argument("--restart", action="store_true", help="discard the run already in --run-dir and start anew")
    p.add_argument("--epochs", type=int, help="override the profile's epochs")
    p.add_argument(
        "--method",
        default="bbnn",
        choices=["bbnn", "probe"],
        help="bbnn: the network, trained as --profile says; probe: a logistic regression on a pretrained "
        "--embedding, fitted in seconds on the same folds (for small data sets: 6-20 clips per class)",
    )
    p.add_argument(
        "--embedding",
        choices=["musicnn-msd", "musicnn-mtt", "bbnn-eb"],
        help="for --method probe: musicnn trained on the Million Song Dataset or MagnaTagATune, or the "
        "authors' Extended Ballroom BBNN (default run folder: runs/DATASET-PROTOCOL-probe-EMBEDDING-seedN)",
    )
    p.add_argument(
        "--mixed-precision", action="store_true", help="bf16 mixed precision (GPUs; 1.13x on a CPU with AVX512-BF16)"
    )
    _where_args(p)
    _output_args(p, "machine-readable summary", bars="bars")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "fold",
        help="train or resume one fold of a prepared run: what each task of a job array runs",
        description="Train fold K of RUN_DIR (resuming from its last epoch; a finished fold is skipped), then "
        "write the run's summary. The run must have been prepared by bbnn train (e.g. --cluster slurm-array).",
    )
    p.add_argument("run_dir", help="a run folder written by bbnn train")
    p.add_argument("fold", type=int, help="the fold, from 0")
    p.add_argument("--threads", type=int, help="intra-op threads (default: all cores)")
    p.add_argument("--json", action="store_true", help="the fold's metrics as JSON")
    p.set_defaults(func=cmd_fold)

    p = sub.add_parser(
        "book",
        help="the whole book on your data: train each chapter's run, execute every notebook, render",
        description="Train the run of every chapter given --data (resuming what is done), execute every "
        "notebook into book/generated with papermill, then build the book with Jupyter Book. With "
        "--workers/--scheduler/--cluster, the folds and then the notebooks run as Dask tasks.",
    )
    p.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="CHAPTER=FOLDER",
        help="a chapter's data set: gtzan=, ballroom= or extended_ballroom= (repeatable)",
    )
    _run_args(p, profile_help=PROFILE_HELP)
    p.add_argument("--runs", default="runs", help="folder of the run folders (default: runs)")
    p.add_argument("--root", default=".", help="the bbnn-book checkout (default: here)")
    p.add_argument("--no-build", action="store_true", help="execute the notebooks, do not render")
    _where_args(p)
    _output_args(p, None, bars="bars")
    p.set_defaults(func=cmd_book)

    p = sub.add_parser(
        "evaluate",
        help="summarise a run: accuracy per fold, mean, std, 95%% CI, baseline",
        description="Read a run folder's artifacts and print its metrics, and BBNN against the SVM baseline "
        "clip by clip (exact McNemar test).",
    )
    p.add_argument("run_dir", help="a run folder written by bbnn train")
    p.add_argument(
        "--rerun",
        action="append",
        default=[],
        metavar="DIR",
        help="a rerun of the run's folds (same split; bbnn train --train-seed, or the same command "
        "elsewhere): print how far it moved each fold's test accuracy (repeatable)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser(
        "predict",
        help="top genres of audio files",
        description="Files longer than 30 s are cut into 30 s windows whose "
        "predictions are averaged. One line per file on stdout, in order; errors on "
        "stderr (exit 1 if any file failed).",
    )
    p.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="audio files (wav, flac, ogg, mp3, ...), folders (their audio files, "
        "recursively), or - to read paths from stdin, one per line",
    )
    _model_args(p)
    p.add_argument("--top", type=int, default=3, help="genres to print per file")
    _output_args(p, "one JSON object per line")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser(
        "robustness",
        help="how the models' predictions change under shorter, coded, resampled, louder, noisy audio",
        description="Every clip of a labelled data set under each condition (excerpt length, MP3/Ogg, "
        "sample rate, gain, noise, stereo, preprocessing mistakes), predicted by every model: accuracy, "
        "change from the clean input with a 95% interval over the models, predictions changed. Each "
        "finished condition is cached, so an interrupted computation resumes.",
    )
    _dataset_args(p)
    _model_args(p)
    p.add_argument(
        "--factor", action="append", choices=list(FACTORS), help="only this factor (repeatable; default: all)"
    )
    p.add_argument(
        "--out",
        type=Path,
        help="also write the rows (rows.csv.gz) and their key here, e.g. results/robustness-gtzan_mini",
    )
    p.add_argument(
        "--maps",
        metavar="MODEL",
        help="also compute occlusion and gradient-saliency maps of MODEL (e.g. authors-gtzan:0) on every clip",
    )
    _output_args(p, "one JSON object per condition")
    p.set_defaults(func=cmd_robustness)
    return parser


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    print(f"bbnn: warning: {message}", file=sys.stderr)


def _quiet_backends() -> None:
    from .train import prepare_process

    prepare_process()  # before any command starts TensorFlow
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # tf.function retracing notes
    logging.getLogger("absl").setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    global _STDERR_IS_TTY
    _quiet_backends()
    parser = build_parser()
    args = parser.parse_args(argv)
    warnings.showwarning = _one_line_warning
    _STDERR_IS_TTY = sys.stderr.isatty()
    try:
        if args.command in ("train", "fold", "predict", "book", "robustness"):  # the commands that load a Keras backend
            with backend_noise_filtered():
                return args.func(args)
        return args.func(args)
    except BBNNError as exc:
        print(f"bbnn: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bbnn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except OSError as exc:  # (after BrokenPipeError, an OSError) a full disk under another library's writer
        full = no_space(exc, exc.filename or Path.cwd())
        if full is None:
            raise
        print(f"bbnn: error: {full}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
