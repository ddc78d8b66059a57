"""The ``edu-cnn`` command.

    edu-cnn data download mnist fashion-mnist cifar10   fetch before a lecture (or "all")
    edu-cnn data list                                   what is cached, sizes, verified or not
    edu-cnn data path [DATASET]                         where the cache is (for copying files in)

Each command group is a function ``_add_<group>(subparsers)`` that registers its
sub-commands with a ``func(args) -> exit code``; add new groups the same way.
"""
import argparse
import sys

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


def build_parser():
    """The argparse parser of ``edu-cnn`` with every command group."""
    parser = argparse.ArgumentParser(
        prog="edu-cnn", description="Tools for the edu_cnn course.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"edu-cnn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_data(commands)
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
