"""The calibration report: observed against simulated, side by side (issue 10, part 5).

One page (``calibration_en.png/.pdf`` and ``calibration_zh.png/.pdf``): arrivals by hour
of day and by weekday in the held-out months, the close-time CDF of the largest
departments, on-time rates (observed, model, both baselines), and the daily open backlog
through the log. The bundled CJK font (``sim.report.fonts``) renders the Chinese.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import dates as mdates  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.calibrate.distances import backlog, close_hours  # noqa: E402
from sim.calibrate.profile import Timebase  # noqa: E402
from sim.report.fonts import use_cjk_font  # noqa: E402

COLORS = ("#1f5fa6", "#d9822b", "#3a9b5c", "#b8403a", "#7a5aa6")
TEXT: dict[str, dict[str, Any]] = {
    "en": {"title": "Calibration of {name}: observed vs simulated (held-out from {until})",
           "hour": "Arrivals by hour (held-out months)", "weekday": "Arrivals by weekday (held-out months)",
           "cdf": "Close time CDF, largest departments (held-out)", "ontime": "On-time rate (held-out)",
           "backlog": "Open cases at day end", "observed": "observed", "simulated": "model",
           "carry": "carry-forward", "mmc": "M/M/c", "share": "share of cases", "hours": "hours to close",
           "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], "split": "train | test",
           "cases": "cases", "hour_axis": "hour of day"},
    "zh": {"title": "{name} 校准：实际与模拟对照（{until} 起为留出期）",
           "hour": "各时段受理量（留出期）", "weekday": "各星期受理量（留出期）",
           "cdf": "办结时长累积分布：主要承办单位（留出期）", "ontime": "按期办结率（留出期）",
           "backlog": "每日末未办结工单", "observed": "实际", "simulated": "模型",
           "carry": "沿用训练期", "mmc": "M/M/c", "share": "工单占比", "hours": "办结时长（小时）",
           "days": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"], "split": "训练 | 检验",
           "cases": "工单数", "hour_axis": "时刻"},
}


def calibration_figure(observed: pd.DataFrame, simulated: pd.DataFrame, record: dict[str, Any],
                       tb: Timebase, name: str, lang: str) -> Figure:
    """The one-page report in ``lang`` (en | zh)."""
    use_cjk_font()
    t = TEXT[lang]
    fig = Figure(figsize=(15, 9), dpi=110)
    axes = fig.subplots(2, 3)
    obs_te = observed[observed["created"] >= tb.train_until]
    sim_te = simulated[(simulated["created"] >= tb.train_until) & (simulated["created"] < tb.extracted_at)]
    width = 0.4
    ax = axes[0, 0]
    for i, (df, key) in enumerate(((obs_te, "observed"), (sim_te, "simulated"))):
        share = np.bincount(pd.to_datetime(df["created"]).dt.hour, minlength=24) / max(len(df), 1)
        ax.bar(np.arange(24) + (i - 0.5) * width, share, width, color=COLORS[i], label=t[key])
    ax.set_title(t["hour"])
    ax.set_xlabel(t["hour_axis"])
    ax.set_ylabel(t["share"])
    ax.legend()
    ax = axes[0, 1]
    for i, (df, key) in enumerate(((obs_te, "observed"), (sim_te, "simulated"))):
        share = np.bincount(pd.to_datetime(df["created"]).dt.weekday, minlength=7) / max(len(df), 1)
        ax.bar(np.arange(7) + (i - 0.5) * width, share, width, color=COLORS[i], label=t[key])
    ax.set_xticks(range(7), t["days"])
    ax.set_title(t["weekday"])
    ax.legend()
    ax = axes[0, 2]
    for i, d in enumerate(list(record["departments"])[:5]):
        for df, style in ((obs_te, "-"), (sim_te, "--")):
            h = np.sort(close_hours(df[df["department"] == d]))
            h = h[np.isfinite(h)]
            if len(h):
                ax.plot(np.maximum(h, 1e-2), np.arange(1, len(h) + 1) / len(h), style, color=COLORS[i % 5],
                        label=f"{d} {t['observed' if style == '-' else 'simulated']}")
    ax.set_xscale("log")
    ax.set_xlabel(t["hours"])
    ax.set_title(t["cdf"])
    ax.legend(fontsize=6, ncol=2)
    ax = axes[1, 0]
    h = record["heldout"]
    keys = (("observed", "observed"), ("simulated", "simulated"), ("carry_forward", "carry"), ("mmc", "mmc"))
    vals = [h[k]["on_time_rate"] if h[k]["on_time_rate"] is not None else 0.0 for k, _ in keys]
    ax.bar(range(4), vals, color=COLORS[:4])
    ax.set_xticks(range(4), [t[lab] for _, lab in keys])
    for i, v in enumerate(vals):
        ax.text(i, v, f"{v:.1%}", ha="center", va="bottom")
    ax.set_ylim(0, 1.05)
    ax.set_title(t["ontime"])
    ax = fig.add_subplot(2, 3, (5, 6))
    axes[1, 1].remove()
    axes[1, 2].remove()
    days = pd.date_range(tb.train_from.normalize(), tb.extracted_at.normalize() - pd.Timedelta(days=1), freq="D")
    ax.plot(days, backlog(observed, days), color=COLORS[0], label=t["observed"])
    ax.plot(days, backlog(simulated[simulated["created"] >= tb.train_from], days), color=COLORS[1],
            label=t["simulated"])
    ax.axvline(float(mdates.date2num(tb.train_until)), color="grey", ls=":", label=t["split"])
    ax.set_ylabel(t["cases"])
    ax.set_title(t["backlog"])
    ax.legend()
    fig.suptitle(t["title"].format(name=name, until=tb.train_until.date()))
    fig.tight_layout()
    return fig


def write_report(observed: pd.DataFrame, simulated: pd.DataFrame, record: dict[str, Any], tb: Timebase,
                 name: str, out_dir: Path) -> list[Path]:
    """PNG and PDF in English and Chinese."""
    paths: list[Path] = []
    for lang in ("en", "zh"):
        fig = calibration_figure(observed, simulated, record, tb, name, lang)
        for ext in ("png", "pdf"):
            p = out_dir / f"calibration_{lang}.{ext}"
            fig.savefig(p)
            paths.append(p)
    return paths
