"""Random log rows: every row is imported or rejected, and the cases keep the contract.

Each example writes a small CSV whose cells are drawn from good values, near misses
(empty, blank, garbled times, unknown channels and statuses, duplicate ids) and
arbitrary text; the import must account for every row and never raise.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.logs import CASE_COLUMNS, REASONS, load_log

MAPPING = {
    "columns": {"case_id": "id", "created": "created", "closed": "closed", "due": "due", "channel": "how",
                "status": "state", "type": "kind", "satisfaction": "score", "place1": "town", "place2": "village"},
    "time": {"format": "%Y-%m-%d %H:%M:%S"},
    "channels": {"call": "hotline", "app": "app", "staff": "patrol"},
    "status": {"open": ["Open"], "closed": ["Closed"]},
}
TIMES = st.one_of(st.sampled_from(["", " ", "2024-01-01 08:00:00", "2024-01-03 17:30:00", "2024-02-30 10:00:00",
                                   "2024-01-02", "yesterday", "2024-01-02 08:00:00 "]),
                  st.datetimes(min_value=pd.Timestamp("2023-12-01").to_pydatetime(),
                               max_value=pd.Timestamp("2024-03-01").to_pydatetime())
                  .map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")))
TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r\n"), max_size=6)
ROW = st.fixed_dictionaries({
    "id": st.one_of(st.sampled_from(["", "A1", "A2", "A3"]), TEXT),
    "created": TIMES, "closed": TIMES, "due": TIMES,
    "how": st.one_of(st.sampled_from(["call", "app", "staff", "", "fax"]), TEXT),
    "state": st.sampled_from(["Open", "Closed", "", "Void"]),
    "kind": st.one_of(st.sampled_from(["pothole", "noise", ""]), TEXT),
    "score": st.sampled_from(["", "1", "0", "0.5", "good"]),
    "town": st.sampled_from(["", "North", "South"]), "village": TEXT,
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=25))
def test_every_row_is_accounted_for(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    p = tmp_path / "log.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    log = load_log(p, MAPPING, allow_empty=True)  # a random file may have no good row
    r = log.report
    assert r.rows_read == r.imported + sum(r.rejected.values())
    assert set(r.rejected) <= set(REASONS) and all(v > 0 for v in r.rejected.values())
    assert len(r.rejects) == sum(r.rejected.values()) and r.rejects["row"].is_unique
    c = log.cases
    assert list(c.columns) == list(CASE_COLUMNS) and len(c) == r.imported
    assert c["case_id"].is_unique and (c["case_id"] != "").all()
    assert c["created"].notna().all() and (c["created"] <= log.extracted_at).all()
    assert (c["closed"].isna() | (c["closed"] >= c["created"])).all()
    assert (c["is_open"] == c["closed"].isna()).all()
    assert set(c["channel"]) <= {"hotline", "app", "patrol"}
    assert set(c.index) | set(r.rejects["row"]) == set(range(1, r.rows_read + 1))
