"""Write ``tests/data/12345_sample.csv``: a small synthetic 12345 export with Chinese headers.

Run from the checkout root: ``python tests/data/make_12345_sample.py``. The file is
deterministic (seeded); it holds 48 cases that import cleanly and one row for every
reason a row can be rejected for (``REJECT_ROWS`` below says which row is which), so
the import tests can check every reason against a file a user could have exported.
Three reasons need a status column, so the file has one (办理状态) that the shipped
``12345`` mapping does not read; a test adds it to the mapping.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("12345_sample.csv")
HEADER = ["工单编号", "受理时间", "派单时间", "办结时间", "办理时限", "诉求类型", "承办单位", "来源渠道",
          "回访满意度", "所属街道", "所属社区", "办理状态"]
PLACES = [("城关街道", "东门社区"), ("城关街道", "西门社区"), ("城关街道", "南街社区"),
          ("河口镇", "河口村"), ("河口镇", "柳树村")]
TYPES = [("矛盾纠纷", "司法局"), ("环境卫生", "城管局"), ("设施维修", "住建局"), ("政策咨询", "人社局"),
         ("噪音扰民", "公安分局")]
CHANNELS = ["12345热线", "电话", "网格员上报", "微信", "来访", "兼职网格员"]
N_GOOD = 48
#: the extraction time the censoring test passes (the file's last case is created after it)
EXTRACTED_AT = "2024-03-30 00:00:00"


def good_rows(rng: np.random.Generator) -> list[dict[str, str]]:
    rows = []
    start = np.datetime64("2024-03-01T08:00:00")
    for i in range(N_GOOD):
        created = start + np.timedelta64(int(i * 13.5 * 3600 + rng.integers(0, 3600)), "s")
        open_ = i % 6 == 5  # every sixth case still being handled
        hours = float(rng.exponential(40.0)) + 0.5
        closed = created + np.timedelta64(int(hours * 3600), "s")
        due = created + np.timedelta64(5 * 24 * 3600, "s")
        typ, dept = TYPES[i % len(TYPES)]
        street, community = PLACES[i % len(PLACES)]
        if i == 7:
            street, community = "", ""  # a case with no place: it goes to the "unknown" unit
        # half the rows in the slash format with minutes only, as some exports write them
        fmt = (lambda t: str(t).replace("T", " ")) if i % 2 == 0 else (
            lambda t: str(t)[:16].replace("-", "/").replace("T", " "))
        rows.append({
            "工单编号": f"GD2024{i + 1:05d}",
            "受理时间": fmt(created),
            "派单时间": fmt(created + np.timedelta64(600, "s")),
            "办结时间": "" if open_ else fmt(closed),
            "办理时限": "" if i % 10 == 3 else fmt(due),
            "诉求类型": typ,
            "承办单位": dept,
            "来源渠道": CHANNELS[i % len(CHANNELS)],
            "回访满意度": "" if open_ else ("不满意" if i % 7 == 0 else "满意"),
            "所属街道": street,
            "所属社区": community,
            "办理状态": "办理中" if open_ else "已办结",
        })
    # the last case is created after EXTRACTED_AT and closed after it too
    rows[-1]["受理时间"], rows[-1]["办结时间"] = "2024-03-30 09:00:00", "2024-03-30 17:00:00"
    rows[-1]["办理状态"], rows[-1]["回访满意度"] = "已办结", "满意"
    # one closed before EXTRACTED_AT's censoring bites: created before, closed after -> censored
    rows[-2]["受理时间"], rows[-2]["办结时间"] = "2024-03-29 10:00:00", "2024-03-30 11:00:00"
    return rows


#: reason -> the fields that make an otherwise good row fail (only that check)
REJECT_ROWS: dict[str, dict[str, str]] = {
    "empty_case_id": {"工单编号": ""},
    "empty_created": {"受理时间": ""},
    "unparseable_created": {"受理时间": "2024-13-45 25:00:00"},
    "unparseable_closed": {"办结时间": "昨天下午"},
    "unparseable_due": {"办理时限": "五个工作日"},
    "empty_type": {"诉求类型": ""},
    "unknown_channel": {"来源渠道": "信鸽"},
    "unparseable_satisfaction": {"回访满意度": "还行吧"},
    "closed_before_created": {"受理时间": "2024-03-10 12:00:00", "办结时间": "2024-03-10 09:00:00"},
    "duplicate_case_id": {"工单编号": "GD202400002"},
    # these three need the status column (a test maps 办理状态)
    "unknown_status": {"办理状态": "已作废"},
    "open_with_closed_time": {"办理状态": "办理中"},
    "closed_without_time": {"办结时间": "", "回访满意度": "", "办理状态": "已办结"},
}


def reject_rows() -> list[dict[str, str]]:
    base = {"受理时间": "2024-03-12 10:00:00", "派单时间": "2024-03-12 10:10:00", "办结时间": "2024-03-13 15:00:00",
            "办理时限": "2024-03-17 10:00:00", "诉求类型": "环境卫生", "承办单位": "城管局", "来源渠道": "微信",
            "回访满意度": "满意", "所属街道": "城关街道", "所属社区": "东门社区", "办理状态": "已办结"}
    out = []
    for i, (_reason, change) in enumerate(REJECT_ROWS.items()):
        row = {"工单编号": f"BAD2024{i + 1:03d}", **base}
        row.update(change)
        out.append(row)
    return out


def rows() -> list[dict[str, str]]:
    good = good_rows(np.random.default_rng(20240301))
    bad = reject_rows()
    # the rejects interleaved with good rows (after row 3, every fourth row), the duplicate after its original
    out: list[dict[str, str]] = []
    for i, r in enumerate(good):
        out.append(r)
        if i >= 3 and (i - 3) % 3 == 0 and bad:
            out.append(bad.pop(0))
    out.extend(bad)
    return out


def main() -> None:
    with OUT.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, fieldnames=HEADER)
        w.writeheader()
        w.writerows(rows())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
