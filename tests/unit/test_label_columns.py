"""The Parquet label columns made in one compiled pass equal the plain numpy construction they replace."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from sim.records import labels as lab


def _reference(rows: np.ndarray, index: np.ndarray, labels: list[str]) -> pa.DictionaryArray:
    """What the columns were before: a mask of rows outside ``index``, the gathered int32 indices."""
    rows = np.asarray(rows, dtype=np.int64)
    bad = (rows < 0) | (rows >= len(index))
    idx = np.asarray(index, dtype=np.int32)[np.where(bad, 0, rows)]
    return pa.DictionaryArray.from_arrays(pa.array(idx, mask=bad if bad.any() else None, type=pa.int32()),
                                          pa.array(labels, pa.string()))


LABELS = [f"C01-T{t:02d}" for t in range(5)]


@pytest.mark.parametrize("rows", [np.array([0, 4, 2, 2, 1], np.int32), np.array([0, -1, 3, 5, 4], np.int32),
                                  np.array([3, -1, 7, 0], np.int64), np.array([], np.int32)])
def test_row_labels_equal_the_masked_gather(rows: np.ndarray) -> None:
    got = lab._rows(rows, LABELS)
    assert got.equals(_reference(rows, np.arange(len(LABELS)), LABELS))
    assert got.to_pylist() == [LABELS[r] if 0 <= r < len(LABELS) else None for r in rows]


@pytest.mark.parametrize("index", [np.arange(5), np.array([0, 0, 1, 2, 2])])
@pytest.mark.parametrize("grid", [np.array([4, 0, 3, 3, 1, 2], np.int32), np.array([4, -1, 3, 9, 1], np.int32)])
def test_unit_codes_through_the_grid_equal_the_masked_gather(grid: np.ndarray, index: np.ndarray) -> None:
    assert lab._grid_dictionary(grid, index, LABELS).equals(_reference(grid, index, LABELS))


def test_valid_int32_rows_are_the_indices_without_a_copy() -> None:
    rows = np.arange(1_000, dtype=np.int32) % len(LABELS)
    indices = lab._rows(rows, LABELS).indices
    assert indices.null_count == 0
    assert indices.buffers()[1].address == rows.ctypes.data  # the column itself, not a copy
