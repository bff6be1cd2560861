"""A file's sha256 is read once per process while its stat holds (``sim.runs.manifest.file_sha256``): the store
verifies a run's files each time it serves the run, and an edit is still seen, whatever times it sets back."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest

from sim.runs import manifest
from sim.runs.manifest import file_sha256, verify, write_manifest


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files ``file_sha256`` reads from now on."""
    read: list[str] = []
    real = hashlib.file_digest

    def counted(f: Any, digest: str) -> Any:
        read.append(Path(f.name).name)
        return real(f, digest)

    monkeypatch.setattr(manifest.hashlib, "file_digest", counted)
    return read


def _run_dir(tmp_path: Path) -> Path:
    d = tmp_path / "run"
    d.mkdir()
    (d / "kpis.json").write_text('{"on_time_rate": 0.9}')
    (d / "matters.parquet").write_bytes(os.urandom(4096))
    write_manifest(d)
    return d


#: how long the tests let a file settle before it is read (``SETTLED_NS`` is set to it)
SETTLE_S = 0.05


def test_an_unchanged_run_is_read_once_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest, "SETTLED_NS", int(SETTLE_S * 1e9))
    d = _run_dir(tmp_path)
    time.sleep(2 * SETTLE_S)
    read = _counting(monkeypatch)
    assert verify(d) is None and verify(d) is None and verify(d) is None
    assert sorted(read) == ["kpis.json", "matters.parquet"]  # the first verify alone


def test_a_file_changed_moments_ago_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its change may share the clock's tick with the next one, which would then leave its times as they were."""
    monkeypatch.setattr(manifest, "SETTLED_NS", 3_600 * 10**9)
    d = _run_dir(tmp_path)
    read = _counting(monkeypatch)
    assert verify(d) is None and verify(d) is None
    assert sorted(read) == ["kpis.json", "kpis.json", "matters.parquet", "matters.parquet"]


def test_an_edit_that_sets_its_times_back_is_still_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest, "SETTLED_NS", int(SETTLE_S * 1e9))
    d = _run_dir(tmp_path)
    time.sleep(2 * SETTLE_S)
    assert verify(d) is None  # its digests kept
    path = d / "kpis.json"
    st = path.stat()
    path.write_text('{"on_time_rate": 0.1}')  # the same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # and its modification time put back
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    assert verify(d) == "kpis.json has changed since it was written (its checksum differs)"


def test_a_file_written_while_it_is_read_is_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest, "SETTLED_NS", 0)
    path = tmp_path / "records.parquet"
    path.write_bytes(b"a" * 100)
    real = hashlib.file_digest

    def written_meanwhile(f: Any, digest: str) -> Any:
        out = real(f, digest)
        with open(path, "ab") as g:
            g.write(b"b")
        return out

    monkeypatch.setattr(manifest.hashlib, "file_digest", written_meanwhile)
    first = file_sha256(path)
    monkeypatch.undo()
    assert first == hashlib.sha256(b"a" * 100).hexdigest()
    assert file_sha256(path) == hashlib.sha256(b"a" * 100 + b"b").hexdigest()


def test_the_kept_digests_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest, "SETTLED_NS", 0)
    monkeypatch.setattr(manifest, "MAX_DIGESTS", 4)
    monkeypatch.setattr(manifest, "_DIGESTS", {})
    for i in range(9):
        p = tmp_path / f"f{i}"
        p.write_text(str(i))
        assert file_sha256(p) == hashlib.sha256(str(i).encode()).hexdigest()
    assert len(manifest._DIGESTS) <= 4
