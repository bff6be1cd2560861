"""Strict JSON: what every gridsim JSON output is written with.

Python's ``json`` writes ``NaN`` and ``Infinity`` literals, which JSON does not have
(JavaScript's ``JSON.parse`` and strict parsers reject them). An undefined number (a
one-replication half-width, an infinite utilisation) is written as ``null`` instead.
"""

from __future__ import annotations

import json
import math
from typing import Any


def strict(obj: Any) -> Any:
    """``obj`` with every non-finite float (numpy scalars included) replaced by None."""
    if isinstance(obj, dict):
        return {k: strict(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [strict(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str | bytes):  # numpy scalars
        try:
            obj = obj.item()
        except (TypeError, ValueError):
            return str(obj)
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` of ``strict(obj)``; raises ValueError rather than write a non-JSON number."""
    kwargs.setdefault("default", str)
    return json.dumps(strict(obj), allow_nan=False, **kwargs)
