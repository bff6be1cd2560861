"""Is a log big enough to fit? Checked before anything is written (issue 18, item 4).

A preset fitted to a handful of cases looks like any other preset and is not one: the
handling side of a department is searched against its close times, and a dozen cases
(or none closed) fit any staffing. So calibrate stops with one line (a ``ConfigError``,
exit 2) when the training window holds fewer than ``MIN_CLOSED_TRAINING`` closed cases,
or when no case falls in the held-out window; a department with fewer than
``MIN_DEPARTMENT_ROWS`` training cases is fitted together with the other small ones
(``profile.POOLED``), with a printed warning.
"""

from __future__ import annotations

import pandas as pd

from sim.util.errors import ConfigError

#: closed cases the training window needs (a department's fit reads its own close times:
#: fewer than this over the whole log leave the handling side of every department unidentified)
MIN_CLOSED_TRAINING = 200


def check_usable(cases: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame) -> None:
    """Raise ``ConfigError('log', ...)`` when the log cannot be fitted and validated."""
    if len(cases) == 0:
        raise ConfigError("log", "has no case to fit")
    closed = int(train["closed"].notna().sum())
    if closed < MIN_CLOSED_TRAINING:
        what = "every case is open" if cases["closed"].notna().sum() == 0 else (
            f"{closed:,} of its {len(train):,} training cases are closed")
        raise ConfigError("log", f"is too small to fit: {what}; calibrate needs at least {MIN_CLOSED_TRAINING} "
                                 "closed cases before train_until (a longer log, or a later train_until)")
    if len(test) == 0:
        raise ConfigError("train_until", "leaves no case in the held-out window: choose an earlier date")
