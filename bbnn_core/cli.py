"""The ``bbnn`` command line: a thin front over the library.

Results go to stdout, messages and progress bars to stderr (bars only on a terminal). Errors in
the input give one line naming the file and the reason, and a non-zero exit: 1 for a failure,
2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from . import __version__
from .errors import BBNNError

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


def _load(args):
    from .datasets import load_dataset, load_extended_ballroom

    if args.kind == "extended_ballroom" or args.dataset == "extended_ballroom" or args.xml:
        root = None if args.dataset == "extended_ballroom" else args.dataset
        return load_extended_ballroom(root, xml=args.xml)
    return load_dataset(args.dataset, kind=args.kind)


def _progress(args) -> bool | None:
    return False if args.quiet else None


def cmd_features(args) -> int:
    from .features import FeatureParams, extract

    ds = _load(args)
    params = FeatureParams(n_fft=args.n_fft, hop_length=args.hop_length, n_mels=args.n_mels)
    fs = extract(ds, params=params, cache_dir=args.cache_dir, n_jobs=args.jobs,
                 progress=_progress(args), force=args.force)
    result = {"dataset": fs.dataset, "file": str(fs.path), "n_tracks": len(fs),
              "shape": list(fs.X.shape), "classes": fs.classes}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{fs.path}\t{len(fs)} tracks\t{fs.X.shape[1]}x{fs.X.shape[2]}")
    return 0


def cmd_validate(args) -> int:
    from .datasets import validate

    ds = _load(args)
    report = validate(ds, decode=not args.no_decode, checksums=not args.no_checksums,
                      progress=_progress(args))
    if args.json:
        print(json.dumps({
            "dataset": report.dataset, "n_tracks": report.n_tracks, "ok": report.ok,
            "counts": report.counts, "missing": report.missing,
            "unreadable": [{"file": f, "reason": r} for f, r in report.unreadable],
            "checksum_failed": report.checksum_failed,
        }))
    else:
        for genre, n in report.counts.items():
            print(f"{genre}\t{n}")
        print(f"total\t{report.n_tracks}")
        for line in report.lines():
            print(line)
    if not report.ok:
        print(f"bbnn: {report.dataset}: {len(report.lines())} problem(s) in {report.n_tracks} tracks",
              file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bbnn",
        description="Bottom-up Broadcast Neural Network (Liu et al.): features, data sets, models.",
    )
    parser.add_argument("--version", action="version", version=f"bbnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("features", help="extract log-mel features of a data set into one cached file",
                       description="Compute (or reuse) the log-mel features of every track of a data "
                       "set; prints the feature file.")
    _dataset_args(p)
    p.add_argument("--cache-dir", type=Path, help="folder for feature files (default: $BBNN_CACHE/features)")
    p.add_argument("--jobs", "-j", type=int, default=None, help="worker threads (default: all cores)")
    p.add_argument("--force", action="store_true", help="recompute even if the cache is current")
    p.add_argument("--n-fft", type=int, default=2048)
    p.add_argument("--hop-length", type=int, default=1024)
    p.add_argument("--n-mels", type=int, default=128)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_features)

    p = sub.add_parser("validate", help="check a data set: missing, unreadable and checksum-failing files",
                       description="Print tracks per genre, then one line per problem; exit 1 if any.")
    _dataset_args(p)
    p.add_argument("--no-decode", action="store_true", help="only check that files exist")
    p.add_argument("--no-checksums", action="store_true", help="skip md5 checks (Extended Ballroom)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_validate)
    return parser


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    print(f"bbnn: warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    warnings.showwarning = _one_line_warning
    try:
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
