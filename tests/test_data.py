"""Tests for edu_cnn.data: embedded subset, downloads against a local HTTP server, safe CIFAR reading, helpers.

No test reaches the internet: every download goes to an HTTP server that the
test starts on 127.0.0.1 (or to a closed port there), MIRRORS and FILES are
replaced for every test, and socket.create_connection refuses other hosts.
The files served are small but in the real formats (IDX gzip, the CIFAR-10
python tar.gz with Python-2-style pickles), with their checksums computed here.
"""
import dataclasses
import gzip
import hashlib
import http.server
import io
import os
import pickle
import socket
import struct
import tarfile
import threading
import time
from collections import Counter

import numpy as np
import pytest

from edu_cnn import data

# ----------------------------------------------------------------------------
# A local HTTP server and small real-format datasets
# ----------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves server.files; server.faults[path]: "drop" (half the body, then close), "stall", "busy_once", "unannounced_extra"."""

    def do_GET(self):
        srv = self.server
        srv.hits[self.path] += 1
        body, fault = srv.files.get(self.path), srv.faults.get(self.path)
        if fault == "stall":
            srv.release.wait(5)  # say nothing until the test ends (the client times out first)
            return
        if body is None:
            self.send_error(404)
            return
        if fault == "busy_once" and srv.hits[self.path] == 1:
            self.send_error(503)
            return
        self.send_response(200)
        if fault == "unannounced_extra":  # no Content-Length, and more bytes than the file has
            self.end_headers()
            self.wfile.write(body + b"\0" * 100_000)
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2] if fault == "drop" else body)

    def log_message(self, *args):
        pass


class LocalServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files, self.faults, self.hits = {}, {}, Counter()
        self.release = threading.Event()

    def url(self, folder):
        return f"http://127.0.0.1:{self.server_address[1]}/{folder}/"


@pytest.fixture
def server():
    srv = LocalServer()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def closed_port_url(folder="x"):
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{folder}/"


@pytest.fixture(autouse=True)
def offline_sandbox(tmp_path, monkeypatch):
    """Cache in tmp, no proxies, no retry pause, empty mirror tables, and no host but 127.0.0.1."""
    monkeypatch.setenv("EDU_CNN_DATA", str(tmp_path / "cache"))
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setattr(data, "RETRY_PAUSE", 0.0)
    monkeypatch.setattr(data, "MIRRORS", {name: () for name in data.FILES})
    monkeypatch.setattr(data, "FILES", dict(data.FILES))
    real_connect, real_lookup = socket.create_connection, socket.getaddrinfo

    def loopback_only(address, *args, **kwargs):
        if address[0] not in ("127.0.0.1", "localhost"):
            raise AssertionError(f"test tried to reach {address}: only 127.0.0.1 is allowed")
        return real_connect(address, *args, **kwargs)

    def loopback_lookup_only(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost"):
            raise AssertionError(f"test tried to look up {host!r}: only 127.0.0.1 is allowed")
        return real_lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", loopback_only)
    monkeypatch.setattr(socket, "getaddrinfo", loopback_lookup_only)


def idx_bytes(array):
    """An uint8 array as a gzipped IDX file (magic 0x0000 08 ndim, big-endian sizes, values)."""
    header = bytes((0, 0, 8, array.ndim)) + b"".join(struct.pack(">I", n) for n in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)


def spec_for(name, blob):
    return data.RemoteFile(name, len(blob), hashlib.sha256(blob).hexdigest(), hashlib.md5(blob).hexdigest())


def make_idx_dataset(seed, n_train=30, n_test=20):
    """Random images/labels and their four IDX files: (arrays, {file name: bytes})."""
    rng = np.random.default_rng(seed)
    arrays = {"train": (rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8), rng.integers(0, 10, n_train)),
              "t10k": (rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8), rng.integers(0, 10, n_test))}
    blobs = {}
    for prefix, (images, labels) in arrays.items():
        blobs[f"{prefix}-images-idx3-ubyte.gz"] = idx_bytes(images)
        blobs[f"{prefix}-labels-idx1-ubyte.gz"] = idx_bytes(labels.astype(np.uint8))
    return arrays, blobs


class Py2Pickler(pickle._Pickler):
    """Writes pickles the way Python 2 wrote CIFAR-10: byte strings as (SHORT_)BINSTRING opcodes."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str


def py2_pickle(obj):
    """A protocol-2 pickle like CIFAR-10's batches (numpy's 1.x module name for _reconstruct)."""
    buffer = io.BytesIO()
    Py2Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue().replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")


def cifar_batch(rng, n):
    images = rng.integers(0, 256, (n, 3 * 32 * 32), dtype=np.uint8)  # rows: R, G, B planes
    labels = [int(v) for v in rng.integers(0, 10, n)]
    return images, labels, py2_pickle({b"batch_label": b"training batch 1 of 5", b"labels": labels,
                                       b"data": images, b"filenames": [b"img_%d.png" % i for i in range(n)]})


def tar_gz(members):
    """A tar.gz from (name, bytes) pairs; a TarInfo may stand in for a pair (links, odd paths)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for item in members:
            if isinstance(item, tarfile.TarInfo):
                archive.addfile(item)
                continue
            name, blob = item
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            archive.addfile(info, io.BytesIO(blob))
    return buffer.getvalue()


def make_cifar_archive(seed=0, n=3, extra=(), replace=None):
    """(x_train, y_train, x_test, y_test, tar.gz bytes) shaped like cifar-10-python.tar.gz."""
    rng = np.random.default_rng(seed)
    members, xs, ys = [], {}, {}
    for name in ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"):
        xs[name], ys[name], blob = cifar_batch(rng, n)
        members.append((f"cifar-10-batches-py/{name}", (replace or {}).get(name, blob)))
    meta = py2_pickle({b"num_cases_per_batch": n, b"num_vis": 3072,
                       b"label_names": [c.encode() for c in data.CIFAR10_CLASSES]})
    members += [("cifar-10-batches-py/batches.meta", meta), ("cifar-10-batches-py/readme.html", b"<html/>")]
    train = [f"data_batch_{i}" for i in range(1, 6)]
    return (np.concatenate([xs[b] for b in train]), sum((ys[b] for b in train), []),
            xs["test_batch"], ys["test_batch"], tar_gz(list(extra) + members))


def serve(server, monkeypatch, dataset, blobs, folder=None):
    """Serve blobs under /folder/, and point FILES/MIRRORS of ``dataset`` at them (real checksums)."""
    folder = folder or dataset
    for name, blob in blobs.items():
        server.files[f"/{folder}/{name}"] = blob
    data.FILES[dataset] = tuple(spec_for(name, blob) for name, blob in blobs.items())
    data.MIRRORS[dataset] = (server.url(folder),)


def cached(dataset):
    """Names of all files (hidden ones too) in the dataset's cache folder."""
    folder = data.cache_dir() / dataset
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# ----------------------------------------------------------------------------
# The embedded subset
# ----------------------------------------------------------------------------

def test_embedded_subset_shapes_dtypes_range():
    start = time.perf_counter()
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert time.perf_counter() - start < 1.0
    assert x_train.shape == (4000, 1, 28, 28) and x_test.shape == (1000, 1, 28, 28)
    assert x_train.dtype == x_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    for x in (x_train, x_test):
        assert x.min() == 0.0 and x.max() == 1.0
        assert 0.08 < x.mean() < 0.2  # MNIST's mean pixel is about 0.13


def test_embedded_subset_is_stratified_and_disjoint():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert np.bincount(y_train, minlength=10).tolist() == [400] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [100] * 10
    train_rows = {row.tobytes() for row in (x_train * 255).round().astype(np.uint8).reshape(4000, -1)}
    test_rows = {row.tobytes() for row in (x_test * 255).round().astype(np.uint8).reshape(1000, -1)}
    assert len(train_rows) == 4000 and len(test_rows) == 1000
    assert not train_rows & test_rows


def test_embedded_subset_is_shuffled_not_sorted_by_class():
    (_, y_train), _ = data.load_mnist()
    assert len(np.unique(y_train[:100])) == 10


def test_embedded_subset_needs_no_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("load_mnist() tried to use the network")
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    (x_train, _), _ = data.load_mnist()
    assert len(x_train) == 4000


def test_embedded_subset_does_not_touch_cache():
    data.load_mnist()
    assert not data.cache_dir().exists()


# ----------------------------------------------------------------------------
# Loaders parse real formats served over HTTP
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("dataset, loader", [("mnist", lambda: data.load_mnist(full=True, progress=False)),
                                             ("fashion-mnist", lambda: data.load_fashion_mnist(progress=False))])
def test_idx_loaders_parse_downloaded_files(server, monkeypatch, dataset, loader):
    arrays, blobs = make_idx_dataset(seed=len(dataset))
    serve(server, monkeypatch, dataset, blobs)
    (x_train, y_train), (x_test, y_test) = loader()
    for (x, y), prefix in (((x_train, y_train), "train"), ((x_test, y_test), "t10k")):
        images, labels = arrays[prefix]
        assert x.shape == (len(images), 1, 28, 28) and x.dtype == np.float32
        assert y.dtype == np.int64
        np.testing.assert_allclose(x[:, 0], images / 255, rtol=1e-6)
        np.testing.assert_array_equal(y, labels)
    assert cached(dataset) == sorted(blobs)  # nothing else: no temporary files
    assert all(n == 1 for n in server.hits.values())
    loader()  # second load: from the cache, re-verified, no download
    assert all(n == 1 for n in server.hits.values())


def test_cifar10_parses_python_archive(server, monkeypatch):
    x_train, y_train, x_test, y_test, blob = make_cifar_archive(n=3)
    serve(server, monkeypatch, "cifar10", {"cifar-10-python.tar.gz": blob})
    (xt, yt), (xv, yv) = data.load_cifar10(progress=False)
    assert xt.shape == (15, 3, 32, 32) and xv.shape == (3, 3, 32, 32)
    assert xt.dtype == np.float32 and yt.dtype == np.int64
    np.testing.assert_allclose(xt, x_train.reshape(15, 3, 32, 32) / 255, rtol=1e-6)
    np.testing.assert_allclose(xv[0, 1], x_test[0, 1024:2048].reshape(32, 32) / 255, rtol=1e-6)  # G plane
    assert yt.tolist() == y_train and yv.tolist() == y_test
    assert cached("cifar10") == ["cifar-10-python.tar.gz"]


def test_load_by_name(server, monkeypatch):
    (x, _), _ = data.load("mnist-subset")
    assert x.shape == (4000, 1, 28, 28)
    serve(server, monkeypatch, "fashion-mnist", make_idx_dataset(seed=14)[1])
    (x, _), _ = data.load("fashion-mnist", progress=False)
    assert x.shape == (30, 1, 28, 28)
    assert data.CLASS_NAMES["fashion-mnist"] is data.FASHION_CLASSES
    with pytest.raises(ValueError, match="must be one of mnist-subset, mnist, fashion-mnist, cifar10; got 'svhn'"):
        data.load("svhn")


def test_class_names():
    assert len(data.MNIST_CLASSES) == len(data.FASHION_CLASSES) == len(data.CIFAR10_CLASSES) == 10
    assert data.FASHION_CLASSES[9] == "Ankle boot" and data.CIFAR10_CLASSES[0] == "airplane"


def test_published_checksum_table_is_well_formed():
    for dataset, specs in data.FILES.items():
        for spec in specs:
            assert len(spec.sha256) == 64 and len(spec.md5) == 32 and spec.size > 0, (dataset, spec)
            int(spec.sha256, 16), int(spec.md5, 16)
    assert data.DATASETS == ("mnist", "fashion-mnist", "cifar10")


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
    assert server.hits["/evil/train-images-idx3-ubyte.gz"] == 1  # a checksum mismatch is not retried
    assert server.hits["/good/train-images-idx3-ubyte.gz"] == 1
    assert "checksum mismatch" in capsys.readouterr().err


def test_checksum_mismatch_everywhere_raises_and_caches_nothing(server, monkeypatch):
    _, blobs = make_idx_dataset(seed=2)
    serve(server, monkeypatch, "mnist", blobs)
    data.FILES["mnist"] = tuple(dataclasses.replace(spec, sha256="0" * 64) for spec in data.FILES["mnist"])
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
    assert server.hits["/mnist/train-images-idx3-ubyte.gz"] == data.ATTEMPTS == 2
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
    monkeypatch.setattr(data, "CONNECT_TIMEOUT", 0.2)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: time.sleep(3))
    data.FILES["mnist"] = (data.RemoteFile("train-images-idx3-ubyte.gz", 10, "0" * 64, "0" * 32),)
    data.MIRRORS["mnist"] = ("https://a.example.invalid/", "https://b.example.invalid/")
    start = time.perf_counter()
    with pytest.raises(data.DownloadError) as info:
        data.load_mnist(full=True, progress=False)
    assert time.perf_counter() - start < 2
    assert str(info.value).count("looking up the host name took more than 0.2 s") == 2


def test_stalled_server_times_out(server, monkeypatch):
    monkeypatch.setattr(data, "READ_TIMEOUT", 0.3)
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
    """A host that never answers (packets dropped), simulated: each address costs CONNECT_TIMEOUT."""
    monkeypatch.setattr(data, "CONNECT_TIMEOUT", 0.2)

    def black_hole(address, timeout=None, *args, **kwargs):
        time.sleep(timeout)
        raise socket.timeout("timed out")
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
    assert cached("mnist") == sorted(set(blobs) - {"t10k-labels-idx1-ubyte.gz"})  # the good ones are kept


@pytest.mark.parametrize("damage", ["flip_byte", "truncate"])
def test_corrupted_cache_file_is_detected_and_downloaded_again(server, monkeypatch, damage):
    arrays, blobs = make_idx_dataset(seed=10)
    serve(server, monkeypatch, "mnist", blobs)
    data.load_mnist(full=True, progress=False)
    path = data.cache_dir() / "mnist" / "train-images-idx3-ubyte.gz"
    raw = path.read_bytes()
    path.write_bytes(raw[:100] + bytes([raw[100] ^ 1]) + raw[101:] if damage == "flip_byte" else raw[:50])
    with pytest.warns(UserWarning, match="is corrupt .*downloading it again"):
        (x_train, _), _ = data.load_mnist(full=True, progress=False)
    assert server.hits["/mnist/train-images-idx3-ubyte.gz"] == 2
    assert path.read_bytes() == raw
    np.testing.assert_allclose(x_train[:, 0], arrays["train"][0] / 255, rtol=1e-6)


def test_download_false_never_downloads(server, monkeypatch):
    _, blobs = make_idx_dataset(seed=11)
    serve(server, monkeypatch, "mnist", blobs)
    with pytest.raises(data.DownloadError, match="train-images-idx3-ubyte.gz is missing, and download=False"):
        data.load_mnist(full=True, download=False)
    assert sum(server.hits.values()) == 0


def test_unwritable_cache_folder(server, monkeypatch, tmp_path):
    _, blobs = make_idx_dataset(seed=13)
    serve(server, monkeypatch, "mnist", blobs)
    (tmp_path / "a_file").write_text("")
    monkeypatch.setenv("EDU_CNN_DATA", str(tmp_path / "a_file" / "cache"))
    with pytest.raises(data.DownloadError, match="Cannot create the cache folder .*Set EDU_CNN_DATA"):
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
    assert rows[("fashion-mnist", "train-labels-idx1-ubyte.gz")]["status"].startswith("corrupt: size 4 bytes")
    assert rows[("fashion-mnist", ".t10k-labels-idx1-ubyte.gz.x.part")]["status"] == "partial download"
    assert rows[("mnist", "train-images-idx3-ubyte.gz")]["status"] == "missing"


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="dataset must be one of mnist, fashion-mnist, cifar10; got 'cifar100'"):
        data.download("cifar100")


# ----------------------------------------------------------------------------
# CIFAR-10: the archive and the pickles are not trusted
# ----------------------------------------------------------------------------

def _link(name, target, kind):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


@pytest.mark.parametrize("member, why", [
    (("../../evil", b"x"), "contains '..'"),
    (("cifar-10-batches-py/../../evil", b"x"), "contains '..'"),
    (("/tmp/evil", b"x"), "absolute"),
    (_link("cifar-10-batches-py/link", "/etc/passwd", tarfile.SYMTYPE), "link"),
    (_link("cifar-10-batches-py/hard", "/etc/passwd", tarfile.LNKTYPE), "link"),
])
def test_cifar_archive_with_unsafe_member_is_refused(server, monkeypatch, tmp_path, member, why):
    *_, blob = make_cifar_archive(extra=[member])
    serve(server, monkeypatch, "cifar10", {"cifar-10-python.tar.gz": blob})
    with pytest.raises(ValueError, match=f"refusing archive member .*{why}"):
        data.load_cifar10(progress=False)
    assert not (tmp_path / "evil").exists() and not (tmp_path.parent / "evil").exists()


@pytest.mark.parametrize("protocol", [0, 2, 4])  # GLOBAL/INST, GLOBAL, STACK_GLOBAL opcodes
def test_cifar_pickle_with_forbidden_global_is_refused(server, monkeypatch, tmp_path, protocol):
    sentinel = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return os.mkdir, (str(sentinel),)

    evil = pickle.dumps({"data": Exploit(), "labels": [0]}, protocol=protocol)
    *_, blob = make_cifar_archive(replace={"data_batch_3": evil})
    serve(server, monkeypatch, "cifar10", {"cifar-10-python.tar.gz": blob})
    with pytest.raises(ValueError, match=r"data_batch_3: refusing this pickle \(global (posix|nt|os)\.mkdir "
                                         r"is not allowed\)"):
        data.load_cifar10(progress=False)
    assert not sentinel.exists()


def test_cifar_pickle_of_wrong_structure_is_refused(server, monkeypatch):
    odd = py2_pickle({b"data": np.zeros((2, 3072), np.float64), b"labels": [0, 1]})
    *_, blob = make_cifar_archive(replace={"test_batch": odd})
    serve(server, monkeypatch, "cifar10", {"cifar-10-python.tar.gz": blob})
    with pytest.raises(ValueError, match=r"test_batch: expected a dict with 'data' uint8 \(N, 3072\)"):
        data.load_cifar10(progress=False)


def test_cifar_archive_missing_a_batch(server, monkeypatch):
    blob = tar_gz([("cifar-10-batches-py/data_batch_1", cifar_batch(np.random.default_rng(0), 2)[2])])
    serve(server, monkeypatch, "cifar10", {"cifar-10-python.tar.gz": blob})
    with pytest.raises(ValueError, match="archive lacks data_batch_2, data_batch_3"):
        data.load_cifar10(progress=False)


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------

def test_batches_cover_everything_once_and_are_reproducible():
    x, y = np.arange(10).reshape(10, 1) * 1.0, np.arange(10)
    got = list(data.batches(x, y, batch_size=4, rng=0))
    assert [len(b[1]) for b in got] == [4, 4, 2]
    assert sorted(np.concatenate([b[1] for b in got]).tolist()) == list(range(10))
    for xb, yb in got:
        np.testing.assert_array_equal(xb[:, 0], yb)
    again = list(data.batches(x, y, batch_size=4, rng=0))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(got, again))
    assert np.concatenate([b[1] for b in got]).tolist() != list(range(10))  # shuffled


def test_batches_without_shuffle_and_drop_last():
    x, y = np.zeros((10, 3)), np.arange(10)
    got = [yb.tolist() for _, yb in data.batches(x, y, 4, shuffle=False, drop_last=True)]
    assert got == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_batches_generator_advances():
    rng = np.random.default_rng(0)
    x, y = np.zeros((6, 1)), np.arange(6)
    first = np.concatenate([b for _, b in data.batches(x, y, 6, rng=rng)])
    second = np.concatenate([b for _, b in data.batches(x, y, 6, rng=rng)])
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"batch_size": 0}, ValueError, "batch_size=...\\) must be a positive int; got 0"),
    ({"batch_size": 2.5}, ValueError, "must be a positive int; got 2.5"),
    ({"batch_size": 2, "rng": "seed"}, TypeError,
     "batches expected rng to be a numpy Generator, an int seed or None, got str"),
])
def test_batches_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        next(data.batches(np.zeros((4, 1)), np.zeros(4), **kwargs))


def test_batches_length_mismatch():
    with pytest.raises(ValueError, match=r"got x \(4, 1\) and y \(3,\)"):
        next(data.batches(np.zeros((4, 1)), np.zeros(3), 2))


def test_scale():
    x = np.array([[0, 51, 255]], dtype=np.uint8)
    out = data.scale(x)
    assert out.dtype == np.float32 and np.allclose(out, [[0, 0.2, 1]])
    assert x.dtype == np.uint8 and x[0, 2] == 255  # input untouched
    with pytest.raises(TypeError, match="expects integer pixel values 0..255 .*got float32"):
        data.scale(out)
    with pytest.raises(ValueError, match="got 0..300"):
        data.scale(np.array([0, 300]))


def test_standardize_uses_train_statistics_only():
    rng = np.random.default_rng(0)
    x_train = rng.normal(5, 2, (50, 3, 4, 4)).astype(np.float32)
    x_train[:, 1] += 10
    x_test = rng.normal(7, 3, (20, 3, 4, 4)).astype(np.float32)
    before = x_train.copy()
    tr, te, stats = data.standardize(x_train, x_test)
    assert stats["mean"].shape == (1, 3, 1, 1) and tr.dtype == np.float32
    np.testing.assert_allclose(tr.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(tr.std(axis=(0, 2, 3)), 1, atol=1e-4)
    np.testing.assert_allclose(te, (x_test - stats["mean"]) / (stats["std"] + 1e-8), rtol=1e-5)
    assert abs(te.mean()) > 0.3  # test set standardised with train stats, so not centred
    np.testing.assert_array_equal(x_train, before)


def test_standardize_flat_and_errors():
    tr, te, stats = data.standardize(np.array([[0, 2], [4, 6]], dtype=np.uint8))
    assert te is None and stats["mean"] == 3 and tr.dtype == np.float32
    with pytest.raises(ValueError, match=r"x_test must have the shape of x_train apart from N"):
        data.standardize(np.zeros((4, 1, 2, 2)), np.zeros((4, 2, 2, 2)))


def test_one_hot():
    out = data.one_hot(np.array([2, 0]), 3)
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 0]])
    assert out.dtype == np.float32
    with pytest.raises(ValueError, match=r"expects ids in 0..2; got 0..3"):
        data.one_hot(np.array([0, 3]), 3)
    with pytest.raises(TypeError, match="expects integer class ids; got dtype float64"):
        data.one_hot(np.array([0.0, 1.0]), 3)
    with pytest.raises(ValueError, match=r"expects y of shape \(N,\); got \(2, 1\)"):
        data.one_hot(np.array([[0], [1]]), 3)


def test_stratified_subset():
    (x, y), _ = data.load_mnist()
    xs, ys = data.stratified_subset(x, y, per_class=7, seed=3)
    assert xs.shape == (70, 1, 28, 28) and np.bincount(ys).tolist() == [7] * 10
    xs2, ys2 = data.stratified_subset(x, y, per_class=7, seed=3)
    np.testing.assert_array_equal(xs, xs2)
    with pytest.raises(ValueError, match="class 1 has 1 samples, fewer than per_class=2"):
        data.stratified_subset(np.zeros((3, 2)), np.array([0, 0, 1]), per_class=2)


def test_sample_image():
    image = data.sample_image("grace_hopper")
    assert image.ndim == 2 and image.shape == (600, 512) and image.dtype == np.float32
    assert 0 <= image.min() < 0.1 and 0.9 < image.max() <= 1
    with pytest.raises(ValueError, match="must be one of grace_hopper; got 'lena'"):
        data.sample_image("lena")
