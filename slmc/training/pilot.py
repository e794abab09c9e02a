"""A measured pilot before the expensive part: can the cheapest replacement of a label task pass?

``pilot_frozen_head`` fits the frozen-embedding classifier head (``slmc.training.classifier``) on a sample of the
task's training rows and scores it on its validation rows (or a held-out slice of the sample when there are too few),
then finds the lowest confidence threshold whose accepted-call agreement lower bound clears the gate's target. The
head passes when that threshold leaves at most ``max_fallback`` of the calls to the LLM. ``plan-finetune`` fine-tunes
the encoder end to end (``slmc.training.encoder_classifier``) for a task whose frozen head does not pass.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from slmc.answers import normalize_label
from slmc.training.datasets import reference_answer, user_text

PILOT_TRAIN = 1000  # training rows the pilot fits on at most
PILOT_VALIDATION = 400  # validation rows it scores at most
MIN_VALIDATION = 30  # fewer: a held-out fifth of the training sample is scored instead


@dataclass(frozen=True)
class Pilot:
    train: int
    validation: int
    agreement: float  # on all scored calls
    accepted_agreement: float
    fallback_rate: float  # at the lowest threshold that clears the target (none does: the most served at the target)
    lower_bound: float
    clears: bool  # some threshold clears the target
    passes: bool  # ... within max_fallback
    seconds: float
    target: float
    max_fallback: float

    def text(self) -> str:
        where = f"{self.train} train / {self.validation} held-out calls, {self.seconds:.0f}s"
        if not self.clears:
            verdict = (
                f"no threshold reaches lower bound {self.target:g} (at best {self.accepted_agreement:.1%} on accepted "
                f"calls at {self.fallback_rate:.0%} fallback, lower bound {self.lower_bound:.3f})"
            )
        else:
            verdict = (
                f"{self.accepted_agreement:.1%} on accepted calls at {self.fallback_rate:.0%} fallback "
                f"(lower bound {self.lower_bound:.3f} >= {self.target:g})"
            )
            limit = "<=" if self.passes else ">"
            verdict += f", fallback {limit} {self.max_fallback:.0%}"
        return f"pilot of the frozen head ({where}): {self.agreement:.1%} on all calls; {verdict}"


def pilot_frozen_head(
    train_rows: list[dict[str, Any]],
    validation_rows: list[dict[str, Any]],
    *,
    target: float,
    max_fallback: float,
    embedder: str = "minilm",
    seed: int = 0,
    confidence: float = 0.95,
    cache: Any = None,
) -> Pilot | None:
    """The frozen head's pilot, or None when the rows cannot make one (fewer than two labels, no rows to score).

    ``cache``: the compile's MiniLM with its embedding cache (``slmc.analysis.embeddings.shared_minilm``), as the
    classifier head reads it: texts the cluster map or the deployed compile embedded are not embedded again."""
    from sklearn.linear_model import LogisticRegression

    from slmc.training.calibration import calibrate_threshold
    from slmc.training.embed import Embedder

    rng = random.Random(seed)
    train = rng.sample(train_rows, min(PILOT_TRAIN, len(train_rows)))
    held = rng.sample(validation_rows, min(PILOT_VALIDATION, len(validation_rows)))
    if len(held) < MIN_VALIDATION:
        cut = len(train) // 5
        held, train = train[:cut], train[cut:]
    labels = [reference_answer(r).strip() for r in train]
    if len(set(labels)) < 2 or not held:
        return None
    start = time.perf_counter()
    texts = [user_text(r) for r in train]
    encoder = Embedder(embedder).fit(texts)
    head = LogisticRegression(C=10.0, max_iter=2000, random_state=seed).fit(encoder.encode_cached(texts, cache), labels)
    probs = head.predict_proba(encoder.encode_cached([user_text(r) for r in held], cache))
    order = probs.argsort(axis=1)
    top = probs[range(len(held)), order[:, -1]]
    second = probs[range(len(held)), order[:, -2]] if probs.shape[1] > 1 else 0.0 * top
    predicted = [str(head.classes_[i]) for i in order[:, -1]]
    scores = [
        float(normalize_label(p) == normalize_label(reference_answer(r))) for p, r in zip(predicted, held, strict=True)
    ]
    point = calibrate_threshold((top - second).tolist(), scores, target=target, binary=True, confidence=confidence)
    return Pilot(
        train=len(train),
        validation=len(held),
        agreement=sum(scores) / len(scores),
        accepted_agreement=point.accepted_agreement,
        fallback_rate=point.fallback_rate,
        lower_bound=point.lower_bound,
        clears=point.clears,
        passes=point.clears and point.fallback_rate <= max_fallback + 1e-9,
        seconds=time.perf_counter() - start,
        target=target,
        max_fallback=max_fallback,
    )
