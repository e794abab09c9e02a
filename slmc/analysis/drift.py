"""Input drift: how far a site's new inputs lie from the inputs it was trained on, without keeping any training text.

At compile time each offloaded site gets a profile in the bundle (``report/monitor.json``): the centroid of its
training inputs in a fixed encoder space and the quantiles of their distances to it. ``slmc monitor`` encodes the
inputs of the router log the same way and reports the share of them farther out than the training inputs' 95th
percentile (about 5 % without drift).

Two spaces:

* the SLM's own encoder (``encoder_space`` of a site's profile, encoder ``minilm``): when the site's replacement is an
  encoder head on all-MiniLM-L6-v2 (a classifier, span or tool head), its training inputs are profiled in MiniLM's
  sentence-embedding space (384 dimensions), where a new topic or a new way of asking lies far from what the head
  learned; the monitor embeds new inputs with the same model (``slmc.analysis.monitor``);
* ``hash-ngram-v1``, every site's profile and the fallback wherever MiniLM is not installed: word unigrams and
  character 3-grams of the lower-cased text, hashed (CRC-32) with a sign into ``DIMS`` dimensions, L2-normalised:
  deterministic, stdlib only, the same on the build machine and wherever the monitor runs.

A profile holds rounded numbers and counts (a centroid, distance quantiles), never text or a vocabulary. This module
is stdlib only: the MiniLM vectors come in as lists of numbers.
"""

from __future__ import annotations

import hashlib
import math
import re
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

ENCODER = "hash-ngram-v1"
DIMS = 256
MINILM = "minilm"  # sentence-transformers/all-MiniLM-L6-v2, normalised sentence embeddings
MINILM_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_DIMS = 384
ENCODER_SPACE = "encoder_space"  # the key of a site's profile in the SLM's encoder space
INPUTS_LIST = "inputs_list"  # a hashed profile's ``inputs_list_digest`` of the inputs it was made on
HASHED_KEYS = ("encoder", "dims", "n", "centroid", "distance")  # what ``build_profile`` writes
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


def inputs_digest(texts: Iterable[str]) -> str:
    """One digest of a set of training inputs (order and repeats ignored): tells whether a profile was made on the
    same inputs, without holding any of them."""
    h = hashlib.sha256()
    for text in sorted(set(texts)):
        h.update(text.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()[:32]


def inputs_list_digest(texts: Iterable[str]) -> str:
    """One digest of a list of training inputs, in order and with repeats: the hashed profile of the same list is the
    same to the last digit (``slmc compile --from`` reuses the deployed one)."""
    h = hashlib.sha256(b"inputs-list\0")
    for text in texts:
        h.update(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    return h.hexdigest()[:32]


def build_profile(texts: Iterable[str]) -> dict[str, Any] | None:
    """The profile of a site's training inputs in the hashed space; None without any."""
    return profile_vectors([encode(t) for t in texts if t and t.strip()], ENCODER)


def profile_vectors(vectors: Sequence[Sequence[float]], encoder: str, **about: Any) -> dict[str, Any] | None:
    """The profile of training-input vectors of one encoder (unit vectors of equal length); None without any."""
    vectors = [[float(v) for v in vec] for vec in vectors]
    if not vectors or not vectors[0]:
        return None
    dims = len(vectors[0])
    mean = [sum(col) / len(vectors) for col in zip(*vectors, strict=True)]
    norm = math.sqrt(sum(v * v for v in mean)) or 1.0
    centroid = [v / norm for v in mean]
    distances = [_distance(v, centroid) for v in vectors]
    return {
        "encoder": encoder,
        **about,
        "dims": dims,
        "n": len(vectors),
        "centroid": [round(v, 5) for v in centroid],
        "distance": {
            "mean": round(sum(distances) / len(distances), 5),
            "p50": round(_quantile(distances, 0.5), 5),
            "p95": round(_quantile(distances, OUTSIDE_QUANTILE), 5),
            "max": round(max(distances), 5),
        },
    }


def valid_profile(profile: Any, encoder: str = ENCODER, dims: int = DIMS) -> bool:
    """A profile of ``encoder`` this module can score against (a bundle is input: checked, never trusted)."""
    if not isinstance(profile, dict) or profile.get("encoder") != encoder:
        return False
    centroid, distance = profile.get("centroid"), profile.get("distance")
    return (
        isinstance(centroid, list)
        and len(centroid) == dims
        and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in centroid)
        and isinstance(distance, dict)
        and all(
            isinstance(distance.get(k), int | float)
            and not isinstance(distance.get(k), bool)
            and math.isfinite(distance[k])
            for k in ("mean", "p95")
        )
    )


def score(profile: dict[str, Any], texts: Iterable[str]) -> dict[str, Any]:
    """How the new inputs sit against a hashed-space profile (``score_vectors``)."""
    return score_vectors(profile, [encode(t) for t in texts if t and t.strip()])


def score_vectors(profile: dict[str, Any], vectors: Sequence[Sequence[float]]) -> dict[str, Any]:
    """How new input vectors sit against the training profile of the same encoder: their mean distance to the
    centroid and the share farther out than the training inputs' 95th percentile (``expected_outside`` without
    drift), over all of them and over the latest quarter (``vectors`` in log order): a shift that began late in the
    window is diluted in the whole but plain in the latest calls."""
    centroid = [float(v) for v in profile["centroid"]]
    limit = float(profile["distance"]["p95"])
    distances = [_distance([float(v) for v in vec], centroid) for vec in vectors if len(vec) == len(centroid)]
    if not distances:
        return {
            "n": 0,
            "mean_distance": None,
            "train_mean_distance": profile["distance"]["mean"],
            "outside_share": None,
        }
    latest = distances[-max(1, len(distances) // 4) :]
    return {
        "n": len(distances),
        "mean_distance": round(sum(distances) / len(distances), 4),
        "train_mean_distance": profile["distance"]["mean"],
        "outside_share": round(sum(d > limit for d in distances) / len(distances), 4),
        "expected_outside": round(1 - OUTSIDE_QUANTILE, 4),
        "latest_n": len(latest),
        "latest_outside_share": round(sum(d > limit for d in latest) / len(latest), 4),
    }
