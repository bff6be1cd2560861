"""The documentation site builds in strict mode: a broken link, anchor, snippet or API reference fails.

``mkdocs build --strict`` runs on the repository's ``mkdocs.yml`` into a temporary directory
(nothing is written into the checkout). MkDocs, the Material theme and mkdocstrings are in the
``test`` extra, so the test is never skipped. The step order table of the model page is generated
from ``sim.engines.steps.STEPS`` by ``docs/hooks/steps_table.py``; the test checks that every step
reaches the page.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from sim.engines.steps import STEPS

ROOT = Path(__file__).resolve().parents[2]


def _build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of ``project`` into ``site`` (not ``-q``: it hides the warnings strict
    mode counts, and the build would pass)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)


def test_site_builds_in_strict_mode(tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = _build(ROOT, site)
    assert done.returncode == 0, done.stdout + done.stderr
    model = (site / "model" / "index.html").read_text(encoding="utf-8")
    assert "<!-- steps-table -->" not in model
    for step in STEPS:
        assert f"<td>{step.name}</td>" in model, f"step {step.name} is missing from the generated table"
    api = (site / "outputs-api" / "index.html").read_text(encoding="utf-8")
    assert 'id="sim.runs.api.run"' in api  # the API reference was generated from the docstrings


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "docs", project / "docs")
    shutil.copy(ROOT / "mkdocs.yml", project)
    shutil.copy(ROOT / "CHANGELOG.md", project)
    with open(project / "docs" / "engines.md", "a", encoding="utf-8") as page:
        page.write("\nSee [a page that does not exist](no-such-page.md).\n")
    done = _build(project, tmp_path / "site")
    assert done.returncode != 0
    assert "no-such-page.md" in done.stdout + done.stderr


def test_the_readme_is_short_and_its_links_stay_in_the_repository() -> None:
    """The README is the front page (at most ~250 lines); the rest is the site. Every link in it is a
    relative path to a file or folder of the repository (the site's strict build does not read it)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    assert links, "the README links to the documentation pages"
    for link in links:
        if link.startswith("#"):
            continue
        assert "://" not in link and not link.startswith("/"), f"{link}: a link outside the repository"
        target = (ROOT / link.split("#")[0]).resolve()
        assert target.is_relative_to(ROOT) and target.exists(), f"{link}: no such file in the repository"
