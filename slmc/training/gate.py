"""The quality gate: accept a task's SLM only when its agreement with the teacher provably clears the target.

A task is accepted when, on the held-out test split, the one-sided lower confidence bound of the agreement on the
calls the SLM keeps (confidence >= the calibrated threshold) is at least ``target`` and the fallback rate at that
threshold is at most ``max_fallback``. A site is offloaded only when every traffic-carrying task it serves is accepted;
when only some are, it runs in shadow mode; when none is, it stays on the LLM.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from slmc.ir.nodes import Decision, EvalResult, Task

DEFAULT_TARGET = 0.95
DEFAULT_MAX_FALLBACK = 0.5
MIN_TEST_ROWS = 10
# What "good enough to pass" means when sizing the held-out calls: agreement halfway from the target to 1 on the calls
# the SLM keeps, at this share of fallback (0.975 at the 0.95 target, 10 % fallback: 229 calls).
GOOD_MARGIN = 0.5
EXPECTED_FALLBACK = 0.10


def wilson_bound(successes: float, n: int, confidence: float = 0.95, *, upper: bool = False) -> float:
    """One-sided Wilson score bound (lower, or ``upper``) of a binomial proportion; pure Python (no numpy)."""
    if n <= 0:
        return 1.0 if upper else 0.0
    z = NormalDist().inv_cdf(confidence)
    p, z2 = successes / n, z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(max(0.0, p * (1 - p) / n + z2 / (4 * n * n)))
    value = (centre + margin if upper else centre - margin) / (1 + z2 / n)
    return min(1.0, max(0.0, value))


def best_lower_bound(n: int, confidence: float = 0.95) -> float:
    """The highest lower bound ``n`` held-out calls can give: every one of them answered and agreeing."""
    return wilson_bound(n, n, confidence)


def good_agreement(target: float = DEFAULT_TARGET) -> float:
    """The accepted-call agreement of a task that is good enough to pass (halfway from ``target`` to 1)."""
    return target + GOOD_MARGIN * (1.0 - target)


# What the calibration calls must be able to prove: a threshold whose accepted calls agree this far from the target
# to 1 (0.97 at the 0.95 target) clears it on them at the allowed fallback; fewer calls set a threshold that sends
# much more to the LLM than the head needs (SNIPS GetWeather: 167 calibration calls, 39 % fallback where the best
# threshold on its test calls reached 97 % accepted at 22.7 %; calibrated on 1106 calls answered out of fold, 25.3 %
# fallback at 97.2 % accepted: plan_finetune.calibration_folds)
CALIBRATION_MARGIN = 0.4


def calibration_rows(target: float = DEFAULT_TARGET, max_fallback: float = EXPECTED_FALLBACK) -> int:
    """Fewest calibration calls on which a threshold accepting ``1 - max_fallback`` of them, ``CALIBRATION_MARGIN``
    of the way from ``target`` to 1 in agreement, clears ``target`` (358 at 0.95 and 10 %)."""
    return rows_to_clear(target, agreement=target + CALIBRATION_MARGIN * (1.0 - target), fallback=max_fallback)


def rows_to_clear(
    target: float = DEFAULT_TARGET,
    *,
    agreement: float | None = None,
    fallback: float = EXPECTED_FALLBACK,
    confidence: float = 0.95,
    limit: int = 1_000_000,
) -> int:
    """Fewest held-out calls on which a model with ``agreement`` on the calls it keeps (default: good enough) and
    ``fallback`` clears ``target`` (its Wilson lower bound at least the target); ``limit`` when none up to it does."""
    agreement = good_agreement(target) if agreement is None else agreement
    if agreement <= target:
        return limit
    lo, hi = 1, limit
    while lo < hi:  # the bound grows with n at a fixed agreement: the first n that clears
        mid = (lo + hi) // 2
        kept = math.floor(mid * (1 - fallback))
        if kept and wilson_bound(agreement * kept, kept, confidence) >= target:
            hi = mid
        else:
            lo = mid + 1
    return lo


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
    """Offload or keep one task, with the reasons in words: each comparison names both sides
    (``lower bound 0.948 < target 0.95``, ``fallback 62% > max 50%``) and the number of held-out calls it rests on."""
    if result is None:
        return Verdict(Decision.KEEP, ("not evaluated: no trained SLM for this task",))
    if result.n < min_rows:
        return Verdict(
            Decision.KEEP,
            (f"too few held-out calls to judge (n={result.n} < {min_rows}); record more traffic",),
        )
    agreed = result.accepted_agreement if result.accepted_agreement is not None else result.agreement
    at = "" if result.threshold is None else f" at confidence >= {result.threshold:.3g}"
    accepted = round(result.n * (1 - result.fallback_rate))
    point = f"{result.metric} agreement {agreed:.3f} on {accepted} accepted of n={result.n} held-out calls{at}"
    if result.fallback_rate >= 1.0:
        return Verdict(
            Decision.KEEP,
            (f"the SLM would fall back on every call (n={result.n} held-out); "
             f"overall agreement {result.agreement:.3f}",),
        )  # fmt: skip
    if result.lower_bound < target:
        return Verdict(
            Decision.KEEP,
            (f"lower bound {result.lower_bound:.3f} < target {target:.2f} ({point}, fallback "
             f"{_pct(result.fallback_rate)})",),
        )  # fmt: skip
    if result.fallback_rate > max_fallback:
        return Verdict(
            Decision.KEEP,
            (f"fallback {_pct(result.fallback_rate)} > max {_pct(max_fallback)} ({point}; lower bound "
             f"{result.lower_bound:.3f} >= target {target:.2f})",),
        )  # fmt: skip
    return Verdict(
        Decision.OFFLOAD,
        (f"lower bound {result.lower_bound:.3f} >= target {target:.2f} ({point}, fallback "
         f"{_pct(result.fallback_rate)} <= max {_pct(max_fallback)})",),
    )  # fmt: skip


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
