"""What a planner does on the page, as small steps the browser tests share."""

from __future__ import annotations

import re
from typing import Any

FULLTIME = "full-time workers per grid (people; allowed 0 to 10,000)"
HOUSEHOLDS = "households per grid (households; allowed 1 to 1,000,000)"
REPLICATIONS = "replications (runs; allowed 1 to 10,000)"
HORIZON = "simulated time (days; allowed 1 to 36,500)"
WARMUP = "warm-up left out of the KPIs (days; allowed 0 to 36,500)"
#: a short township run: each what-if answers in a few seconds
SHORT = ((REPLICATIONS, "2"), (HORIZON, "20"), (WARMUP, "2"))


def set_field(page: Any, label: str | re.Pattern[str], value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    page.wait_for_timeout(300)
    settle(page)


def choose(page: Any, label: str, option: str) -> None:
    """Pick ``option`` of the selectbox ``label`` (its list opens on a click; a rerun may close it: again)."""
    for attempt in range(3):
        page.get_by_label(label, exact=True).click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            break
        except Exception:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            settle(page)
    settle(page)


def settle(page: Any) -> None:
    """Wait until Streamlit has finished running the page's script (the app's own script-state attribute)."""
    page.wait_for_timeout(200)  # the rerun an action asks for starts after its message reaches the server
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(state="attached")


def open_page(browser: Any, url: str, fields: tuple[tuple[str, str], ...] = SHORT) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 1200}, accept_downloads=True)
    page.set_default_timeout(90_000)
    page.goto(url)
    page.get_by_role("button", name="Run", exact=True).wait_for()
    settle(page)
    for label, value in fields:
        set_field(page, label, value)
    return page


def run(page: Any, n: int) -> None:
    """Press Run and wait for the answer of the tab's ``n``-th run."""
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text(f"Run #{n}:").first.wait_for(timeout=180_000)  # a first run may compile the engine
    settle(page)


def body(page: Any) -> str:
    return str(page.inner_text("body"))
