"""The ``edu-cnn`` command.

    edu-cnn data download mnist fashion-mnist cifar10   fetch before a lecture (or "all")
    edu-cnn data list                                   what is cached, sizes, verified or not
    edu-cnn data path [DATASET]                         where the cache is (for copying files in)
    edu-cnn assign [NOTEBOOK...] --out DIR              the student version of the notebooks
    edu-cnn grade SUBMISSION... --out DIR               run and grade submitted notebooks

Each command group is a function ``_add_<group>(subparsers)`` that registers its
sub-commands with a ``func(args) -> exit code``; add new groups the same way.
"""
import argparse
import sys
from pathlib import Path

from . import __version__, data

EPILOG = """\
The full datasets are cached in $EDU_CNN_DATA, else ~/.cache/edu_cnn, and
checked against their published checksums. The MNIST subset shipped with
edu_cnn (edu_cnn.data.load_mnist()) never needs a download."""


def _size(n):
    """Bytes in a human unit: 9.5 MiB."""
    if n is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def _download(args):
    """edu-cnn data download NAME...: fetch and verify, report per dataset; exit 1 on failure."""
    names = data.DATASETS if "all" in args.datasets else dict.fromkeys(args.datasets)
    failed = []
    for name in names:
        try:
            paths = data.download(name, progress=not args.no_progress)
        except data.DownloadError as exc:
            print(f"\n{exc}\n", file=sys.stderr)
            failed.append(name)
            continue
        total = sum(p.stat().st_size for p in paths.values())
        print(f"{data.TITLES[name]}: {len(paths)} file(s), {_size(total)}, verified, "
              f"in {data.cache_dir() / name}")
    if failed:
        print(f"edu-cnn: could not download {', '.join(failed)} (see above).", file=sys.stderr)
    return 1 if failed else 0


def _list(args):
    """edu-cnn data list: one line per expected file with its size and status."""
    print(f"Cache folder: {data.cache_dir()}  (set EDU_CNN_DATA to use another)\n")
    rows = data.cache_report()
    width = max(len(r["name"]) for r in rows)
    print(f"{'dataset':<14} {'file':<{width}} {'size':>10}  status")
    for r in rows:
        print(f"{r['dataset']:<14} {r['name']:<{width}} {_size(r['size']):>10}  {r['status']}")
    subset = data.SUBSET_PATH
    print(f"\nShipped with edu_cnn (no download): {subset.name}, {_size(subset.stat().st_size)}, "
          "4,000 train / 1,000 test MNIST digits -> edu_cnn.data.load_mnist()")
    if any(r["status"].startswith("unreadable") for r in rows):
        print(f"\nSome files cannot be read by this account. Ask the cache's owner to run\n"
              f"    chmod -R a+rX {data.cache_dir()}\n"
              "or set EDU_CNN_DATA to a folder of your own.")
    incomplete = {r["dataset"] for r in rows if r["status"] not in ("verified", "partial download")}
    missing = [name for name in data.DATASETS if name in incomplete]
    if missing:
        print(f"To fetch the rest: edu-cnn data download {' '.join(missing)}")
    return 0


def _path(args):
    """edu-cnn data path [DATASET]: print the cache folder (of one dataset), nothing else."""
    print(data.cache_dir() / args.dataset if args.dataset else data.cache_dir())
    return 0


def _add_data(subparsers):
    """The ``data`` command group."""
    group = subparsers.add_parser(
        "data", help="download the full datasets and inspect the cache",
        description="Download the full datasets and inspect the cache.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    download = actions.add_parser(
        "download", help="download and verify datasets (e.g. before a lecture)",
        description="Download datasets into the cache and verify their checksums. "
                    "Files already there and intact are not downloaded again.")
    download.add_argument("datasets", nargs="+", choices=data.DATASETS + ("all",),
                          metavar="DATASET",
                          help=f"one or more of: {', '.join(data.DATASETS)}, or all")
    download.add_argument("--no-progress", action="store_true", help="no progress bars")
    download.set_defaults(func=_download)
    listing = actions.add_parser(
        "list", help="show cached files, their sizes and whether they verify",
        description="Show each expected file, its size and whether it verifies.")
    listing.set_defaults(func=_list)
    path = actions.add_parser(
        "path", help="print the cache folder",
        description="Print the cache folder, e.g. to copy files into it by hand.")
    path.add_argument("dataset", nargs="?", choices=data.DATASETS, metavar="DATASET",
                      help=f"print this dataset's sub-folder instead ({', '.join(data.DATASETS)})")
    path.set_defaults(func=_path)


def _assign(args):
    """edu-cnn assign [NOTEBOOK...] --out DIR: write the student versions; exit 1 on bad markers."""
    from .exercises.assign import assign
    notebooks = args.notebooks or sorted(Path("notebooks").glob("*.ipynb"))
    if not notebooks:
        print("edu-cnn assign: no notebooks given and no notebooks/*.ipynb here. Run it from "
              "the course folder or name the notebooks.", file=sys.stderr)
        return 1
    try:
        written = assign(notebooks, args.out)
    except ValueError as exc:  # MarkerError is a ValueError
        print(f"edu-cnn assign: {exc}" if not str(exc).startswith("edu-cnn") else str(exc),
              file=sys.stderr)
        return 1
    print(f"{len(written)} student notebook(s) written to {args.out}")
    return 0


def _grade(args):
    """edu-cnn grade SUBMISSION... --out DIR: grade every submission; exit 1 if none was found."""
    from .exercises.grade import grade

    def progress(run):
        print(f"{run.submission.student}: {run.submission.path.name} graded in "
              f"{run.seconds:.1f} s" + (f" ({', '.join(run.problems)})" if run.problems else ""))
    try:
        rows = grade(args.submissions, args.out, notebooks=args.notebooks, seed=args.seed,
                     cell_timeout=args.cell_timeout, timeout=args.timeout,
                     registry=args.registry, progress=progress)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not rows:
        print("edu-cnn grade: no notebooks (*.ipynb) in the submissions given.", file=sys.stderr)
        return 1
    print(f"Grades in {Path(args.out) / 'grades.csv'}, feedback in {Path(args.out) / 'feedback'}, "
          f"class summary in {Path(args.out) / 'summary.md'}")
    return 0


def _add_exercises(subparsers):
    """The ``assign`` and ``grade`` commands (the student version and the grader)."""
    assign = subparsers.add_parser(
        "assign", help="write the student version of the notebooks",
        description="Write the student version of instructor notebooks: solution regions "
                    "(### BEGIN SOLUTION / ### END SOLUTION) replaced by a prompt, exercise "
                    "outputs cleared, hidden-test cells removed, lecture outputs kept.")
    assign.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                        help="instructor notebooks (default: notebooks/*.ipynb)")
    assign.add_argument("--out", default="student", help="output folder (default: student)")
    assign.set_defaults(func=_assign)
    grade = subparsers.add_parser(
        "grade", help="run submitted notebooks and grade their exercises",
        description="Run each submitted notebook in its own kernel (a temporary copy, time "
                    "limits, no network where Linux allows it), re-run its checks with the "
                    "grading seed, and write grades.csv, feedback/ and a class summary. "
                    "This RUNS the students' code: see the README.")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                       help="submitted notebooks, or one folder per student (named after them)")
    grade.add_argument("--out", required=True, help="folder for grades.csv, feedback/, summary")
    grade.add_argument("--notebooks", default="notebooks",
                       help="folder of the instructor notebooks (default: notebooks)")
    grade.add_argument("--seed", type=int, default=0, help="seed of the grading inputs")
    grade.add_argument("--cell-timeout", type=float, default=60, metavar="S",
                       help="seconds per cell and per check (default: 60)")
    grade.add_argument("--timeout", type=float, default=600, metavar="S",
                       help="seconds for all the cells of one notebook (default: 600)")
    grade.add_argument("--registry", default="edu_cnn.exercises", metavar="MODULE",
                       help="module whose EXERCISES lists the checks (default: edu_cnn.exercises)")
    grade.set_defaults(func=_grade)


def build_parser():
    """The argparse parser of ``edu-cnn`` with every command group."""
    parser = argparse.ArgumentParser(
        prog="edu-cnn", description="Tools for the edu_cnn course.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"edu-cnn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_data(commands)
    _add_exercises(commands)
    return parser


def main(argv=None):
    """Run ``edu-cnn`` with ``argv`` (default: the command line); return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("edu-cnn: interrupted; no partial file was kept.", file=sys.stderr)
        return 130
    except data.DownloadError as exc:            # no cache folder, or one we may not use
        print(f"edu-cnn: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
