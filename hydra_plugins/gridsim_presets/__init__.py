"""Hydra search-path plugin: gridsim's user presets directory (``sim.scenario.compose.presets_dir``).

Hydra imports every module under the ``hydra_plugins`` namespace package when it builds a
config search path, for ``gridsim`` and for ``sim.run`` alike; this one appends
``$GRIDSIM_PRESETS_DIR`` (default ``./presets``) when that directory exists, so its groups
(``calibrated/<name>.yaml``, a ``territory/<name>.yaml`` of one's own) are presets like the
package's, listed by ``gridsim --help`` and shown by ``gridsim --info searchpath``.
"""

from __future__ import annotations

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin


class GridsimPresets(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        from sim.scenario.compose import presets_searchpath

        for path in presets_searchpath():
            search_path.append(provider="gridsim-presets", path=path)
