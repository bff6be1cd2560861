"""Places by name, not code: what a league table, a chart or a briefing calls a township, village or grid.

A territory loaded from a units table (``territory.units_file``, a calibrated log's places)
has names: a township and a village are called what the table calls them, and a grid
by its village (with its number when the village has several). A generated territory
has only numbers, so its units are numbered in words: ``Township 3``, ``Village 12,
grid 4`` (``3号乡镇``, ``12号村·4号网格``); with several counties the county comes first.
"""

from __future__ import annotations

from collections import Counter

from sim.report.labels import check_lang
from sim.scenario.schema import Config
from sim.scenario.territory import Territory, build_territory
from sim.scenario.units import VillageTable, load_villages

__all__ = ["place_names", "place_names_of"]

_NUMBERED: dict[str, dict[str, str]] = {
    "en": {"city": "City {}", "county": "County {}", "township": "Township {}", "village": "Village {}",
           "grid": "grid {}", "sep": ", "},
    "zh": {"city": "{}号市", "county": "{}号县区", "township": "{}号乡镇", "village": "{}号村", "grid": "{}号网格",
           "sep": "·"},
}


def _number(code: str) -> int:
    """The unit's number within its parent: ``C01-T03`` -> 3."""
    return int(code.rsplit("-", 1)[-1][1:])


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def place_names(terr: Territory, villages: VillageTable | None, lang: str) -> dict[str, str]:
    """Code -> display name of every city, county, township, village and grid of ``terr``.

    ``villages``: the units table the territory was loaded from (its names), or None for a
    generated territory (numbered names).
    """
    w = _NUMBERED[check_lang(lang)]
    names: dict[str, str] = {}
    several = len(terr.county_codes) > 1
    for i, code in enumerate(terr.city_codes):
        names[code] = villages.city_names[i] if villages and villages.city_names else w["city"].format(_number(code))
    for i, code in enumerate(terr.county_codes):
        names[code] = villages.county_names[i] if villages else w["county"].format(_number(code))
    for i, code in enumerate(terr.township_codes):
        county = terr.county_codes[int(terr.township_county[i])]
        own = villages.township_names[i] if villages else w["township"].format(_number(code))
        names[code] = f"{names[county]}{w['sep']}{own}" if several and not villages else own
    for i, code in enumerate(terr.village_codes):
        names[code] = villages.village_names[i] if villages else w["village"].format(_number(code))
    per_village = Counter(int(v) for v in terr.grid_village)
    for code, v in zip(terr.grid_codes, terr.grid_village, strict=True):
        village = names[terr.village_codes[int(v)]]
        if villages and per_village[int(v)] == 1:
            names[code] = village
        else:
            names[code] = f"{village}{w['sep']}{w['grid'].format(_number(code))}"
    if lang == "en":
        names = {k: _first_upper(v) for k, v in names.items()}
    return names


def place_names_of(cfg: Config, lang: str) -> dict[str, str]:
    """``place_names`` of the run configured by ``cfg`` (its territory is rebuilt: milliseconds for a county)."""
    terr = build_territory(cfg)
    units = cfg.territory.units_file
    villages = load_villages(units) if units and not cfg.textbook.enabled else None
    return place_names(terr, villages, lang)
