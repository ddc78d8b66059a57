"""Faults, not only bad values: full disks, signals, a second process, slow servers, other accounts.

Every case checks three things: the exception type, what its message says,
and that nothing was lost (the previous model file still loads and predicts
the same, no temporary file is left, the model still works).

Faults run in a child process where they must: ``RLIMIT_FSIZE`` stands in for
a full disk, ``RLIMIT_AS`` for a machine without enough memory, signals come
from this process with ``os.kill``, and other accounts are played with
``setpriv`` (the tests run as root here; they are skipped, saying why, where
switching account is impossible). Servers run on 127.0.0.1 only.
"""
import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from data_helpers import cached, make_idx_dataset, serve
from tiny_nets import bars_data, small_cnn

from edu_cnn import data, optim, saving
from edu_cnn import layers as L
from edu_cnn.data import downloader
from edu_cnn.model import Callback, Sequential

ROOT = Path(__file__).resolve().parents[1]
NOBODY = 65534
CAN_SWITCH_USER = (hasattr(os, "geteuid") and os.geteuid() == 0
                   and shutil.which("setpriv") is not None)
needs_other_account = pytest.mark.skipif(
    not CAN_SWITCH_USER, reason="playing another account needs root and setpriv (util-linux)")


# ----------------------------------------------------------------------------
# Helpers: child processes, another account, what a folder holds
# ----------------------------------------------------------------------------

def child_env(**extra):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}", "PYTHONDONTWRITEBYTECODE": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "HOME": os.environ.get("HOME", "/root")}
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def python(script, *args, user=None, env=None, **kwargs):
    """``subprocess.Popen`` of ``python -c script args``, optionally as another account."""
    command = [sys.executable, "-c", script, *map(str, args)]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    return subprocess.Popen(command, env=env or child_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def run(script, *args, timeout=60, **kwargs):
    """Run a child to the end; (return code, stdout, stderr)."""
    proc = python(script, *args, **kwargs)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def wait_for_line(proc, text, timeout=20):
    """Read the child's stdout until a line holding ``text`` (it prints "ready" when set up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if text in line:
            return
        if not line and proc.poll() is not None:
            raise AssertionError(f"child ended early: {proc.stderr.read()}")
    raise AssertionError(f"child never printed {text!r}")


def listing(folder):
    """Every name in ``folder``, hidden ones too."""
    return sorted(os.listdir(folder))


@pytest.fixture
def shared_tmp():
    """A folder every account can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="edu_cnn_faults_"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def assert_same_model(path, model, x):
    """The file at ``path`` loads and predicts exactly what ``model`` predicts."""
    loaded = Sequential.load(path)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


X_BARS, Y_BARS = bars_data(60)
MAKE_MODELS = """
import numpy as np
from edu_cnn import layers as L
from edu_cnn.model import Sequential
small = Sequential([L.Dense(4, 3, rng=0)])
big = Sequential([L.Dense(300, 300, rng=1, dtype=np.float64)])       # 720 KB of weights
"""


# ----------------------------------------------------------------------------
# Saving: a full disk, Ctrl-C, SIGTERM, a reader in another process
# ----------------------------------------------------------------------------

def test_full_disk_during_save_keeps_the_previous_file(tmp_path):
    path = tmp_path / "m.npz"
    code, out, err = run(MAKE_MODELS + """
import resource, sys
small.save(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))    # a disk with 200 KB free
try:
    big.save(sys.argv[1])
except OSError as err:
    print(type(err).__name__, err)
""", path)
    assert code == 0, err
    assert out.startswith("OSError") and "File too large" in out
    assert "m.npz" in out and "Any previous file at that path is unchanged" in out
    assert "Free some disk space" in out
    assert listing(tmp_path) == ["m.npz"]
    assert_same_model(path, Sequential([L.Dense(4, 3, rng=0)]), np.eye(4, dtype=np.float32))


SAVE_FOREVER = MAKE_MODELS + """
import sys
big.save(sys.argv[1])
print("ready", flush=True)
try:
    while True:
        big.save(sys.argv[1])
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


@pytest.mark.parametrize("sig, delay", [(signal.SIGINT, 0.05), (signal.SIGINT, 0.13),
                                        (signal.SIGTERM, 0.05), (signal.SIGTERM, 0.11)])
def test_signal_during_save_keeps_a_whole_file_and_no_temporary(tmp_path, sig, delay):
    path = tmp_path / "m.npz"
    proc = python(SAVE_FOREVER, path)
    wait_for_line(proc, "ready")
    time.sleep(delay)                                     # somewhere in one of many saves
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    if sig == signal.SIGINT:
        assert proc.returncode == 0 and "interrupted" in out, err
    else:
        assert proc.returncode == -signal.SIGTERM         # still dies by SIGTERM
    assert listing(tmp_path) == ["m.npz"]                 # the temporary file was removed
    assert_same_model(path, Sequential([L.Dense(300, 300, rng=1, dtype=np.float64)]),
                      np.ones((2, 300)))


def test_ctrl_c_in_the_middle_of_writing_keeps_the_old_file(tmp_path, monkeypatch):
    model = small_cnn(seed=0)
    path = model.save(tmp_path / "m.npz")
    real_savez = np.savez

    def write_half_then_interrupt(f, **arrays):
        buffer = io.BytesIO()
        real_savez(buffer, **arrays)
        f.write(buffer.getvalue()[:len(buffer.getvalue()) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", write_half_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        small_cnn(seed=1).save(path)
    monkeypatch.undo()
    assert listing(tmp_path) == ["m.npz"]
    assert_same_model(path, model, X_BARS)


def test_a_second_process_reading_while_one_writes_always_gets_a_whole_model(tmp_path):
    path = tmp_path / "m.npz"
    models = [Sequential([L.Dense(200, 100, rng=seed)]) for seed in (0, 1)]
    models[0].save(path)
    writer = python(MAKE_MODELS + """
import sys, time
models = [Sequential([L.Dense(200, 100, rng=seed)]) for seed in (0, 1)]
print("ready", flush=True)
end = time.monotonic() + 1.5
while time.monotonic() < end:
    for m in models:
        m.save(sys.argv[1])
""", path)
    wait_for_line(writer, "ready")
    x = np.ones((1, 200), dtype=np.float32)
    expected = [m.predict(x) for m in models]
    seen, loads = set(), 0
    while writer.poll() is None:
        got = Sequential.load(path).predict(x)            # never a half-written file
        seen.update(i for i, e in enumerate(expected) if np.array_equal(got, e))
        loads += 1
    assert writer.returncode == 0, writer.stderr.read()
    assert loads > 10 and seen == {0, 1}
    assert listing(tmp_path) == ["m.npz"]


@needs_other_account
def test_save_into_a_folder_of_another_account(shared_tmp):
    folder = shared_tmp / "teacher"
    folder.mkdir(mode=0o755)
    model = small_cnn()
    model.save(folder / "m.npz")
    code, out, err = run(MAKE_MODELS + """
import sys
try:
    small.save(sys.argv[1])
except PermissionError as err:
    print(type(err).__name__, err)
""", folder / "m.npz", user=NOBODY)
    assert code == 0, err
    assert out.startswith("PermissionError") and str(folder) in out
    assert "is not writable by you; save into a folder you can write to" in out
    assert listing(folder) == ["m.npz"]
    assert_same_model(folder / "m.npz", model, X_BARS)


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600)])
def test_saved_files_get_the_mode_of_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = small_cnn().save(tmp_path / "m.npz")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode


def poison(value):
    def change(model):
        model.layers[-1].params["W"][0, 0] = value
    return change


UNSAVABLE = [
    ("NaN weights", poison(np.nan), ["dense", "W", "1 NaN", "diverged", "nothing was written"]),
    ("inf weights", poison(np.inf), ["dense", "W", "1 inf", "diverged"]),
    ("float16 weights", lambda m: m.layers[-1].params.update(
        W=m.layers[-1].params["W"].astype(np.float16)), ["dense", "float16", "model.astype"]),
    ("a layer type load cannot rebuild", lambda m: m.add(type("Scale", (L.ReLU,), {})()),
     ["Scale", "Sequential.load can rebuild", "np.savez"]),
]


@pytest.mark.parametrize("what, change, fragments", UNSAVABLE, ids=[u[0] for u in UNSAVABLE])
def test_save_refuses_what_load_could_not_read_back(tmp_path, what, change, fragments):
    good = small_cnn(seed=0)
    path = good.save(tmp_path / "m.npz")
    bad = small_cnn(seed=1)
    change(bad)
    with pytest.raises(ValueError) as info:
        bad.save(path)
    message = str(info.value)
    assert "Sequential.save(" in message and "m.npz" in message
    for fragment in fragments:
        assert fragment in message, message
    assert listing(tmp_path) == ["m.npz"]
    assert_same_model(path, good, X_BARS)


# ----------------------------------------------------------------------------
# Loading: checked before anything is allocated; every low-level error is one ValueError
# ----------------------------------------------------------------------------

def npy_bytes(array=None, shape=None, dtype="<f4"):
    """An .npy file: the array, or only a header declaring ``shape`` (no data)."""
    buffer = io.BytesIO()
    if array is not None:
        np.lib.format.write_array(buffer, array, allow_pickle=True)
    else:
        header = {"descr": dtype, "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def arch_of(*layer_specs):
    return np.array(json.dumps({"format": "edu_cnn.Sequential", "version": 1,
                                "layers": list(layer_specs)}))


def dense_spec(n_in, n_out, name="dense"):
    return {"type": "Dense", "name": name, "trainable": True,
            "config": {"in_features": n_in, "out_features": n_out, "dtype": "float32"}}


def write_zip(path, members, compression=zipfile.ZIP_STORED):
    """A zip of ``{name: bytes or ndarray}`` (arrays written as .npy)."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, value in members.items():
            archive.writestr(name, value if isinstance(value, bytes) else npy_bytes(value))


def dense_members(W, b, arch=None):
    return {"architecture.npy": arch if arch is not None else arch_of(dense_spec(*W.shape)),
            "dense/W.npy": W, "dense/b.npy": b}


def crafted(name):
    """Files a hostile or unlucky user might hand to Sequential.load: (writer, fragments)."""
    W, b = np.ones((4, 3), np.float32), np.zeros(3, np.float32)
    cases = {
        "declares Dense(20000, 20000) in a few KB": (
            lambda p: write_zip(p, dense_members(W, b, arch_of(dense_spec(20000, 20000)))),
            ["400,020,000 parameters", "MAX_PARAMETERS", "Nothing was allocated"]),
        "declares (20000, 20000) arrays with no data": (
            lambda p: write_zip(p, {"architecture.npy": arch_of(dense_spec(20000, 20000)),
                                    "dense/W.npy": npy_bytes(shape=(20000, 20000)),
                                    "dense/b.npy": npy_bytes(shape=(20000,))}),
            ["damaged", "(1,600,000,000 bytes) but its entry holds 0 bytes"]),
        "declared shape bigger than the data": (
            lambda p: write_zip(p, dense_members(W, b) | {"dense/W.npy": npy_bytes(
                shape=(4, 3)) + b"\0" * 8}), ["damaged", "dense/W", "declares shape (4, 3)"]),
        "float16 weights": (
            lambda p: write_zip(p, dense_members(W.astype(np.float16), b)),
            ["layer 'dense' (Dense)", "float16", "float32 or float64"]),
        "float128 weights": (
            lambda p: write_zip(p, dense_members(W.astype(np.longdouble), b)),
            ["layer 'dense' (Dense)", np.dtype(np.longdouble).name, "float32 or float64"]),
        "NaN weights": (
            lambda p: write_zip(p, dense_members(np.where(np.eye(4, 3) > 0, np.nan, W)
                                                 .astype(np.float32), b)),
            ["layer 'dense' (Dense)", "3 NaN", "diverged"]),
        "inf weights": (
            lambda p: write_zip(p, dense_members(W, np.array([np.inf, 0, -np.inf], np.float32))),
            ["layer 'dense' (Dense)", "2 inf", "diverged"]),
        "a folder": (lambda p: p.mkdir(), ["is a folder"]),
        "an empty file": (lambda p: p.write_bytes(b""), ["not an .npz archive"]),
        "a member that is not .npy": (
            lambda p: write_zip(p, dense_members(W, b) | {"notes.txt": b"hello"}),
            ["'notes.txt'", "not a NumPy array"]),
        "a pickled object array": (
            lambda p: write_zip(p, dense_members(W, b) | {"dense/W.npy": np.array(
                [{"a": 1}], dtype=object)}), ["Python objects", "dense/W"]),
        "nested config": (
            lambda p: write_zip(p, dense_members(W, b, arch_of(
                dense_spec([[4]], 3)))), ["layer 0", "in_features=[[4]]", "nothing nested"]),
        "JSON nested 100,000 deep": (
            lambda p: write_zip(p, {"architecture.npy": np.array("[" * 100_000 + "]" * 100_000)}),
            ["not valid JSON", "RecursionError"]),
        "too many members": (
            lambda p: write_zip(p, {f"m{i}.npy": b"" for i in range(saving.MAX_MEMBERS + 1)}),
            ["2,002 entries", "MAX_MEMBERS"]),
        "the same member twice": (
            lambda p: (write_zip(p, dense_members(W, b)), append_member(p, "dense/b.npy", b)),
            ["'dense/b' twice"]),
        "architecture that is not a string": (
            lambda p: write_zip(p, dense_members(W, b, np.zeros(3))),
            ["'architecture' entry is (3,) float64", "JSON string"]),
        "layer name that is not a string": (
            lambda p: write_zip(p, dense_members(W, b, arch_of(dense_spec(4, 3) | {"name": 7}))),
            ["layer 0 (Dense) has name 7", "non-empty string"]),
        "trainable that is not true/false": (
            lambda p: write_zip(p, dense_members(W, b, arch_of(
                dense_spec(4, 3) | {"trainable": "no"}))), ["trainable='no'", "true or false"]),
        "truncated to half": (
            lambda p: (small_cnn().save(p), p.write_bytes(p.read_bytes()[:len(p.read_bytes())
                                                                          // 2])),
            ["not an .npz archive"]),
    }
    return cases[name]


def append_member(path, name, array):
    """Add a second member of the same name (zipfile allows it, with a warning)."""
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as archive:
        warnings.simplefilter("ignore", UserWarning)
        archive.writestr(name, npy_bytes(array))


@pytest.mark.parametrize("name", [
    "declares Dense(20000, 20000) in a few KB", "declares (20000, 20000) arrays with no data",
    "declared shape bigger than the data",
    "float16 weights", "float128 weights", "NaN weights", "inf weights", "a folder",
    "an empty file", "a member that is not .npy", "a pickled object array", "nested config",
    "JSON nested 100,000 deep", "too many members", "the same member twice",
    "architecture that is not a string", "layer name that is not a string",
    "trainable that is not true/false", "truncated to half"])
def test_load_refuses_a_crafted_file_quickly_and_clearly(tmp_path, name):
    write, fragments = crafted(name)
    path = tmp_path / "m.npz"
    write(path)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError) as info:
            Sequential.load(path)
        seconds, peak = time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert isinstance(info.value, saving.ModelFileError)
    assert str(path) in message and message.count("Sequential.load") == 1, message
    for fragment in fragments:
        assert fragment in message, message
    assert seconds < 2 and peak < 20 * 2**20, (seconds, peak)   # nothing big was allocated


def test_an_unused_member_that_unpacks_to_100_mb_is_not_read(tmp_path):
    path = Path(small_cnn().save(tmp_path / "m.npz"))
    zeros = bytes(1 << 20)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("junk.npy", "w", force_zip64=True) as f:
        f.write(npy_bytes(shape=(100 << 20,), dtype="|u1"))
        for _ in range(100):
            f.write(zeros)
    assert path.stat().st_size < 400_000
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=r"weights for no layer of the model: \['junk'\]"):
            Sequential.load(path)
        seconds, peak = time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seconds < 0.5 and peak < 5 * 2**20, (seconds, peak)


def test_every_flipped_byte_gives_a_clear_error_or_the_same_model(tmp_path):
    model = Sequential([L.Dense(2, 2, rng=0)])
    good = model.save(tmp_path / "good.npz")
    blob = Path(good).read_bytes()
    x = np.array([[0.5, -1.0]], dtype=np.float32)
    outcomes = {"same model": 0, "ValueError": 0}
    for i in range(len(blob)):
        path = tmp_path / "flipped.npz"
        path.write_bytes(blob[:i] + bytes([blob[i] ^ 0x5A]) + blob[i + 1:])
        try:
            loaded = Sequential.load(path)
        except ValueError as err:
            assert f"'{path}'" in str(err) and str(err).count("Sequential.load") == 1, (i, err)
            outcomes["ValueError"] += 1
        else:                                    # a byte nobody reads (a timestamp, padding)
            np.testing.assert_array_equal(loaded.predict(x), model.predict(x), err_msg=str(i))
            outcomes["same model"] += 1
    assert outcomes["ValueError"] > 0.8 * len(blob), outcomes


def test_the_who_prefix_appears_once(tmp_path):
    path = small_cnn().save(tmp_path / "p.npz")
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    spec = json.loads(str(arrays["architecture"]))
    spec["layers"][1]["config"] = {"alpha": 1}           # ReLU takes no alpha
    arrays["architecture"] = np.array(json.dumps(spec))
    np.savez(path, **arrays)
    with pytest.raises(ValueError) as info:
        Sequential.load(path)
    message = str(info.value)
    assert message.startswith(f"Sequential.load('{path}'): layer 1 'relu' (ReLU) has an invalid")
    assert message.count("Sequential.load") == 1 and message.count("layer 1") == 1


# ----------------------------------------------------------------------------
# fit and Ctrl-C
# ----------------------------------------------------------------------------

class InterruptAt(Callback):
    """Send this process SIGINT (as Ctrl-C does) at a given epoch and batch; remember weights."""

    def __init__(self, epoch, batch, times=1):
        self.epoch, self.batch, self.times = epoch, batch, times
        self.current, self.weights = 0, []

    def on_batch_end(self, model, batch, logs):
        if self.current == self.epoch and batch == self.batch:
            for _ in range(self.times):
                os.kill(os.getpid(), signal.SIGINT)

    def on_epoch_end(self, model, epoch, logs):
        self.weights.append(model.get_weights())
        self.current = epoch + 1


def interrupted_fit(callback, validation=True, epochs=12, restore_best_weights=True):
    x, y = bars_data(120, seed=0)
    xv, yv = bars_data(60, seed=1, noise=0.9)
    model = small_cnn(seed=0)
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=epochs, batch_size=16, optimizer=optim.SGD(0.2, momentum=0.9),
                  loss="cross_entropy", validation_data=(xv, yv) if validation else None,
                  verbose=0, callbacks=[callback], restore_best_weights=restore_best_weights)
    return model, (x, y), (xv, yv)


def assert_weights_equal(model, weights):
    for got, want in zip(model.get_weights(), weights):
        for key in want:
            np.testing.assert_array_equal(got[key], want[key])


def test_ctrl_c_in_fit_restores_the_best_epoch_and_keeps_the_history(capsys):
    callback = InterruptAt(epoch=9, batch=2)
    model, (x, y), (xv, yv) = interrupted_fit(callback)
    history = model.history
    assert history.epoch == list(range(9))                 # the 9 finished epochs
    assert all(len(v) == 9 for v in history.history.values())
    best = int(np.argmin(history.history["val_loss"]))
    assert history.best_epoch == best
    assert_weights_equal(model, callback.weights[best])
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [f"fit interrupted (Ctrl-C) in epoch 10/12 after batch 3/8: restored the "
                   f"weights of epoch {best + 1} (lowest val_loss "
                   f"{history.history['val_loss'][best]:.4f}); model.history keeps the 9 "
                   "finished epoch(s)."]
    loss, _ = model.evaluate(xv, yv)                       # usable afterwards
    assert loss == pytest.approx(history.history["val_loss"][best], rel=1e-6)
    again = model.fit(x, y, epochs=1, verbose=0)
    assert again.epoch == [0] and model.history is again


def test_ctrl_c_without_validation_keeps_the_last_finished_batch(capsys):
    callback = InterruptAt(epoch=1, batch=4)
    model, (x, _), _ = interrupted_fit(callback, validation=False)
    assert model.history.epoch == [0] and model.history.best_epoch is None
    assert "after batch 5/8: kept the weights after the last finished batch" in \
        capsys.readouterr().out
    assert np.isfinite(model.predict(x)).all()


def test_ctrl_c_pressed_twice_stops_at_once(capsys):
    model, (x, _), _ = interrupted_fit(InterruptAt(epoch=0, batch=3, times=2), validation=False)
    out = capsys.readouterr().out
    assert "(batch 5 was cut short)" in out and "the last update may be partial" in out
    assert model.history.epoch == []
    assert np.isfinite(model.predict(x)).all()


def test_ctrl_c_from_another_process_during_fit(tmp_path):
    proc = python("""
import sys
import numpy as np
from tiny_nets import bars_data, small_cnn
from edu_cnn import optim
from edu_cnn.training import Callback
x, y = bars_data(600); xv, yv = bars_data(100, seed=1)
model = small_cnn()
class Ready(Callback):
    def on_train_begin(self, model):
        print("ready", flush=True)
try:
    model.fit(x, y, epochs=1000, batch_size=8, optimizer=optim.Adam(0.01), loss="cross_entropy",
              validation_data=(xv, yv), verbose=0, callbacks=[Ready()])
except KeyboardInterrupt:
    h = model.history
    assert all(len(v) == len(h.epoch) for v in h.history.values())
    loss, acc = model.evaluate(xv, yv)
    model.save(sys.argv[1])
    print("kept", len(h.epoch), "epochs; val_loss", round(loss, 6), flush=True)
""", tmp_path / "m.npz")
    wait_for_line(proc, "ready")
    time.sleep(0.4)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "fit interrupted (Ctrl-C)" in out and "kept" in out
    assert listing(tmp_path) == ["m.npz"]
    assert np.isfinite(Sequential.load(tmp_path / "m.npz").predict(X_BARS)).all()


# ----------------------------------------------------------------------------
# Layers: a failed forward forgets the previous batch; memory; empty batches
# ----------------------------------------------------------------------------

LAYER_CASES = {
    "Dense": (lambda: L.Dense(4, 3, rng=0), (5, 4), (5, 7)),
    "Conv2D": (lambda: L.Conv2D(1, 2, 3, rng=0), (2, 1, 5, 5), (2, 3, 5, 5)),
    "MaxPool2D": (lambda: L.MaxPool2D(2), (2, 1, 4, 4), (2, 1, 1, 1)),
    "BatchNorm1D": (lambda: L.BatchNorm1D(3), (2, 3), (2, 4)),
    "BatchNorm2D": (lambda: L.BatchNorm2D(1), (2, 1, 4, 4), (2, 2, 4, 4)),
    "AvgPool2D": (lambda: L.AvgPool2D(2), (2, 1, 4, 4), (2, 4, 4)),
    "Flatten": (L.Flatten, (2, 1, 4, 4), (2,)),
    "ReLU": (L.ReLU, (2, 3), np.int64),
    "LeakyReLU": (lambda: L.LeakyReLU(0.1), (2, 3), np.int64),
    "Sigmoid": (L.Sigmoid, (2, 3), np.int64),
    "Tanh": (L.Tanh, (2, 3), np.int64),
    "Dropout": (lambda: L.Dropout(0.5, rng=0), (2, 3), np.int64),
}


def test_layer_cases_cover_every_layer_type():
    assert set(LAYER_CASES) == set(L.LAYER_TYPES)


@pytest.mark.parametrize("name", sorted(LAYER_CASES))
def test_a_failed_forward_leaves_nothing_for_backward(name):
    make, good_shape, bad = LAYER_CASES[name]
    layer = make()
    y = layer.forward(np.ones(good_shape), training=True)
    bad_x = np.ones(good_shape, dtype=bad) if isinstance(bad, type) else np.ones(bad)
    with pytest.raises((ValueError, TypeError)):
        layer.forward(bad_x)
    with pytest.raises(RuntimeError, match=r"before forward\(\) \(or after a forward that "
                                           r"failed\): run forward\(x\) first"):
        layer.backward(np.ones_like(y))
    layer.forward(np.ones(good_shape))                     # and the layer still works
    assert layer.backward(np.ones_like(y)).shape == good_shape


@pytest.mark.parametrize("make", [lambda: L.Conv2D(1, 2, 3), lambda: L.MaxPool2D(2),
                                  lambda: L.AvgPool2D(2)], ids=["Conv2D", "MaxPool2D",
                                                                "AvgPool2D"])
def test_an_empty_batch_is_explained(make):
    with pytest.raises(ValueError, match=r"expected a non-empty batch \(N >= 1\), got input of "
                                         r"shape \(0, 1, 6, 6\)"):
        make().forward(np.ones((0, 1, 6, 6)))


def test_flatten_takes_an_empty_batch():
    layer = L.Flatten()
    assert layer.forward(np.ones((0, 2, 3, 3))).shape == (0, 18)
    assert layer.backward(np.ones((0, 18))).shape == (0, 2, 3, 3)


def test_out_of_memory_on_huge_images_says_lower_batch_size():
    code, out, err = run("""
import resource
import numpy as np
from edu_cnn import layers as L
from edu_cnn.model import Sequential
model = Sequential([L.Conv2D(1, 16, 3, padding=1, rng=0)])
x = np.full((8, 1, 1000, 1000), 0.5, dtype=np.float32)               # 32 MB of images
used = int(next(l for l in open("/proc/self/status") if l.startswith("VmSize")).split()[1])
limit = used * 1024 + 200 * 2**20                                     # 200 MB more, no further
hard = resource.getrlimit(resource.RLIMIT_AS)[1]
resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
try:
    model.predict(x)
except MemoryError as err:
    print(type(err).__name__, err)
resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
print("still works:", model.predict(x[:1, :, :50, :50]).shape)
""")
    assert code == 0, err
    assert out.startswith("MemoryError Sequential.forward: layer 0 'conv2d' (Conv2D) ran out of "
                          "memory on a batch of shape (8, 1, 1000, 1000) float32"), out
    assert "Lower batch_size" in out and "batch_size=1" in out
    assert "still works: (1, 16, 50, 50)" in out


# ----------------------------------------------------------------------------
# Downloads: a slow server, an overall deadline, signals, leftovers
# ----------------------------------------------------------------------------

@pytest.fixture
def sandbox(offline_sandbox, server, monkeypatch):
    """The offline sandbox with MNIST served from the local server."""
    _, blobs = make_idx_dataset(seed=30)
    serve(server, monkeypatch, "mnist", blobs)
    return server, blobs


def test_a_server_trickling_one_byte_at_a_time_is_given_up(sandbox, monkeypatch):
    server, blobs = sandbox
    server.faults["/mnist/train-images-idx3-ubyte.gz"] = "trickle"
    server.trickle_interval = 0.1                  # 1 byte / 2 s, 20 times faster
    monkeypatch.setattr(downloader, "STALL_WINDOW", 0.6)   # 30 s, 50 times shorter
    start = time.monotonic()
    with pytest.raises(data.DownloadError) as info:
        data.load_mnist(full=True, progress=False)
    assert time.monotonic() - start < 3
    message = str(info.value)
    assert "the server is too slow" in message and "less than the minimum 32,768 bytes" in message
    assert cached("mnist") == []                    # no .part left behind
    assert server.hits["/mnist/train-images-idx3-ubyte.gz"] == 1   # a trickle is not retried


def test_a_download_past_its_deadline_is_given_up(sandbox, monkeypatch):
    server, blobs = sandbox
    server.faults["/mnist/train-images-idx3-ubyte.gz"] = "trickle"
    server.trickle_interval = 0.01
    monkeypatch.setattr(downloader, "STALL_BYTES", 1)          # fast enough for that rule
    monkeypatch.setattr(downloader, "DEADLINE_GRACE", 0.3)
    monkeypatch.setattr(downloader, "MIN_RATE", 10**9)         # deadline: 0.3 s
    start = time.monotonic()
    with pytest.raises(data.DownloadError, match=r"did not finish within its deadline of 0 s"):
        data.load_mnist(full=True, progress=False)
    assert time.monotonic() - start < 2
    assert cached("mnist") == []


DOWNLOAD_IN_CHILD = """
import sys
from edu_cnn import data
from edu_cnn.data import RemoteFile
data.FILES["mnist"] = {files}
data.MIRRORS["mnist"] = ({url!r},)
print("ready", flush=True)
data.download("mnist", progress=False)
"""


def trickled_download_in_child(server):
    """A child process downloading MNIST from a trickling server, once its .part file exists."""
    server.faults["/mnist/train-images-idx3-ubyte.gz"] = "trickle"
    proc = python(DOWNLOAD_IN_CHILD.format(files=data.FILES["mnist"],
                                           url=data.MIRRORS["mnist"][0]),
                  env=child_env(EDU_CNN_DATA=str(data.cache_dir()), no_proxy="*"))
    wait_for_line(proc, "ready")
    deadline = time.monotonic() + 10
    while not any(n.endswith(".part") for n in cached("mnist")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert any(n.endswith(".part") for n in cached("mnist"))
    return proc


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_download_removes_the_part_file(sandbox, sig):
    proc = trickled_download_in_child(sandbox[0])
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == -sig, err                   # dies by the signal, as usual
    if sig == signal.SIGINT:
        assert err.rstrip().endswith("KeyboardInterrupt")
    assert listing(data.cache_dir() / "mnist") == []


def test_a_part_file_left_by_a_killed_download_is_removed_next_time(sandbox):
    server, blobs = sandbox
    proc = trickled_download_in_child(server)
    proc.kill()                                           # SIGKILL: no cleanup possible
    proc.communicate(timeout=20)
    leftovers = [n for n in cached("mnist") if n.endswith(".part")]
    assert leftovers
    del server.faults["/mnist/train-images-idx3-ubyte.gz"]
    data.load_mnist(full=True, progress=False)
    assert cached("mnist") == sorted(blobs)               # the leftover is gone


def test_a_part_file_of_a_live_download_is_left_alone(sandbox):
    server, blobs = sandbox
    folder = data.cache_dir() / "mnist"
    folder.mkdir(parents=True)
    from edu_cnn._files import atomic_write
    with atomic_write(folder / "t10k-labels-idx1-ubyte.gz", suffix=".part", lock=True) as f:
        f.write(b"partial")
        data.load_mnist(full=True, progress=False)        # another download, same folder
        assert len([n for n in cached("mnist") if n.endswith(".part")]) == 1
        f.seek(0)
        f.write(blobs["t10k-labels-idx1-ubyte.gz"])       # the live one finishes
    assert cached("mnist") == sorted(blobs)


# ----------------------------------------------------------------------------
# A cache shared between accounts
# ----------------------------------------------------------------------------

def download_as_root(shared_tmp, server, monkeypatch, umask=0o022):
    monkeypatch.setenv("EDU_CNN_DATA", str(shared_tmp / "cache"))
    old = os.umask(umask)
    try:
        data.download("mnist", progress=False)
    finally:
        os.umask(old)
    return shared_tmp / "cache" / "mnist"


AS_STUDENT = """
import sys
from edu_cnn import data
from edu_cnn.data import RemoteFile
data.FILES["mnist"] = {files}
try:
    (x, y), _ = data.load_mnist(full=True, progress=False)
    print("loaded", x.shape)
except data.DownloadError as err:
    print(type(err).__name__, isinstance(err, PermissionError), err)
"""


@needs_other_account
def test_files_downloaded_by_the_teacher_are_readable_by_students(sandbox, shared_tmp,
                                                                  monkeypatch):
    server, blobs = sandbox
    folder = download_as_root(shared_tmp, server, monkeypatch)
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o644}
    code, out, err = run(AS_STUDENT.format(files=data.FILES["mnist"]), user=NOBODY,
                         env=child_env(EDU_CNN_DATA=str(shared_tmp / "cache")))
    assert code == 0 and out.strip() == "loaded (30, 1, 28, 28)", out + err


@needs_other_account
def test_a_private_file_in_a_shared_cache_is_explained(sandbox, shared_tmp, monkeypatch):
    server, blobs = sandbox
    folder = download_as_root(shared_tmp, server, monkeypatch)
    (folder / "train-images-idx3-ubyte.gz").chmod(0o600)        # as an old edu_cnn left it
    env = child_env(EDU_CNN_DATA=str(shared_tmp / "cache"))
    code, out, err = run(AS_STUDENT.format(files=data.FILES["mnist"]), user=NOBODY, env=env)
    assert code == 0, err
    assert out.startswith("CacheAccessError True ")
    assert "train-images-idx3-ubyte.gz cannot be read by this account" in out
    assert f"chmod -R a+rX {folder}" in out and "EDU_CNN_DATA" in out
    code, out, err = run(f"from edu_cnn import cli, data\nfrom edu_cnn.data import RemoteFile\n"
                         f"data.FILES['mnist'] = {data.FILES['mnist']}\n"
                         "raise SystemExit(cli.main(['data', 'list']))", user=NOBODY, env=env)
    assert code == 0 and err == "", err
    assert "unreadable (permission denied)" in out
    assert f"chmod -R a+rX {shared_tmp / 'cache'}" in out
    assert data.verify_file(folder / "train-images-idx3-ubyte.gz",
                            data.FILES["mnist"][0]) is None   # the teacher's copy is intact


@needs_other_account
def test_a_read_only_cache_folder_is_explained(shared_tmp):
    (shared_tmp / "cache" / "mnist").mkdir(parents=True)
    code, out, err = run(AS_STUDENT.format(files=data.FILES["mnist"]), user=NOBODY,
                         env=child_env(EDU_CNN_DATA=str(shared_tmp / "cache")))
    assert code == 0, err
    assert out.startswith("CacheAccessError True Cannot write into the cache folder "
                          f"{shared_tmp / 'cache' / 'mnist'} (Permission denied)")
    assert "edu-cnn data download mnist" in out and "EDU_CNN_DATA" in out
    assert listing(shared_tmp / "cache" / "mnist") == []


@needs_other_account
def test_edu_cnn_without_a_home_folder(tmp_path):
    env = child_env(HOME=None)
    command = "from edu_cnn import cli; raise SystemExit(cli.main(sys.argv[1:]))"
    code, out, err = run("import sys; " + command, "data", "list", user=54321, env=env)
    assert code == 1 and out == ""
    assert err.startswith("edu-cnn: There is no folder for the dataset cache: EDU_CNN_DATA is "
                          "not set and this account has no home folder (HOME is not set)")
    code, out, err = run("import sys; " + command, "data", "list", user=54321,
                         env=child_env(HOME=None, EDU_CNN_DATA=str(tmp_path)))
    assert code == 0 and f"Cache folder: {tmp_path}" in out


# ----------------------------------------------------------------------------
# data.load keyword combinations
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("name, kwargs, fragments", [
    ("mnist", {"full": False}, ["load('mnist', ...) takes only download= and progress=",
                                "full=False", "'mnist-subset' is the 4,000-digit subset"]),
    ("mnist-subset", {"full": True}, ["full=True", "'mnist' the full 60,000"]),
    ("cifar10", {"normalize": True}, ["load('cifar10', ...)", "normalize=True"]),
])
def test_load_by_name_with_keywords_it_does_not_take(name, kwargs, fragments):
    with pytest.raises(TypeError) as info:
        data.load(name, **kwargs)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_load_subset_by_name_takes_the_common_keywords():
    (x, _), _ = data.load("mnist-subset", progress=False, download=False)
    assert x.shape == (4000, 1, 28, 28)

