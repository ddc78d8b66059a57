"""Tests for edu_cnn.data.registry: the table of published files and the cache folder."""
from pathlib import Path

from edu_cnn import data


def test_published_checksum_table_is_well_formed():
    for dataset, specs in data.FILES.items():
        for spec in specs:
            assert len(spec.sha256) == 64 and len(spec.md5) == 32 and spec.size > 0, (dataset, spec)
            int(spec.sha256, 16), int(spec.md5, 16)
    assert data.DATASETS == ("mnist", "fashion-mnist", "cifar10")



def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("EDU_CNN_DATA", str(tmp_path / "c"))
    assert data.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("EDU_CNN_DATA")
    assert data.cache_dir() == Path.home() / ".cache" / "edu_cnn"
