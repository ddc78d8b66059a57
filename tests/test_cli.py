"""Tests for the edu-cnn command, run in-process via main([...]) against a local HTTP server.

The server, the offline sandbox (cache in tmp, loopback only) and the small
real-format files come from data_helpers.py.
"""
import pytest
from data_helpers import (
    closed_port_url,
    make_idx_dataset,
    serve,
)

from edu_cnn import cli, data

# The offline sandbox of data_helpers.py (cache in tmp, loopback only) for every test here.
pytestmark = pytest.mark.usefixtures("offline_sandbox")


def test_help_lists_the_data_commands(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "data" in out and "EDU_CNN_DATA" in out
    with pytest.raises(SystemExit):
        cli.main(["data", "--help"])
    out = capsys.readouterr().out
    for action in ("download", "list", "path"):
        assert action in out


def test_path_prints_cache_folder(capsys):
    assert cli.main(["data", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(data.cache_dir())
    assert cli.main(["data", "path", "cifar10"]) == 0
    assert capsys.readouterr().out.strip() == str(data.cache_dir() / "cifar10")


def test_download_then_list(server, monkeypatch, capsys):
    _, blobs = make_idx_dataset(seed=20)
    serve(server, monkeypatch, "mnist", blobs)
    assert cli.main(["data", "list"]) == 0
    before = capsys.readouterr().out
    assert f"Cache folder: {data.cache_dir()}" in before
    assert before.count("missing") == 9  # 4 mnist + 4 fashion + 1 cifar
    assert "mnist_subset.npz" in before

    assert cli.main(["data", "download", "mnist", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "MNIST: 4 file(s)" in out and "verified" in out
    assert str(data.cache_dir() / "mnist") in out

    assert cli.main(["data", "list"]) == 0
    after = capsys.readouterr().out
    assert after.count("verified") == 4 and after.count("missing") == 5
    assert "edu-cnn data download fashion-mnist cifar10" in after


def test_list_shows_corrupt_file(server, monkeypatch, capsys):
    _, blobs = make_idx_dataset(seed=21)
    serve(server, monkeypatch, "mnist", blobs)
    cli.main(["data", "download", "mnist", "--no-progress"])
    (data.cache_dir() / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip")
    capsys.readouterr()
    cli.main(["data", "list"])
    line = next(row for row in capsys.readouterr().out.splitlines() if "t10k-labels" in row)
    assert "corrupt: size 8 bytes, expected" in line


def test_download_offline_exits_1_with_clear_message(capsys):
    _, blobs = make_idx_dataset(seed=22)
    data.FILES["mnist"] = tuple(data.RemoteFile(n, len(b), "0" * 64, "0" * 32)
                                for n, b in blobs.items())
    data.MIRRORS["mnist"] = (closed_port_url("mnist"),)
    assert cli.main(["data", "download", "mnist", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "connection refused" in err and data.MIRRORS["mnist"][0] in err
    assert str(data.cache_dir() / "mnist") in err and "could not download mnist" in err


def test_download_all_reports_each(server, monkeypatch, capsys):
    for dataset in ("mnist", "fashion-mnist"):
        serve(server, monkeypatch, dataset, make_idx_dataset(seed=len(dataset))[1])
    data.MIRRORS["cifar10"] = (closed_port_url("cifar"),)
    assert cli.main(["data", "download", "all", "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert "MNIST: 4 file(s)" in captured.out and "Fashion-MNIST: 4 file(s)" in captured.out
    assert "could not download cifar10" in captured.err


def test_bad_dataset_name_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["data", "download", "imagenet"])
    assert info.value.code == 2
    assert "invalid choice: 'imagenet'" in capsys.readouterr().err


def test_version(capsys):
    from edu_cnn import __version__
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out == f"edu-cnn {__version__}\n"


def test_no_cache_folder_is_a_message_not_a_traceback(monkeypatch, capsys):
    def no_home():
        raise RuntimeError("Could not determine home directory.")
    monkeypatch.delenv("EDU_CNN_DATA")
    monkeypatch.setattr(data.registry.Path, "home", staticmethod(no_home))
    assert cli.main(["data", "path"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("edu-cnn: There is no folder for the dataset cache") and \
        "Set EDU_CNN_DATA to a folder" in err
