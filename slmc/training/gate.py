"""The quality gate: accept a task's SLM only when its agreement with the teacher provably clears the target.

A task is accepted when, on the held-out test split, the one-sided lower confidence bound of the agreement on the
calls the SLM keeps (confidence >= the calibrated threshold) is at least ``target`` and the fallback rate at that
threshold is at most ``max_fallback``. A site is offloaded only when every traffic-carrying task it serves is accepted;
when only some are, it runs in shadow mode; when none is, it stays on the LLM.
"""

from __future__ import annotations

from dataclasses import dataclass

from slmc.ir.nodes import Decision, EvalResult, Task

DEFAULT_TARGET = 0.95
DEFAULT_MAX_FALLBACK = 0.5
MIN_TEST_ROWS = 10


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    reasons: tuple[str, ...]

    @property
    def accepted(self) -> bool:
        return self.decision == Decision.OFFLOAD


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def judge(
    result: EvalResult | None,
    *,
    target: float = DEFAULT_TARGET,
    max_fallback: float = DEFAULT_MAX_FALLBACK,
    min_rows: int = MIN_TEST_ROWS,
) -> Verdict:
    """Offload or keep one task, with the reasons in words."""
    if result is None:
        return Verdict(Decision.KEEP, ("not evaluated: no trained SLM for this task",))
    if result.n < min_rows:
        return Verdict(
            Decision.KEEP,
            (f"too few held-out test calls to judge ({result.n} < {min_rows}); record more traffic",),
        )
    agreed = result.accepted_agreement if result.accepted_agreement is not None else result.agreement
    at = "" if result.threshold is None else f" at confidence >= {result.threshold:.3g}"
    point = (
        f"{result.metric} agreement {agreed:.3f} on accepted calls "
        f"(lower bound {result.lower_bound:.3f}, n={result.n}){at}, fallback {_pct(result.fallback_rate)}"
    )
    if result.fallback_rate >= 1.0:
        return Verdict(
            Decision.KEEP, (f"the SLM would fall back on every call; overall agreement {result.agreement:.3f}",)
        )
    if result.lower_bound < target:
        return Verdict(Decision.KEEP, (f"{point} < target {target:.2f}",))
    if result.fallback_rate > max_fallback:
        return Verdict(
            Decision.KEEP,
            (f"{point}: clears {target:.2f} but falls back on more than {_pct(max_fallback)} of calls",),
        )
    return Verdict(Decision.OFFLOAD, (f"{point} >= target {target:.2f}",))


def site_verdict(site_id: str, tasks: list[Task]) -> Verdict | None:
    """Decision for a site from the tasks that serve it; None when no task serves it."""
    serving = [t for t in tasks if site_id in t.sites]
    if not serving:
        return None
    carrying = [t for t in serving if t.calls > 0] or serving
    accepted = [t for t in carrying if t.decision == Decision.OFFLOAD]
    names = ", ".join(t.id for t in carrying)
    if len(accepted) == len(carrying):
        return Verdict(Decision.OFFLOAD, (f"every task of the site passed the quality gate ({names})",))
    if accepted:
        rejected = ", ".join(t.id for t in carrying if t.decision != Decision.OFFLOAD)
        return Verdict(Decision.SHADOW, (f"only some tasks passed the gate; still on the LLM: {rejected}",))
    return Verdict(Decision.KEEP, (f"no task of the site passed the quality gate ({names})",))
