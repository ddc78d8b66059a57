"""Tests for edu_cnn.data.formats: the CIFAR-10 archive and its pickles are not trusted."""
import os
import pickle
import tarfile

import numpy as np
import pytest
from data_helpers import (
    cifar_batch,
    make_cifar_archive,
    py2_pickle,
    serve,
    tar_gz,
)

from edu_cnn import data

# The offline sandbox of data_helpers.py (cache in tmp, loopback only) for every test here.
pytestmark = pytest.mark.usefixtures("offline_sandbox")

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
    with pytest.raises(ValueError, match=r"data_batch_3: refusing this pickle "
                                         r"\(global (posix|nt|os)\.mkdir is not allowed\)"):
        data.load_cifar10(progress=False)
    assert not sentinel.exists()


def test_cifar_pickle_of_wrong_structure_is_refused(server, monkeypatch):
    odd = py2_pickle({b"data": np.zeros((2, 3072), np.float64), b"labels": [0, 1]})
    *_, blob = make_cifar_archive(replace={"test_batch": odd})
    serve(server, monkeypatch, "cifar10", {"cifar-10-python.tar.gz": blob})
    with pytest.raises(ValueError,
                       match=r"test_batch: expected a dict with 'data' uint8 \(N, 3072\)"):
        data.load_cifar10(progress=False)


def test_cifar_archive_missing_a_batch(server, monkeypatch):
    blob = tar_gz([("cifar-10-batches-py/data_batch_1",
                    cifar_batch(np.random.default_rng(0), 2)[2])])
    serve(server, monkeypatch, "cifar10", {"cifar-10-python.tar.gz": blob})
    with pytest.raises(ValueError, match="archive lacks data_batch_2, data_batch_3"):
        data.load_cifar10(progress=False)
