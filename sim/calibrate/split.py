"""A category handled by several departments becomes one model category per department.

The model sends every matter of a category to one department (``sim.calibrate.model``), and a
log's department column says who handled each case. Where a category is handled by more than one
department (a "general comment" answered by the information office or by public works, graffiti
removed by property management or by public works), sending all of it to the department that
handled most of it gives that department the other departments' cases, their pace and their
share left open, and takes them from the departments that did handle them. So a category's cases
handled by a department other than its main one, where that department has at least
``MIN_ROWS`` of them in the training window, become a category of their own, named
``"<category> (<department>)"``, in the training and the held-out months alike (the held-out
months are read with the training months' categories). Fewer cases than that stay with the main
department: a handful of cases identify no share or pace of their own. A log without a department
column has nothing to split.
"""

from __future__ import annotations

import pandas as pd

from sim.calibrate.profile import MIN_ROWS


def split_by_department(cases: pd.DataFrame, train_until: pd.Timestamp) -> tuple[pd.DataFrame, int]:
    """The cases with such categories renamed, and how many categories were added."""
    dept = cases["department"]
    tr = cases[(cases["created"] < train_until) & dept.notna()]
    if tr.empty:
        return cases, 0
    counts = tr.groupby(["category", "department"], sort=True).size().reset_index(name="n")
    # each category's main department: the one with most training cases (ties: the first by name)
    main = counts.sort_values(["category", "n"], ascending=[True, False], kind="stable") \
        .drop_duplicates("category").set_index("category")["department"]
    extra = [(str(c), str(d)) for c, d, n in counts.itertuples(index=False) if n >= MIN_ROWS and d != main[c]]
    if not extra:
        return cases, 0
    taken = set(cases["category"].dropna().astype(str))
    rename: dict[tuple[str, str], str] = {}
    for c, d in extra:
        name = f"{c} ({d})"
        while name in taken:  # a log whose own categories already hold that name
            name += "'"
        taken.add(name)
        rename[(c, d)] = name
    out = cases.copy()
    out["category"] = [rename.get((str(c), str(d)), c) if pd.notna(d) else c
                       for c, d in zip(cases["category"], dept, strict=True)]
    return out, len(rename)
