"""A run's records as files: matters.parquet, visits.parquet and stations.parquet, with labels and units."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sim.records import labels as lab
from sim.records.parquet import write_table
from sim.records.schema import Records


def write_records(rec: Records, directory: str | Path, *, visits: bool = True,
                  on_written: Callable[[Path], None] | None = None) -> list[Path]:
    """Write matters.parquet, visits.parquet (unless ``visits=False``) and stations.parquet; return the paths.

    The matter and visit tables go straight from their numpy columns to Parquet (no
    DataFrame copy; ``sim.records.parquet``), the two at once (pyarrow releases the GIL); their code
    columns read back with ``pd.read_parquet`` exactly as ``matters_frame()`` / ``visits_frame()``,
    followed by label columns and a schema version (``sim.records.labels``). Each table's labels
    are made in the thread that writes it. ``on_written(path)`` is called in that thread as soon as
    a file is whole (the run's manifest hashes it there, while the other file is still being written,
    and from the page cache).
    """
    d = Path(directory)
    out = [d / "matters.parquet", d / "visits.parquet", d / "stations.parquet"]
    done = on_written or (lambda _p: None)

    def write(path: Path, table: Any, labels: Callable[[Records], dict[str, Any]], name: str,
              units: dict[str, str]) -> None:
        extra = labels(rec)
        write_table(table, path, extra, lab.metadata(name, extra, units))
        done(path)

    with ThreadPoolExecutor(max_workers=1) as pool:
        if visits:
            written = pool.submit(write, out[1], rec.visits, lab.visit_labels, "visits", lab.VISIT_UNITS)
        write(out[0], rec.matters, lab.matter_labels, "matters", lab.MATTER_UNITS)
        rec.stations_frame().to_parquet(out[2], index=False)  # a few hundred rows, with strings
        done(out[2])
        if visits:
            written.result()
    return out if visits else [out[0], out[2]]
