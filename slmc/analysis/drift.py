"""Input drift: how far a site's new inputs lie from the inputs it was trained on, without keeping any training text.

At compile time each offloaded site gets a profile in the bundle (``report/monitor.json``): the centroid of its
training inputs in a fixed encoder space and the quantiles of their distances to it. ``slmc monitor`` encodes the
inputs of the router log the same way and reports the share of them farther out than the training inputs' 95th
percentile (about 5 % without drift).

The encoder is ``hash-ngram-v1``: word unigrams and character 3-grams of the lower-cased text, hashed (CRC-32) with a
sign into ``DIMS`` dimensions, L2-normalised: deterministic, stdlib only, the same on the build machine and wherever
the monitor runs. A profile holds ``DIMS`` rounded numbers and counts, never text or a vocabulary.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

ENCODER = "hash-ngram-v1"
DIMS = 256
OUTSIDE_QUANTILE = 0.95
_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")


def encode(text: str) -> list[float]:
    """The unit vector of ``text`` (all zeros for an empty text)."""
    vec = [0.0] * DIMS
    low = _SPACE.sub(" ", text.lower()).strip()
    grams = [f"w:{w}" for w in _WORD.findall(low)]
    padded = f" {low} "
    grams += [padded[i : i + 3] for i in range(len(padded) - 2)]
    for gram in grams:
        h = zlib.crc32(gram.encode("utf-8", "surrogatepass"))
        vec[h % DIMS] += 1.0 if (h >> 16) & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vec))
    return [v / norm for v in vec] if norm else vec


def _distance(vec: Sequence[float], centroid: Sequence[float]) -> float:
    return 1.0 - sum(a * b for a, b in zip(vec, centroid, strict=True))


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def build_profile(texts: Iterable[str]) -> dict[str, Any] | None:
    """The profile of a site's training inputs; None without any."""
    vectors = [encode(t) for t in texts if t and t.strip()]
    if not vectors:
        return None
    mean = [sum(col) / len(vectors) for col in zip(*vectors, strict=True)]
    norm = math.sqrt(sum(v * v for v in mean)) or 1.0
    centroid = [v / norm for v in mean]
    distances = [_distance(v, centroid) for v in vectors]
    return {
        "encoder": ENCODER,
        "dims": DIMS,
        "n": len(vectors),
        "centroid": [round(v, 5) for v in centroid],
        "distance": {
            "mean": round(sum(distances) / len(distances), 5),
            "p50": round(_quantile(distances, 0.5), 5),
            "p95": round(_quantile(distances, OUTSIDE_QUANTILE), 5),
            "max": round(max(distances), 5),
        },
    }


def valid_profile(profile: Any) -> bool:
    """A profile this module can score against (a bundle is input: checked, never trusted)."""
    if not isinstance(profile, dict) or profile.get("encoder") != ENCODER:
        return False
    centroid, distance = profile.get("centroid"), profile.get("distance")
    return (
        isinstance(centroid, list)
        and len(centroid) == DIMS
        and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in centroid)
        and isinstance(distance, dict)
        and all(isinstance(distance.get(k), int | float) for k in ("mean", "p95"))
    )


def score(profile: dict[str, Any], texts: Iterable[str]) -> dict[str, Any]:
    """How the new inputs sit against the training profile: their mean distance to the centroid and the share farther
    out than the training inputs' 95th percentile (``expected_outside`` without drift)."""
    centroid = [float(v) for v in profile["centroid"]]
    limit = float(profile["distance"]["p95"])
    distances = [_distance(encode(t), centroid) for t in texts if t and t.strip()]
    if not distances:
        return {
            "n": 0,
            "mean_distance": None,
            "train_mean_distance": profile["distance"]["mean"],
            "outside_share": None,
        }
    return {
        "n": len(distances),
        "mean_distance": round(sum(distances) / len(distances), 4),
        "train_mean_distance": profile["distance"]["mean"],
        "outside_share": round(sum(d > limit for d in distances) / len(distances), 4),
        "expected_outside": round(1 - OUTSIDE_QUANTILE, 4),
    }
