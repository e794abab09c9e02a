"""Classifier head for closed-label tasks: logistic regression on sentence embeddings of the call's input.

Trained on the teacher's labels (distillation), saved as ``classifier.joblib`` (embedder + scikit-learn model) with
``slmc-train.json``; confidence is the probability margin between the two most likely labels.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slmc.compiler.diagnostics import SlmcError
from slmc.training.datasets import reference_answer, user_text
from slmc.training.embed import Embedder
from slmc.training.models import TRAIN_INFO

CLASSIFIER_FILE = "classifier.joblib"


@dataclass(frozen=True)
class Prediction:
    text: str
    confidence: float  # mean token log-prob (generative) or probability margin (classifier)


def train_classifier(
    rows: list[dict[str, Any]], model_dir: Path, *, embedder: str = "minilm", seed: int = 0, device: str | None = None
) -> float:
    """Fit and save the head; returns training seconds (embedding included)."""
    import joblib
    from sklearn.linear_model import LogisticRegression

    labels = [reference_answer(r).strip() for r in rows]
    if len(set(labels)) < 2:
        raise SlmcError(
            f"a classifier head needs at least two labels in the training data, found {sorted(set(labels))}",
            hint="use method=full/lora for this task or record more varied traffic",
        )
    start = time.perf_counter()
    texts = [user_text(r) for r in rows]
    encoder = Embedder(embedder, device=device).fit(texts)
    features = encoder.encode(texts)
    head = LogisticRegression(C=10.0, max_iter=2000, random_state=seed).fit(features, labels)
    seconds = time.perf_counter() - start
    model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump({"embedder": encoder, "head": head}, model_dir / CLASSIFIER_FILE)
    info = {"method": "classifier-head", "embedder": encoder.name, "seconds": seconds, "rows": len(rows)}
    (model_dir / TRAIN_INFO).write_text(json.dumps(info, indent=1) + "\n")
    return seconds


class ClassifierHead:
    def __init__(self, model_dir: Path, device: str | None = None) -> None:
        import joblib

        path = model_dir / CLASSIFIER_FILE
        if not path.exists():
            raise SlmcError(f"{model_dir} holds no classifier head ({CLASSIFIER_FILE})", hint="run `slmc train` first")
        saved = joblib.load(path)
        self.embedder: Embedder = saved["embedder"]
        self.embedder.device = device
        self.head = saved["head"]

    def predict(self, rows: list[dict[str, Any]]) -> list[Prediction]:
        import numpy as np

        if not rows:
            return []
        probs = self.head.predict_proba(self.embedder.encode([user_text(r) for r in rows]))
        order = np.argsort(-probs, axis=1)
        out = []
        for i in range(len(rows)):
            top = probs[i, order[i, 0]]
            second = probs[i, order[i, 1]] if probs.shape[1] > 1 else 0.0
            out.append(Prediction(str(self.head.classes_[order[i, 0]]), float(top - second)))
        return out
