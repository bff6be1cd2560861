"""The manifest takes the entries its files' writers made (a streamed run's workers hash their own parts)."""

from __future__ import annotations

import json
from pathlib import Path

from sim.runs.manifest import MANIFEST, file_sha256, verify, write_manifest


def test_known_entries_are_taken_and_a_resized_file_is_hashed_again(tmp_path: Path) -> None:
    (tmp_path / "matters").mkdir()
    part, other = tmp_path / "matters" / "part.parquet", tmp_path / "kpis.json"
    part.write_bytes(b"x" * 10)
    other.write_bytes(b"{}")
    known = {"matters/part.parquet": {"bytes": 10, "sha256": file_sha256(part)},
             "kpis.json": {"bytes": 5, "sha256": "stale"}}  # not its size: hashed here
    write_manifest(tmp_path, None, known)
    files = json.loads((tmp_path / MANIFEST).read_text())["files"]
    assert files == {"matters/part.parquet": known["matters/part.parquet"],
                     "kpis.json": {"bytes": 2, "sha256": file_sha256(other)}}
    assert verify(tmp_path) is None
