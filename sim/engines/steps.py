"""The lifecycle of a matter as data: every step, where MODEL.md defines it, and its code.

``STEPS`` is the one list of the step order (MODEL.md section 4). The agent engine's
docstring, the kernel's resume points and the model page's step table (docs/model.md) cite it; from a
step a newcomer finds the functions that implement it: the shared stage or rule
(``rules``), the agent engine's SimPy code (``agent``) and the vector kernel's state
machine and station functions (``kernel``, with the resume point ``PC_*`` a matter waits
at after that step's event). Each reference is ``module:qualified.name``; ``tests/unit/test_steps.py`` checks
that every one exists, so the table cannot drift from the code unnoticed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    name: str
    model: str  # the MODEL.md section
    does: str  # what happens, in one line
    rules: tuple[str, ...] = ()  # shared stages and decision functions (both engines)
    agent: tuple[str, ...] = ()  # sim.engines.agent
    kernel: tuple[str, ...] = ()  # sim.engines.vector: kernel and stations functions, then world's resume points


_AGENT = "sim.engines.agent.engine:AgentRun"
_STATION = "sim.engines.agent.queueing:Station"
_KERNEL = "sim.engines.vector.kernel"
_STATIONS = "sim.engines.vector.stations"
_WORLD = "sim.engines.vector.world"

STEPS: tuple[Step, ...] = (
    Step("occur", "4.1", "matters occur per grid: Poisson rate x category mix x hour, weekday, season, surges",
         rules=("sim.matters.occur:generate_inputs", "sim.rules.demand:sample_times")),
    Step("discover", "4.2", "first of resident report, patrol pass, part-time reporter; small matters grow",
         rules=("sim.rules.discovery:discover",),
         agent=(f"{_AGENT}.feeder",),
         kernel=(f"{_KERNEL}:feed", f"{_WORLD}:PC_START")),
    Step("intake", "4.3", "detour via the registered community, deadline, party-member households, "
         "hotline calls and unified dispatch through the platform, grid matters list",
         rules=("sim.rules.routing:intake_times", "sim.rules.routing:deadline", "sim.rules.outcome:party_prob"),
         agent=(f"{_AGENT}.lifecycle", f"{_AGENT}.redirect"),
         kernel=(f"{_KERNEL}:intake", f"{_KERNEL}:loop_init", f"{_WORLD}:PC_INTAKE",
                 f"{_WORLD}:PC_AFTER_INTAKE_PLATFORM")),
    Step("classify", "4.3", "the township platform sends the matter to a module; a misclassified one "
         "goes to a wrong module and comes back (a transfer)",
         rules=("sim.rules.outcome:wrong_module",),
         agent=(f"{_AGENT}.lifecycle", f"{_AGENT}.transfer"),
         kernel=(f"{_KERNEL}:loop_top", f"{_KERNEL}:after_classify", f"{_WORLD}:PC_AFTER_CLASSIFY",
                 f"{_WORLD}:PC_AFTER_WRONG", f"{_WORLD}:PC_AFTER_TRANSFER")),
    Step("dispatch", "4.4", "the level (level by level or unified), the station, the queue order and the "
         "handler of the dispatch rule",
         rules=("sim.rules.routing:entry_level", "sim.rules.routing:target_level", "sim.rules.dispatch:queue_key",
                "sim.rules.dispatch:ranks_handlers", "sim.rules.dispatch:handler_key"),
         agent=(f"{_AGENT}.station_at", f"{_AGENT}.choose", f"{_STATION}.arrive", f"{_STATION}.pull",
                "sim.engines.agent.visitqueue:VisitQueue.push"),
         kernel=(f"{_STATIONS}:station_at", f"{_STATIONS}:visit", f"{_STATIONS}:rule_key",
                 f"{_STATIONS}:q_push", f"{_STATIONS}:q_best", f"{_STATIONS}:choose", f"{_STATIONS}:pull")),
    Step("handle", "4.5", "a server works the matter in its shift hours; the attempt succeeds or fails",
         rules=("sim.rules.routing:attempt", "sim.rules.service:work_table"),
         agent=(f"{_STATION}._start", f"{_STATION}._finish"),
         kernel=(f"{_KERNEL}:attempt_visit", f"{_STATIONS}:start", f"{_WORLD}:PC_AFTER_ATTEMPT")),
    Step("escalate", "4.6", "up a level on no authority, a failed attempt or a level's time limit; "
         "instructors fast-track hard matters; the county always settles",
         rules=("sim.rules.routing:next_level",),
         agent=(f"{_AGENT}.lifecycle", f"{_STATION}._expiry"),
         kernel=(f"{_STATIONS}:limit_add", f"{_STATIONS}:limit_next", f"{_KERNEL}:resume")),
    Step("close", "4.7", "callback satisfaction; a dissatisfied resident reopens (rework) or petitions "
         "(county review)",
         rules=("sim.rules.outcome:satisfaction_prob1", "sim.rules.outcome:reopens", "sim.rules.outcome:petitions"),
         agent=(f"{_AGENT}.close",),
         kernel=(f"{_KERNEL}:close", f"{_WORLD}:PC_AFTER_REWORK", f"{_WORLD}:PC_AFTER_PETITION")),
    Step("supervise", "4.8", "overdue matters (催办) jump their queue when reminders are on",
         agent=("sim.engines.agent.visitqueue:VisitQueue._age",),
         kernel=(f"{_STATIONS}:q_age", f"{_STATIONS}:q_top")),
)


def resolve(ref: str) -> object:
    """The object a ``module:qualified.name`` reference names (raises if it does not exist)."""
    module_name, _, qualname = ref.partition(":")
    obj: object = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def step(name: str) -> Step:
    return next(s for s in STEPS if s.name == name)


def table() -> str:
    """The steps as a Markdown table: the step order of the model page (docs/model.md, filled in by
    docs/hooks/steps_table.py when the site is built), one row per step with the functions of the
    shared rules, the agent engine and the kernel that implement it."""
    rows = ["| step | model section | what happens | shared rules | agent engine | kernel |",
            "|---|---|---|---|---|---|"]
    for s in STEPS:
        short = [", ".join(f"`{r.split(':')[1].removeprefix('AgentRun.')}`" for r in refs) or "—"
                 for refs in (s.rules, s.agent, s.kernel)]
        rows.append(f"| {s.name} | {s.model} | {s.does} | {short[0]} | {short[1]} | {short[2]} |")
    return "\n".join(rows)
