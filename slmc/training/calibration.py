"""Confidence bounds and the calibrated confidence threshold (the runtime's operating point).

The SLM answers a call only when its confidence (mean token log-prob, or the classifier's probability margin) is at
least the threshold; otherwise the call falls back to the LLM. On the validation split we pick the lowest threshold
whose accepted-set agreement lower bound clears the target, i.e. the smallest fallback rate that keeps quality.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

MAX_CANDIDATES = 200  # thresholds tried (quantiles of the confidences) when there are more distinct values
BOOTSTRAP_SAMPLES = 2000


def wilson_lower_bound(successes: float, n: int, confidence: float = 0.95) -> float:
    """One-sided Wilson score lower bound of a binomial proportion (0 when ``n`` is 0)."""
    if n <= 0:
        return 0.0
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be in (0, 1)")
    z = NormalDist().inv_cdf(confidence)
    p = successes / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, (centre - margin) / (1 + z2 / n))


def bootstrap_lower_bound(
    values: Sequence[float], confidence: float = 0.95, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0
) -> float:
    """One-sided percentile-bootstrap lower bound of the mean of ``values`` in ``[0, 1]`` (0 when empty)."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return 0.0
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(samples, data.size))].mean(axis=1)
    return float(np.quantile(means, 1.0 - confidence))


def lower_bound(values: Sequence[float], *, binary: bool, confidence: float = 0.95) -> float:
    """Lower bound of the mean agreement: Wilson for 0/1 scores, bootstrap otherwise."""
    if binary:
        return wilson_lower_bound(float(sum(values)), len(values), confidence)
    return bootstrap_lower_bound(values, confidence)


@dataclass(frozen=True)
class OperatingPoint:
    threshold: float | None  # None: answer every call (no fallback needed)
    fallback_rate: float  # share of calls below the threshold
    accepted_agreement: float  # mean agreement of the accepted calls
    lower_bound: float  # its one-sided lower confidence bound
    accepted: int
    n: int
    clears: bool  # lower_bound >= target

    def to_dict(self) -> dict[str, float | int | bool | None]:
        return dict(self.__dict__)


def operating_point(
    confidences: Sequence[float],
    scores: Sequence[float],
    threshold: float | None,
    *,
    binary: bool,
    target: float,
    confidence: float = 0.95,
) -> OperatingPoint:
    """Agreement of the calls a threshold accepts (all calls when ``threshold`` is None)."""
    conf = np.asarray(confidences, dtype=np.float64)
    vals = np.asarray(scores, dtype=np.float64)
    if conf.shape != vals.shape:
        raise ValueError("confidences and scores differ in length")
    n = int(vals.size)
    mask = np.ones(n, dtype=bool) if threshold is None else conf >= threshold
    kept = vals[mask]
    bound = lower_bound(kept.tolist(), binary=binary, confidence=confidence)
    return OperatingPoint(
        threshold=threshold,
        fallback_rate=0.0 if n == 0 else 1.0 - kept.size / n,
        accepted_agreement=float(kept.mean()) if kept.size else 0.0,
        lower_bound=bound,
        accepted=int(kept.size),
        n=n,
        clears=kept.size > 0 and bound >= target,
    )


def calibrate_threshold(
    confidences: Sequence[float],
    scores: Sequence[float],
    *,
    target: float,
    binary: bool,
    confidence: float = 0.95,
) -> OperatingPoint:
    """The lowest threshold whose accepted-set agreement lower bound clears ``target``.

    When answering every call already clears it, the threshold is the lowest confidence measured (``floor``): the
    held-out calls are all answered, and a served call the model is less sure of than of any call the gate measured
    (an input unlike the traces) falls back instead of being answered unmeasured.

    When no threshold clears (``clears`` False: the gate keeps the task), the point that serves the most calls at the
    target: the lowest threshold whose accepted agreement itself reaches ``target`` (its lower bound, short of it, says
    how far off the evidence is); only when no threshold reaches even that, the point with the highest lower bound.
    The highest lower bound alone goes to extremes (a handful of sure calls all agreeing: SNIPS AddToPlaylist
    reported 100 % accepted at 84 % fallback) and says nothing about what the head could serve.
    """
    everything = operating_point(confidences, scores, None, binary=binary, target=target, confidence=confidence)
    if everything.n == 0:
        return everything
    if everything.clears:
        low = floor(confidences)
        if low is None:
            return everything
        return operating_point(confidences, scores, low, binary=binary, target=target, confidence=confidence)
    candidates = np.unique(np.asarray(confidences, dtype=np.float64))
    if binary:
        first = _first_clearing_binary(confidences, scores, candidates, target, confidence)
        if first is not None:
            return operating_point(confidences, scores, first, binary=True, target=target, confidence=confidence)
    elif candidates.size > MAX_CANDIDATES:  # bootstrap per candidate is costly: try quantiles of the confidences
        candidates = np.unique(np.quantile(candidates, np.linspace(0.0, 1.0, MAX_CANDIDATES)))
    best = everything
    served = None
    for threshold in candidates:  # ascending: the first point at the target serves the most calls
        point = operating_point(
            confidences, scores, float(threshold), binary=binary, target=target, confidence=confidence
        )
        if point.clears:
            return point
        if served is None and point.accepted and point.accepted_agreement >= target:
            served = point
        if point.lower_bound > best.lower_bound:
            best = point
    return served or best


def floor(confidences: Sequence[float]) -> float | None:
    """The lowest confidence measured (None when one is not finite: no threshold could keep every call)."""
    conf = np.asarray(confidences, dtype=np.float64)
    return float(conf.min()) if conf.size and np.isfinite(conf).all() else None


def _first_clearing_binary(
    confidences: Sequence[float], scores: Sequence[float], candidates: np.ndarray, target: float, confidence: float
) -> float | None:
    """Every distinct threshold at once for 0/1 scores (suffix sums); the lowest that clears, or None."""
    conf = np.asarray(confidences, dtype=np.float64)
    order = np.argsort(conf, kind="stable")
    sorted_conf = conf[order]
    sorted_vals = np.asarray(scores, dtype=np.float64)[order]
    suffix_right = np.cumsum(sorted_vals[::-1])[::-1]
    for threshold in candidates:
        start = int(np.searchsorted(sorted_conf, threshold, side="left"))
        kept = conf.size - start
        if kept and wilson_lower_bound(float(suffix_right[start]), kept, confidence) >= target:
            return float(threshold)
    return None
