"""The "about this model" panel: what is simulated, the step order (``sim.engines.steps``), a KPI, limits.

The steps are read from ``STEPS``, the one list both engines follow and a test checks
against the code, so the panel cannot tell another order than the model runs.
"""

from __future__ import annotations

from sim.app.labels import t
from sim.engines.steps import STEPS

__all__ = ["about_markdown"]


def about_markdown(lang: str) -> str:
    """The panel's text (Markdown) in ``lang``."""
    steps = "\n".join(f"{i}. **{t(f'step.{s.name}', lang)}**: {s.does}" if lang == "en"
                      else f"{i}. **{t(f'step.{s.name}', lang)}**（{s.name}）" for i, s in enumerate(STEPS, 1))
    return "\n\n".join([t("about.what", lang), t("about.steps", lang), steps, t("about.kpi", lang),
                        t("about.limits", lang)])
