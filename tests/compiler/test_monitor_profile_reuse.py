"""``slmc compile --from``: a site whose training inputs are the deployed bundle's, in the same order, keeps the
deployed hashed drift profile (the same bytes) instead of hashing every input again; any change rebuilds it."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from slmc.analysis import drift
from slmc.analysis.monitor import bundle_profile
from slmc.traces.record import TraceRecord
from tests.runtime.servers import SITE, messages

GRAPH = SimpleNamespace(
    tasks=lambda: [SimpleNamespace(sites=(SITE,), slm=SimpleNamespace(params_b=0.1, method="full"))]
)


def _settings(reuse_from: Path | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        gate_target=0.9, max_fallback=0.5, gpu_memory=None, cpu_only=True, prices=None, embedder="auto",
        reuse_from=str(reuse_from) if reuse_from else None,
    )  # fmt: skip


def _records(n: int = 30) -> list[TraceRecord]:
    return [
        TraceRecord(site_id=SITE, split="train", messages=messages(f"where is my parcel number {i}")) for i in range(n)
    ]


def _deploy(tmp_path: Path, profile: dict) -> Path:
    bundle = tmp_path / "bundle"
    (bundle / "report").mkdir(parents=True, exist_ok=True)
    (bundle / "report" / "monitor.json").write_text(json.dumps(profile), encoding="utf-8")
    return bundle


def test_the_same_inputs_keep_the_deployed_hashed_profile_byte_for_byte(tmp_path, monkeypatch):
    first = bundle_profile(GRAPH, _records(), _settings())
    assert first["sites"][SITE][drift.INPUTS_LIST] == drift.inputs_list_digest(r.user_text() for r in _records())
    bundle = _deploy(tmp_path, first)
    built: list[int] = []
    real = drift.build_profile
    monkeypatch.setattr(drift, "build_profile", lambda texts: built.append(len(texts)) or real(texts))
    again = bundle_profile(GRAPH, _records(), _settings(bundle))
    assert built == [] and json.dumps(again) == json.dumps(first)  # not hashed again, and the same bytes

    reordered = bundle_profile(GRAPH, list(reversed(_records())), _settings(bundle))
    assert built == [30] and reordered["sites"][SITE][drift.INPUTS_LIST] != first["sites"][SITE][drift.INPUTS_LIST]
    more = bundle_profile(GRAPH, _records(31), _settings(bundle))
    assert built == [30, 31] and more["sites"][SITE]["n"] == 31


def test_a_hostile_deployed_profile_is_never_copied(tmp_path, monkeypatch):
    first = bundle_profile(GRAPH, _records(), _settings())
    built: list[int] = []
    real = drift.build_profile
    monkeypatch.setattr(drift, "build_profile", lambda texts: built.append(len(texts)) or real(texts))
    for field, value in (("n", "30"), ("dims", 3), ("n", 0), ("distance", {"mean": 0.1, "p95": 0.2, "p50": None})):
        bad = json.loads(json.dumps(first))
        bad["sites"][SITE][field] = value
        again = bundle_profile(GRAPH, _records(), _settings(_deploy(tmp_path, bad)))
        assert again["sites"][SITE] == first["sites"][SITE]  # built afresh, not copied
    (tmp_path / "bundle" / "report" / "monitor.json").write_text("{broken", encoding="utf-8")
    assert bundle_profile(GRAPH, _records(), _settings(tmp_path / "bundle"))["sites"][SITE] == first["sites"][SITE]
    assert built == [30] * 5
