"""Tests for edu_cnn.data.downloader: failure modes against a local HTTP server (or none at all).

The user sees a clear error, and the cache never holds a bad file. The download
settings (CONNECT_TIMEOUT, READ_TIMEOUT, ATTEMPTS) are patched on
``edu_cnn.data.downloader``, the module that reads them.
"""
import dataclasses
import socket
import time

import numpy as np
import pytest
from data_helpers import (
    cached,
    closed_port_url,
    make_idx_dataset,
    serve,
    spec_for,
)

from edu_cnn import data
from edu_cnn.data import downloader

# The offline sandbox of data_helpers.py (cache in tmp, loopback only) for every test here.
pytestmark = pytest.mark.usefixtures("offline_sandbox")

# ----------------------------------------------------------------------------
# Failure modes: the user sees a clear error, the cache never holds a bad file
# ----------------------------------------------------------------------------

def test_checksum_mismatch_falls_through_to_next_mirror(server, monkeypatch, capsys):
    _, blobs = make_idx_dataset(seed=1)
    serve(server, monkeypatch, "mnist", blobs, folder="good")
    for name, blob in blobs.items():  # same size, one byte different
        server.files[f"/evil/{name}"] = blob[:-1] + bytes([blob[-1] ^ 0xFF])
    data.MIRRORS["mnist"] = (server.url("evil"), server.url("good"))
    data.load_mnist(full=True)
    assert cached("mnist") == sorted(blobs)
    # a checksum mismatch is not retried
    assert server.hits["/evil/train-images-idx3-ubyte.gz"] == 1
    assert server.hits["/good/train-images-idx3-ubyte.gz"] == 1
    assert "checksum mismatch" in capsys.readouterr().err


def test_checksum_mismatch_everywhere_raises_and_caches_nothing(server, monkeypatch):
    _, blobs = make_idx_dataset(seed=2)
    serve(server, monkeypatch, "mnist", blobs)
    data.FILES["mnist"] = tuple(dataclasses.replace(spec, sha256="0" * 64)
                                for spec in data.FILES["mnist"])
    with pytest.raises(data.DownloadError) as info:
        data.load_mnist(full=True, progress=False)
    message = str(info.value)
    assert "checksum mismatch" in message and "SHA-256" in message
    assert server.url("mnist") + "train-images-idx3-ubyte.gz" in message
    assert str(data.cache_dir() / "mnist") in message
    assert cached("mnist") == []


def test_connection_dropped_mid_body_leaves_no_file(server, monkeypatch):
    _, blobs = make_idx_dataset(seed=3)
    serve(server, monkeypatch, "mnist", blobs)
    server.faults["/mnist/train-images-idx3-ubyte.gz"] = "drop"
    with pytest.raises(data.DownloadError) as info:
        data.load_mnist(full=True, progress=False)
    message = str(info.value)
    size = len(blobs["train-images-idx3-ubyte.gz"])
    assert f"the connection closed after {size // 2:,} of {size:,} bytes (2 tries)" in message
    assert server.hits["/mnist/train-images-idx3-ubyte.gz"] == downloader.ATTEMPTS == 2
    assert cached("mnist") == []


def test_dropped_connection_then_good_mirror(server, monkeypatch):
    _, blobs = make_idx_dataset(seed=4)
    serve(server, monkeypatch, "mnist", blobs, folder="good")
    for name, blob in blobs.items():
        server.files[f"/flaky/{name}"] = blob
        server.faults[f"/flaky/{name}"] = "drop"
    data.MIRRORS["mnist"] = (server.url("flaky"), server.url("good"))
    (x_train, _), _ = data.load_mnist(full=True, progress=False)
    assert len(x_train) == 30 and cached("mnist") == sorted(blobs)


def test_connection_refused_fails_fast_with_urls_and_cache_path(monkeypatch):
    _, blobs = make_idx_dataset(seed=5)
    data.FILES["mnist"] = tuple(spec_for(name, blob) for name, blob in blobs.items())
    data.MIRRORS["mnist"] = (closed_port_url("a"), closed_port_url("b"))
    start = time.perf_counter()
    with pytest.raises(data.DownloadError) as info:
        data.load_mnist(full=True, progress=False)
    assert time.perf_counter() - start < 10
    message = str(info.value)
    for base in data.MIRRORS["mnist"]:
        assert base + "train-images-idx3-ubyte.gz" in message
    assert message.count("connection refused") == 2
    assert f"Cache folder: {data.cache_dir() / 'mnist'}" in message
    assert "load_mnist()" in message and "copy" in message
    assert cached("mnist") == []


def test_unresolvable_host_fails_fast(monkeypatch):
    """DNS failure (no network at all), simulated without sending anything."""
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    _, blobs = make_idx_dataset(seed=6)
    data.FILES["fashion-mnist"] = tuple(spec_for(name, blob) for name, blob in blobs.items())
    data.MIRRORS["fashion-mnist"] = ("http://fashion.example.invalid/", "https://mirror.example.invalid/f/")
    start = time.perf_counter()
    with pytest.raises(data.DownloadError) as info:
        data.load_fashion_mnist(progress=False)
    assert time.perf_counter() - start < 10
    message = str(info.value)
    assert message.count("host name could not be resolved") == 2
    assert "https://mirror.example.invalid/f/train-images-idx3-ubyte.gz" in message


def test_dns_server_not_answering_fails_fast(monkeypatch):
    """getaddrinfo has no timeout; a lookup that hangs is abandoned after CONNECT_TIMEOUT."""
    monkeypatch.setattr(downloader, "CONNECT_TIMEOUT", 0.2)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: time.sleep(3))
    data.FILES["mnist"] = (data.RemoteFile("train-images-idx3-ubyte.gz", 10, "0" * 64, "0" * 32),)
    data.MIRRORS["mnist"] = ("https://a.example.invalid/", "https://b.example.invalid/")
    start = time.perf_counter()
    with pytest.raises(data.DownloadError) as info:
        data.load_mnist(full=True, progress=False)
    assert time.perf_counter() - start < 2
    assert str(info.value).count("looking up the host name took more than 0.2 s") == 2


def test_stalled_server_times_out(server, monkeypatch):
    monkeypatch.setattr(downloader, "READ_TIMEOUT", 0.3)
    _, blobs = make_idx_dataset(seed=7)
    serve(server, monkeypatch, "mnist", blobs)
    server.faults["/mnist/train-images-idx3-ubyte.gz"] = "stall"
    start = time.perf_counter()
    with pytest.raises(data.DownloadError, match=r"the server sent nothing for 0.3 s \(2 tries\)"):
        data.load_mnist(full=True, progress=False)
    assert time.perf_counter() - start < 5
    assert cached("mnist") == []


def test_wrong_announced_size_is_refused_before_download(server, monkeypatch):
    _, blobs = make_idx_dataset(seed=8)
    serve(server, monkeypatch, "mnist", blobs)
    server.files["/mnist/train-images-idx3-ubyte.gz"] += b"\0" * 10
    with pytest.raises(data.DownloadError, match="the server offers .* bytes, expected"):
        data.load_mnist(full=True, progress=False)
    assert cached("mnist") == []


def test_oversized_body_without_length_is_cut_off(server, monkeypatch):
    _, blobs = make_idx_dataset(seed=15)
    serve(server, monkeypatch, "mnist", blobs)
    server.faults["/mnist/train-images-idx3-ubyte.gz"] = "unannounced_extra"
    with pytest.raises(data.DownloadError, match="the server sent more than the expected"):
        data.load_mnist(full=True, progress=False)
    assert cached("mnist") == []


def test_unreachable_host_connect_timeout(monkeypatch):
    """A host that never answers (packets dropped), simulated: each address costs
    CONNECT_TIMEOUT."""
    monkeypatch.setattr(downloader, "CONNECT_TIMEOUT", 0.2)

    def black_hole(address, timeout=None, *args, **kwargs):
        time.sleep(timeout)
        raise TimeoutError("timed out")
    monkeypatch.setattr(socket, "create_connection", black_hole)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: [])  # the name resolves
    data.FILES["cifar10"] = (data.RemoteFile("cifar-10-python.tar.gz", 10, "0" * 64, "0" * 32),)
    data.MIRRORS["cifar10"] = ("https://a.example.invalid/", "http://b.example.invalid/", "http://c.example.invalid/")
    start = time.perf_counter()
    with pytest.raises(data.DownloadError) as info:
        data.load_cifar10(progress=False)
    assert time.perf_counter() - start < 3 * 0.2 + 2
    assert str(info.value).count("no connection within 0.2 s (host unreachable, no network?)") == 3


def test_http_503_is_retried(server, monkeypatch):
    _, blobs = make_idx_dataset(seed=16)
    serve(server, monkeypatch, "mnist", blobs)
    server.faults["/mnist/train-labels-idx1-ubyte.gz"] = "busy_once"
    data.load_mnist(full=True, progress=False)
    assert server.hits["/mnist/train-labels-idx1-ubyte.gz"] == 2
    assert cached("mnist") == sorted(blobs)


def test_http_404_is_reported(server, monkeypatch):
    _, blobs = make_idx_dataset(seed=9)
    serve(server, monkeypatch, "mnist", blobs)
    del server.files["/mnist/t10k-labels-idx1-ubyte.gz"]
    with pytest.raises(data.DownloadError, match="t10k-labels-idx1-ubyte.gz(.|\n)*HTTP error 404"):
        data.load_mnist(full=True, progress=False)
    # the good ones are kept
    assert cached("mnist") == sorted(set(blobs) - {"t10k-labels-idx1-ubyte.gz"})


@pytest.mark.parametrize("damage", ["flip_byte", "truncate"])
def test_corrupted_cache_file_is_detected_and_downloaded_again(server, monkeypatch, damage):
    arrays, blobs = make_idx_dataset(seed=10)
    serve(server, monkeypatch, "mnist", blobs)
    data.load_mnist(full=True, progress=False)
    path = data.cache_dir() / "mnist" / "train-images-idx3-ubyte.gz"
    raw = path.read_bytes()
    path.write_bytes(raw[:100] + bytes([raw[100] ^ 1]) + raw[101:] if damage == "flip_byte"
                     else raw[:50])
    with pytest.warns(UserWarning, match="is corrupt .*downloading it again"):
        (x_train, _), _ = data.load_mnist(full=True, progress=False)
    assert server.hits["/mnist/train-images-idx3-ubyte.gz"] == 2
    assert path.read_bytes() == raw
    np.testing.assert_allclose(x_train[:, 0], arrays["train"][0] / 255, rtol=1e-6)


def test_download_false_never_downloads(server, monkeypatch):
    _, blobs = make_idx_dataset(seed=11)
    serve(server, monkeypatch, "mnist", blobs)
    with pytest.raises(data.DownloadError,
                       match="train-images-idx3-ubyte.gz is missing, and download=False"):
        data.load_mnist(full=True, download=False)
    assert sum(server.hits.values()) == 0


def test_unwritable_cache_folder(server, monkeypatch, tmp_path):
    _, blobs = make_idx_dataset(seed=13)
    serve(server, monkeypatch, "mnist", blobs)
    (tmp_path / "a_file").write_text("")
    monkeypatch.setenv("EDU_CNN_DATA", str(tmp_path / "a_file" / "cache"))
    with pytest.raises(data.DownloadError,
                       match="Cannot write into the cache folder .*set EDU_CNN_DATA"):
        data.load_mnist(full=True, progress=False)


def test_download_progress_bar_and_report(server, monkeypatch):
    _, blobs = make_idx_dataset(seed=12)
    serve(server, monkeypatch, "fashion-mnist", blobs)
    paths = data.download("fashion-mnist", progress=True)
    assert sorted(paths) == sorted(blobs) and all(p.is_file() for p in paths.values())
    (data.cache_dir() / "fashion-mnist" / ".t10k-labels-idx1-ubyte.gz.x.part").write_bytes(b"12")
    (data.cache_dir() / "fashion-mnist" / "train-labels-idx1-ubyte.gz").write_bytes(b"junk")
    rows = {(r["dataset"], r["name"]): r for r in data.cache_report()}
    assert rows[("fashion-mnist", "train-images-idx3-ubyte.gz")]["status"] == "verified"
    assert rows[("fashion-mnist", "train-labels-idx1-ubyte.gz")]["status"].startswith(
        "corrupt: size 4 bytes")
    assert (rows[("fashion-mnist", ".t10k-labels-idx1-ubyte.gz.x.part")]["status"]
            == "partial download")
    assert rows[("mnist", "train-images-idx3-ubyte.gz")]["status"] == "missing"


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="dataset must be one of mnist, fashion-mnist, cifar10; "
                                         "got 'cifar100'"):
        data.download("cifar100")
