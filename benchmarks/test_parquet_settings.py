"""Parquet settings for the record files: write time against size (issue 21 item 1).

Run: ``pytest benchmarks/test_parquet_settings.py --benchmark-enable -s``. A county year's
matter and visit tables (about 0.46 and 0.93 million rows, with their label columns) are
written with each setting in turn, three rounds alternating, the median kept:
``sim.records.parquet.write_table``'s own (integers delta-encoded, doubles plain, labels
dictionary-encoded, no compression, no statistics) beside the alternatives: a codec
(snappy, lz4, zstd level 1), no delta encoding, a dictionary for every column, pandas'
defaults, and other row-group sizes. pyarrow encodes one file's columns on one thread
whatever the setting (its writer does not expose threads), so the two files are written
side by side (``sim.records.files``) and in the background of the KPI work (``sim.runs.api``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

import sim
from sim.records import labels as lab
from sim.records.parquet import _required_where_null_free, arrow_table

Settings = Callable[[list[str], list[str]], dict[str, Any]]


def _ours(ints: list[str], labels: list[str], **more: Any) -> dict[str, Any]:
    return {"use_dictionary": labels, "compression": "none", "write_statistics": False,
            "column_encoding": dict.fromkeys(ints, "DELTA_BINARY_PACKED"), **more}


SETTINGS: dict[str, Settings] = {
    "ours": _ours,
    "ours + snappy": lambda i, lb: _ours(i, lb, compression="snappy"),
    "ours + lz4": lambda i, lb: _ours(i, lb, compression="lz4"),
    "ours + zstd 1": lambda i, lb: _ours(i, lb, compression="zstd", compression_level=1),
    "ours, plain integers": lambda i, lb: dict(use_dictionary=lb, compression="none", write_statistics=False),
    "ours, dictionary everywhere": lambda i, lb: dict(use_dictionary=True, compression="none",
                                                      write_statistics=False),
    "ours, row groups of 128 Ki rows": lambda i, lb: _ours(i, lb, row_group_size=1 << 17),
    "ours, row groups of 4 Mi rows": lambda i, lb: _ours(i, lb, row_group_size=1 << 22),
    "pandas' defaults (dictionary, snappy, statistics)": lambda i, lb: {},
}


def test_parquet_write_time_against_size(benchmark: Any, tmp_path: Path) -> None:
    rec = sim.run(["territory=county", "engine=vector", "run.reuse=false"], write=False).records
    assert rec is not None
    tables = []
    for obj, labels in ((rec.matters, lab.matter_labels(rec)), (rec.visits, lab.visit_labels(rec))):
        t = _required_where_null_free(arrow_table(obj))
        ints = [f.name for f in t.schema if pa.types.is_integer(f.type)]
        for name, array in labels.items():
            t = t.append_column(pa.field(name, array.type), array)
        tables.append((t, ints, list(labels)))
    seconds: dict[str, list[float]] = {k: [] for k in SETTINGS}
    size: dict[str, int] = {}
    for _ in range(3):
        for name, settings in SETTINGS.items():
            t0, total = time.perf_counter(), 0
            for k, (t, ints, label_names) in enumerate(tables):
                path = tmp_path / f"{k}.parquet"
                pq.write_table(t, path, **settings(ints, label_names))
                total += path.stat().st_size
            seconds[name].append(time.perf_counter() - t0)
            size[name] = total
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    ours = statistics.median(seconds["ours"])
    table = {name: {"seconds": statistics.median(s), "mb": size[name] / 1e6,
                    "time_vs_ours": statistics.median(s) / ours, "size_vs_ours": size[name] / size["ours"]}
             for name, s in seconds.items()}
    benchmark.extra_info.update(rows={"matters": tables[0][0].num_rows, "visits": tables[1][0].num_rows},
                                settings=table)
    for name, row in table.items():
        print(f"{name:50s} {row['seconds']:6.2f} s {row['mb']:7.1f} MB  time x{row['time_vs_ours']:.2f} "
              f"size x{row['size_vs_ours']:.2f}")
