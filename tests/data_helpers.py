"""Test helpers for edu_cnn.data: a local HTTP server, an offline sandbox, small real-format files.

No data test reaches the internet: every download goes to an HTTP server that
the test starts on 127.0.0.1 (or to a closed port there), the MIRRORS and FILES
entries are put back after every test, and socket.create_connection refuses
other hosts. The files served are small but in the real formats (IDX gzip, the
CIFAR-10 python tar.gz with Python-2-style pickles), with their checksums
computed here.

tests/conftest.py registers this module as a plugin (``pytest_plugins``), so
its fixtures (``server``, ``offline_sandbox``) are available to every test
without an import; a data test module turns the sandbox on for all its tests
with ``pytestmark = pytest.mark.usefixtures("offline_sandbox")``. Test modules
import only the plain helpers (functions) from here.
"""
import gzip
import hashlib
import http.server
import io
import pickle
import socket
import struct
import tarfile
import threading
from collections import Counter

import numpy as np
import pytest

from edu_cnn import data
from edu_cnn.data import downloader

# ----------------------------------------------------------------------------
# A local HTTP server and small real-format datasets
# ----------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves server.files; server.faults[path]: "drop" (half the body, then close), "stall",
    "busy_once", "unannounced_extra", "trickle" (the headers, then one byte every
    server.trickle_interval seconds until the test ends)."""

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
        if fault == "trickle":
            for i in range(len(body)):
                if srv.release.wait(srv.trickle_interval):
                    return
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
            return
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
        self.trickle_interval = 0.05

    def url(self, folder):
        return f"http://127.0.0.1:{self.server_address[1]}/{folder}/"


@pytest.fixture
def server():
    srv = LocalServer()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
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


@pytest.fixture
def offline_sandbox(tmp_path, monkeypatch):
    """Cache in tmp, no proxies, no retry pause, empty mirror tables, and no host but 127.0.0.1.

    FILES and MIRRORS are changed entry by entry (and put back afterwards), as an
    instructor would add a mirror: the dicts are shared by edu_cnn.data and its
    modules, so every module sees the change. The download settings live in
    ``edu_cnn.data.downloader`` and are patched there.
    """
    monkeypatch.setenv("EDU_CNN_DATA", str(tmp_path / "cache"))
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setattr(downloader, "RETRY_PAUSE", 0.0)
    for name in data.DATASETS:
        monkeypatch.setitem(data.MIRRORS, name, ())
        monkeypatch.setitem(data.FILES, name, data.FILES[name])
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
    return data.RemoteFile(name, len(blob), hashlib.sha256(blob).hexdigest(),
                           hashlib.md5(blob).hexdigest())


def make_idx_dataset(seed, n_train=30, n_test=20):
    """Random images/labels and their four IDX files: (arrays, {file name: bytes})."""
    rng = np.random.default_rng(seed)
    arrays = {"train": (rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
                        rng.integers(0, 10, n_train)),
              "t10k": (rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
                       rng.integers(0, 10, n_test))}
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
                                       b"data": images,
                                       b"filenames": [b"img_%d.png" % i for i in range(n)]})


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
    for name in ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
                 "test_batch"):
        xs[name], ys[name], blob = cifar_batch(rng, n)
        members.append((f"cifar-10-batches-py/{name}", (replace or {}).get(name, blob)))
    meta = py2_pickle({b"num_cases_per_batch": n, b"num_vis": 3072,
                       b"label_names": [c.encode() for c in data.CIFAR10_CLASSES]})
    members += [("cifar-10-batches-py/batches.meta", meta),
                ("cifar-10-batches-py/readme.html", b"<html/>")]
    train = [f"data_batch_{i}" for i in range(1, 6)]
    return (np.concatenate([xs[b] for b in train]), sum((ys[b] for b in train), []),
            xs["test_batch"], ys["test_batch"], tar_gz(list(extra) + members))


def serve(server, monkeypatch, dataset, blobs, folder=None):
    """Serve blobs under /folder/, and point FILES/MIRRORS of ``dataset`` at them (real
    checksums)."""
    folder = folder or dataset
    for name, blob in blobs.items():
        server.files[f"/{folder}/{name}"] = blob
    data.FILES[dataset] = tuple(spec_for(name, blob) for name, blob in blobs.items())
    data.MIRRORS[dataset] = (server.url(folder),)


def cached(dataset):
    """Names of all files (hidden ones too) in the dataset's cache folder."""
    folder = data.cache_dir() / dataset
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
