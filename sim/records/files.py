"""A run's records as files: matters.parquet, visits.parquet and stations.parquet, with labels and units."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sim.records import labels as lab
from sim.records.parquet import write_table
from sim.records.schema import Records


def write_records(rec: Records, directory: str | Path, *, visits: bool = True) -> list[Path]:
    """Write matters.parquet, visits.parquet (unless ``visits=False``) and stations.parquet; return the paths.

    The matter and visit tables go straight from their numpy columns to Parquet (no
    DataFrame copy; ``sim.records.parquet``), the two at once (pyarrow releases the GIL); their code
    columns read back with ``pd.read_parquet`` exactly as ``matters_frame()`` / ``visits_frame()``,
    followed by label columns and a schema version (``sim.records.labels``).
    """
    d = Path(directory)
    out = [d / "matters.parquet", d / "visits.parquet", d / "stations.parquet"]
    m_labels = lab.matter_labels(rec)
    with ThreadPoolExecutor(max_workers=1) as pool:
        if visits:
            v_labels = lab.visit_labels(rec)
            written = pool.submit(write_table, rec.visits, out[1], v_labels,
                                  lab.metadata("visits", v_labels, lab.VISIT_UNITS))
        write_table(rec.matters, out[0], m_labels, lab.metadata("matters", m_labels, lab.MATTER_UNITS))
        rec.stations_frame().to_parquet(out[2], index=False)  # a few hundred rows, with strings
        if visits:
            written.result()
    return out if visits else [out[0], out[2]]
