"""The page's results download: the run's directory, without the server's own folder path."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

import sim
from sim.app.download import SHOWN_AS, results_zip


def test_the_download_names_no_server_path_and_its_manifest_matches_what_it_holds(tmp_path: Path) -> None:
    where = tmp_path / "srv" / "网格结果"  # a Chinese folder name: JSON writes it as \\u escapes
    res = sim.run(["territory=township", "run.horizon_days=30", "run.warmup_days=5", "report.charts=false",
                   "run.write_records=false", f"run.results_dir='{where}'"])  # quoted: not ASCII
    assert res.out_dir is not None
    raw = {p.name: p.read_bytes() for p in res.out_dir.iterdir() if p.is_file()}
    assert str(where).encode() in raw["config.yaml"]  # the run's own directory keeps its config as it ran

    with zipfile.ZipFile(io.BytesIO(results_zip(res.out_dir))) as z:
        got = {Path(n).name: z.read(n) for n in z.namelist()}
        assert all(Path(n).parts[0] == res.out_dir.name for n in z.namelist())
    assert set(got) == set(raw)
    for name, data in got.items():
        assert str(tmp_path).encode() not in data, name
    assert f"results_dir: {SHOWN_AS}".encode() in got["config.yaml"]
    manifest = json.loads(got["manifest.json"])
    for name, entry in manifest["files"].items():
        assert entry["bytes"] == len(got[name]) and entry["sha256"] == hashlib.sha256(got[name]).hexdigest(), name
    # a file without the path travels as it was written
    assert got["kpis.json"] == raw["kpis.json"]
    assert res.out_dir.joinpath("config.yaml").read_bytes() == raw["config.yaml"]  # the server's copy untouched


def test_a_path_is_replaced_only_where_it_is_named_whole() -> None:
    from sim.app.download import _scrubbed

    text = b'results_dir: /srv/res\nold: /srv/res-old/x\nrun: "/srv/res/run1"\n'
    assert _scrubbed(text, ["/srv/res"]) == b'results_dir: results\nold: /srv/res-old/x\nrun: "results/run1"\n'


def test_a_path_inside_another_path_is_left_alone() -> None:
    """A results folder ``/tmp`` is not replaced inside ``/var/tmp`` (nor ``/data`` inside ``/mnt/data``)."""
    from sim.app.download import _scrubbed

    text = b"a: /var/tmp/x\nunits_file=/mnt/data/u.csv\nb=/tmp/y\n"
    assert _scrubbed(text, ["/tmp"]) == b"a: /var/tmp/x\nunits_file=/mnt/data/u.csv\nb=results/y\n"
    assert _scrubbed(text, ["/data"]) == text


def test_a_long_path_the_yaml_folded_at_a_space_is_replaced() -> None:
    from omegaconf import OmegaConf

    from sim.app.download import _scrubbed

    folder = "/srv/planning office/shared results of the county's reform/what-if runs of the year"
    written = OmegaConf.to_yaml({"run": {"results_dir": folder, "seed": 1}}).encode()
    assert folder.encode() not in written  # folded onto a second line
    assert _scrubbed(written, [folder]) == b"run:\n  results_dir: results\n  seed: 1\n"


def test_two_downloads_of_one_run_are_the_same_bytes(tmp_path: Path) -> None:
    run = tmp_path / "res" / "20261207-120000-township-baseline"
    run.mkdir(parents=True)
    (run / "config.yaml").write_text(f"run:\n  results_dir: {run.parent}\n")
    (run / "kpis.json").write_text("{}\n")
    first = results_zip(run)
    import time

    time.sleep(2.1)  # a zip's clock ticks in two seconds
    assert results_zip(run) == first


def test_a_file_older_than_a_zip_can_date_is_stamped_1980_whatever_the_time_zone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import time

    run = tmp_path / "res" / "20261207-120000-township-baseline"
    run.mkdir(parents=True)
    conf = run / "config.yaml"
    conf.write_text(f"run:\n  results_dir: {run.parent}\n")
    os.utime(conf, (0, 0))  # 1970, west of Greenwich still 1969
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        with zipfile.ZipFile(io.BytesIO(results_zip(run))) as z:
            assert z.getinfo(f"{run.name}/config.yaml").date_time == (1980, 1, 1, 0, 0, 0)
    finally:
        monkeypatch.undo()
        time.tzset()
