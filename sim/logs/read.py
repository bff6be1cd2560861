"""Reading a log file (CSV, compressed CSV or Parquet) into a table of the mapped columns.

Every problem with the file itself is one ``ConfigError`` naming the file, and the
line / row and column where it is: not found, unreadable, not valid text in the
mapping's encoding, a malformed CSV line, a column the mapping names but the file
lacks. A compressed file (gzip, bzip2 or xz) is recognised by its first bytes, never by its
name: a ``.csv.gz`` that is plain text is read as text, a gzip named ``.csv`` is unpacked.
Cells come back as text (``""`` for an empty cell), except a Parquet column
that already holds times, which stays a datetime column.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import zlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sim.logs.mapping import LogMapping
from sim.util.errors import ConfigError

_PARQUET_MAGIC = b"PAR1"
#: the first bytes of each compression a log may come in, its name and how to unpack it
_COMPRESSED: tuple[tuple[bytes, str, Callable[[bytes], bytes]], ...] = (
    (b"\x1f\x8b", "gzip", gzip.decompress),
    (b"BZh", "bzip2", bz2.decompress),
    (b"\xfd7zXZ\x00", "xz", lzma.decompress),
)


def _read_bytes(p: Path) -> bytes:
    if not p.exists():
        raise ConfigError(str(p), "log file not found")
    if not p.is_file():
        raise ConfigError(str(p), "not a file")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ConfigError(str(p), f"cannot be read ({e.strerror or type(e).__name__})") from None
    for magic, name, unpack in _COMPRESSED:
        if data.startswith(magic):
            try:
                return unpack(data)
            except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as e:
                raise ConfigError(str(p), f"not a readable {name} file ({e})") from None
    return data


def _decode(p: Path, data: bytes, encoding: str) -> str:
    tries = ["utf-8-sig", "gb18030"] if encoding == "auto" else [
        "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding]
    for i, enc in enumerate(tries):
        try:
            return data.decode(enc)
        except UnicodeDecodeError as e:
            if i + 1 < len(tries):
                continue
            line = data[: e.start].count(b"\n") + 1
            raise ConfigError(str(p), f"line {line}: not valid {encoding} text (set the mapping's encoding, "
                                      "e.g. gb18030 or auto)") from None
    raise AssertionError("unreachable")


def _missing(p: Path, header: list[str], m: LogMapping) -> None:
    have = set(header)
    for fld, col in m.columns.items():
        if col not in have:
            shown = ", ".join(header[:12]) + (", ..." if len(header) > 12 else "")
            raise ConfigError(str(p), f"header: no column {col!r} (columns.{fld} of mapping {m.source}); "
                                      f"the file has: {shown}")


def _clean_header(names: list[object]) -> list[str]:
    return [str(h).strip().lstrip("\ufeff") for h in names]


def read_log_table(path: str | Path, m: LogMapping) -> pd.DataFrame:
    """The log's mapped columns, one row per data row, indexed 1.. (the header is not a row)."""
    p = Path(path)
    data = _read_bytes(p)
    if data[:4] == _PARQUET_MAGIC:  # by content, as compression: a CSV named .parquet is a CSV
        df = _read_parquet(p, data, m)
    else:
        df = _read_csv(p, data, m)
    df.index = pd.RangeIndex(1, len(df) + 1, name="row")
    return df


def _read_parquet(p: Path, data: bytes, m: LogMapping) -> pd.DataFrame:
    try:
        raw = pd.read_parquet(io.BytesIO(data))
    except Exception as e:  # pyarrow raises many types for a damaged file
        raise ConfigError(str(p), f"not a readable Parquet file ({type(e).__name__})") from None
    raw.columns = pd.Index(_clean_header(list(raw.columns)))
    _missing(p, list(raw.columns), m)
    out = {}
    for col in dict.fromkeys(m.columns.values()):
        s = raw[col]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[col] = s
        else:
            # text as the CSV reader gives it: "" for a missing value
            out[col] = s.astype("string").fillna("").astype(object)
    return pd.DataFrame(out)


_LINE = re.compile(r"line (\d+)")
#: the C parser names where an unclosed quote starts by its row counted from 0 (the header is row 0)
_QUOTE_ROW = re.compile(r"starting at row (\d+)")


def _read_csv(p: Path, data: bytes, m: LogMapping) -> pd.DataFrame:
    text = _decode(p, data, m.encoding)
    if not text.strip():
        raise ConfigError(str(p), "the file is empty (expected a header row)")
    try:
        header = pd.read_csv(io.StringIO(text), sep=m.delimiter, nrows=0, dtype=str)
    except (pd.errors.ParserError, ValueError) as e:
        raise ConfigError(str(p), f"line 1: not a readable CSV header ({_first_line(e)})") from None
    names = _clean_header(list(header.columns))
    _missing(p, names, m)
    wanted = list(dict.fromkeys(m.columns.values()))
    try:
        # every column is read (not usecols), so that a line with too many fields is an error;
        # a short line's missing cells are empty, as spreadsheets write them
        df = pd.read_csv(io.StringIO(text), sep=m.delimiter, dtype=str, keep_default_na=False, na_filter=False,
                         header=0, names=names, engine="c")[wanted]
    except pd.errors.ParserError as e:
        found, quote = _LINE.search(str(e)), _QUOTE_ROW.search(str(e))
        where = (f"line {found.group(1)}: " if found
                 else f"line {int(quote.group(1)) + 1}: a quote opened here is never closed; " if quote else "")
        raise ConfigError(str(p), f"{where}malformed CSV ({_first_line(e)})") from None
    return df


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
