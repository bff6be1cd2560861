"""The page's download of a run's results: its directory as a zip, without the server's results folder.

A run's ``config.yaml``, ``overrides.txt`` and manifest name the folder it was written into
(``run.results_dir``), which on a server is the server's business, not the planner's. The zip
names that folder ``results`` instead, and the manifest it carries lists the files as the zip
holds them (the rewritten ones with their new sizes and checksums), so that it still describes
what was downloaded. The directory on the server is not touched.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
import zipfile
from pathlib import Path
from typing import Any

#: what the results folder is called in a download
SHOWN_AS = "results"
#: files larger than this are records (Parquet, league tables): never rewritten, copied as they are
TEXT_LIMIT = 1 << 20
#: the files that may hold the folder's path (a run's config, its overrides, its manifest)
TEXT_SUFFIXES = (".yaml", ".txt", ".json")
MANIFEST = "manifest.json"
#: the earliest time a zip can hold, as its local date and time
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def server_paths(out_dir: Path) -> list[str]:
    """The spellings of the run's results folder a file may hold, longest first (so none is half-replaced):
    as written and resolved, and as JSON writes them (a Chinese folder name as ``\\uXXXX`` escapes,
    a Windows path's backslashes doubled)."""
    folder = out_dir.parent
    plain = {str(folder), str(folder.resolve()), folder.resolve().as_posix()}
    plain = {s for s in plain if s not in ("", ".") and Path(s).is_absolute()}
    spelled = plain | {json.dumps(s)[1:-1] for s in plain} | {json.dumps(s, ensure_ascii=False)[1:-1] for s in plain}
    return sorted(spelled, key=len, reverse=True)


#: what may follow a folder's path where it is named whole: the end, a separator, a quote, a delimiter
_PATH_END = r"(?=$|[/\\\s\"',;\]\)}])"
#: what may come before it: the start, a space, a quote, ``=`` (an override), a delimiter; never a path's
#: own characters (``/tmp`` is not replaced inside ``/var/tmp``)
_PATH_START = r"(?<![^\s\"'=(\[{,:])"
#: a space of the path as YAML may fold it: a long plain string is broken at a space onto an indented line
_FOLDED_SPACE = r"(?:\ |\n[ ]*)"


def _pattern(path: str) -> str:
    return _PATH_START + re.escape(path).replace("\\ ", _FOLDED_SPACE) + _PATH_END


def _scrubbed(data: bytes, paths: list[str]) -> bytes:
    """``data`` with each of ``paths`` named ``SHOWN_AS`` where it is named whole (``/srv/res`` is not
    replaced inside ``/srv/res-old`` nor ``/tmp`` inside ``/var/tmp``), a path YAML folded at a space included."""
    text = data.decode("utf-8")
    for p in paths:
        text = re.sub(_pattern(p), lambda _m: SHOWN_AS, text)
    return text.encode("utf-8")


def _walked(obj: Any, paths: list[str]) -> Any:
    """A parsed JSON document with every string in it scrubbed (a string holding JSON of its own, such as
    a manifest's ``overrides``, keeps its escapes: the escaped spellings of ``paths`` catch them)."""
    if isinstance(obj, str):
        return _scrubbed(obj.encode("utf-8"), paths).decode("utf-8")
    if isinstance(obj, list):
        return [_walked(x, paths) for x in obj]
    if isinstance(obj, dict):
        return {k: _walked(v, paths) for k, v in obj.items()}
    return obj


def _scrubbed_json(data: bytes, paths: list[str]) -> bytes:
    """A JSON file scrubbed value by value (its escapes undone first), written again only if a value changed."""
    try:
        doc = json.loads(data)
    except ValueError:
        return _scrubbed(data, paths)
    new = _walked(doc, paths)
    return data if new == doc else (json.dumps(new, indent=1, sort_keys=True, default=str) + "\n").encode("utf-8")


def results_zip(out_dir: Path) -> bytes:
    """``out_dir`` as a zip (in memory) under its own name, the results folder's path named ``results``."""
    paths = server_paths(out_dir)
    changed: dict[str, bytes] = {}
    files = sorted(p for p in out_dir.rglob("*") if p.is_file())
    for p in files:
        if p.suffix in TEXT_SUFFIXES and p.stat().st_size <= TEXT_LIMIT:
            data = p.read_bytes()
            try:
                new = _scrubbed_json(data, paths) if p.suffix == ".json" else _scrubbed(data, paths)
            except UnicodeDecodeError:
                continue
            if new != data:
                changed[p.relative_to(out_dir).as_posix()] = new
    manifest = out_dir / MANIFEST
    if manifest.is_file():
        changed[MANIFEST] = _manifest_of(changed.get(MANIFEST, manifest.read_bytes()), changed)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in files:
            rel = p.relative_to(out_dir).as_posix()
            name = (Path(out_dir.name) / rel).as_posix()
            if rel in changed:  # stamped with its file's time, as the copied ones are: the same run, the same zip
                st = p.stat()
                stamp = max(tuple(time.localtime(st.st_mtime)[:6]), ZIP_EPOCH)
                info = zipfile.ZipInfo(name, date_time=stamp)  # type: ignore[arg-type]
                info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, (st.st_mode & 0xFFFF) << 16
                z.writestr(info, changed[rel])
            else:
                z.write(p, name)
    return buf.getvalue()


def _manifest_of(raw: bytes, changed: dict[str, bytes]) -> bytes:
    """The manifest with the rewritten files' sizes and checksums as the zip holds them."""
    try:
        doc = json.loads(raw)
    except ValueError:
        return raw  # not one gridsim wrote: left as it is
    entries = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(entries, dict):
        return raw
    for rel, data in changed.items():
        if rel in entries and rel != MANIFEST:
            entries[rel] = {**entries[rel], "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    # laid out as sim.runs.manifest writes it
    return (json.dumps(doc, indent=1, sort_keys=True, default=str) + "\n").encode("utf-8")
