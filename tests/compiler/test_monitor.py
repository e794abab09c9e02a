"""S6 (2): ``slmc monitor BUNDLE --traces LOG`` on a router log the real runtime wrote against a real SLM server and a
real fake LLM on 127.0.0.1, the inputs shifting halfway (new phrasing, a label the contract has not seen)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import slmc.runtime as runtime
from slmc.analysis import drift
from slmc.analysis.monitor import Thresholds, bundle_profile, watch
from slmc.analysis.prices import llm_price
from slmc.runtime import http as runtime_http
from slmc.traces.ingest import read_traces
from slmc.traces.record import TraceRecord
from tests.runtime.servers import SITE, LocalServer, Reply, chat_reply, llm_reply, messages, write_manifest

ROOT = Path(__file__).resolve().parents[2]
FLOORS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]


def in_distribution(i: int) -> tuple[str, str]:
    if i % 2:
        return f"my invoice {1000 + i} shows a double charge, please fix the bill", "billing"
    return f"the wifi on the {FLOORS[i % 8]} floor keeps dropping since monday", "tech"


def drifted(i: int) -> str:
    return f"Cancel subscription #{i}. I no longer want the premium plan; stop renewing it."


@pytest.fixture(autouse=True)
def clean_runtime(monkeypatch: pytest.MonkeyPatch):
    for name in ("SLMC_MANIFEST", "SLMC_MODE", "SLMC_ROUTER_LOG", "SLMC_ROUTER_LOG_RAW", "SLMC_SAMPLE_RATE"):
        monkeypatch.delenv(name, raising=False)
    runtime.reset()
    runtime_http.set_transport()
    yield
    runtime.reset()
    runtime_http.set_transport()


def _bundle(tmp_path: Path, slm_url: str) -> Path:
    """A bundle as `slmc compile` leaves it for the monitor: the manifest and report/monitor.json."""
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    write_manifest(bundle, slm_url, defaults={"sample": {"rate": 1.0}})
    profile = drift.build_profile(in_distribution(i)[0] for i in range(60))
    profile["slm_usd_per_1m"] = 0.05
    (bundle / "report").mkdir()
    data = {"version": 1, "gate": {"target": 0.9, "max_fallback": 0.5}, "sites": {SITE: profile}}
    (bundle / "report" / "monitor.json").write_text(json.dumps(data), encoding="utf-8")
    return bundle


def _serve_traffic(bundle: Path, log: Path, texts: list[str], llm_says: dict[str, str], slm: LocalServer) -> None:
    openai = pytest.importorskip("openai")
    llm = LocalServer(lambda path, body: llm_reply(path, body, llm_says[body["messages"][-1]["content"]]))
    try:
        client = openai.OpenAI(base_url=llm.url + "/v1", api_key="sk-test", max_retries=0)
        runtime.configure(bundle / "slmc-manifest.yaml", log=log)
        for text in texts:
            runtime.call(SITE, "openai.chat", client.chat.completions.create, model="gpt-4o", messages=messages(text))
        assert runtime.drain(20)
        runtime.reset()
    finally:
        llm.close()


@pytest.fixture
def slm() -> Any:
    """The deployed SLM: knows billing and tech; calls every cancellation a billing question."""

    def respond(path: str, body: Any) -> Reply:
        text = body["messages"][-1]["content"]
        return Reply(chat_reply("tech" if "wifi" in text else "billing"))

    server = LocalServer(respond)
    yield server
    server.close()


def _monitor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "slmc", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )


def test_monitor_flags_the_site_whose_inputs_shift_halfway(tmp_path, slm):
    bundle = _bundle(tmp_path, slm.url)
    before = [in_distribution(i) for i in range(30)]
    after = [(drifted(i), "cancel") for i in range(30)]
    log = tmp_path / "logs" / "router.jsonl"
    _serve_traffic(bundle, log, [t for t, _ in before + after], dict(before + after), slm)

    out = tmp_path / "monitor"
    done = _monitor(str(bundle), "--traces", str(log), "--out", str(out))
    assert done.returncode == 1, done.stdout + done.stderr  # below the gate: usable in CI
    findings = json.loads((out / "monitor.json").read_text(encoding="utf-8"))
    (site,) = findings["sites"]
    assert site["site"] == SITE and site["status"] == "below-gate" and findings["below_gate"] == [SITE]
    assert site["calls"] == 60 and site["routes"] == {"slm": 60} and site["sampled"] == 60
    assert site["agreement"] | {"paired": 60, "agreed": 30, "rate": 0.5} == site["agreement"]
    assert site["drift"]["flagged"] and site["drift"]["outside_share"] >= 0.45  # the second half lies outside
    assert site["new_answers"] == {"label 'cancel'": 30}
    assert any("below the gate's 0.90" in r for r in site["reasons"])
    html = (out / "monitor.html").read_text(encoding="utf-8")
    assert SITE in html and "status-below-gate" in html and "label &#39;cancel&#39;" in html and "<svg" in html
    assert "below-gate" in done.stdout


def test_monitor_passes_the_site_on_traffic_like_its_training(tmp_path, slm):
    bundle = _bundle(tmp_path, slm.url)
    traffic = [in_distribution(i) for i in range(100, 130)]
    log = tmp_path / "router.jsonl"
    _serve_traffic(bundle, log, [t for t, _ in traffic], dict(traffic), slm)
    done = _monitor(str(bundle), "--traces", str(log), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    (site,) = json.loads(done.stdout)["sites"]
    assert site["status"] == "ok" and site["agreement"]["rate"] == 1.0 and not site["drift"]["flagged"]
    assert site["drift"]["outside_share"] <= 0.15


def _record(route: str, text: str, **router: Any) -> TraceRecord:
    rec = TraceRecord(source="slmc", site_id=SITE, model="gpt-4o", messages=messages(text))
    rec.meta["router"] = {"route": route, "site": SITE, **router}
    return rec


def test_fallbacks_by_cause_and_cost_per_1k_calls_from_the_log(tmp_path):
    bundle = _bundle(tmp_path, "http://127.0.0.1:9")
    records = []
    for i in range(6):  # the SLM served, no sample: SLM tokens only
        rec = _record("slm", in_distribution(2 * i)[0], slm_output="tech", slm_input_tokens=100, slm_output_tokens=10)
        records.append(rec)
    for reason in ("timeout", "timeout", "contract", "http-5xx"):  # the LLM answered: priced as gpt-4o
        rec = _record(
            "fallback", in_distribution(1)[0], reason=reason, slm_output="maybe" if reason == "contract" else None
        )
        rec.output, rec.input_tokens, rec.output_tokens = "billing", 1000, 50
        records.append(rec)
    findings = watch(bundle, records, Thresholds(min_calls=5))
    (site,) = findings["sites"]
    assert site["fallbacks"] == {"timeout": 2, "contract": 1, "http-5xx": 1} and site["fallback_rate"] == 0.4
    llm_usd = 4 * llm_price("gpt-4o").call_cost(1000, 50)
    slm_usd = 6 * (10 + 0.1 * 100) * 0.05 / 1e6
    assert site["cost"]["llm_usd"] == pytest.approx(llm_usd, rel=1e-4)
    assert site["cost"]["slm_usd"] == pytest.approx(slm_usd, rel=1e-3)
    assert site["cost"]["usd_per_1k_calls"] == pytest.approx(1000 * (llm_usd + slm_usd) / 10, rel=1e-4)
    assert site["agreement"]["rejected_paired"] == 1 and site["agreement"]["paired"] == 0
    assert site["status"] == "ok"  # 40 % fallbacks is within the gate's 50 %
    assert watch(bundle, records, Thresholds(min_calls=5, max_fallback=0.3))["sites"][0]["status"] == "below-gate"


def test_monitor_reads_a_log_ingested_to_slmc_jsonl_the_same(tmp_path, slm):
    bundle = _bundle(tmp_path, slm.url)
    traffic = [in_distribution(i) for i in range(8)]
    log = tmp_path / "router.jsonl"
    _serve_traffic(bundle, log, [t for t, _ in traffic], dict(traffic), slm)
    ingested = tmp_path / "ingested.jsonl"
    assert (
        subprocess.run(
            [sys.executable, "-m", "slmc", "traces", "ingest", str(log), "--out", str(ingested)],
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            timeout=60,
        ).returncode
        == 0
    )
    a = watch(bundle, read_traces([log])[0])
    b = watch(bundle, read_traces([ingested])[0])
    assert a["sites"] == b["sites"] and a["sites"][0]["agreement"]["paired"] == 8


def test_a_hostile_or_old_bundle_profile_never_breaks_the_monitor(tmp_path):
    bundle = _bundle(tmp_path, "http://127.0.0.1:9")
    bad = {"gate": {"target": "high"}, "sites": {SITE: {"encoder": drift.ENCODER, "centroid": [1e308] * 3}}}
    (bundle / "report" / "monitor.json").write_text(json.dumps(bad), encoding="utf-8")
    findings = watch(bundle, [_record("slm", "wifi", slm_output="tech")])
    assert findings["gate"]["target"] == 0.95 and "note" in findings["sites"][0]["drift"]
    (bundle / "report" / "monitor.json").write_text("{not json", encoding="utf-8")
    done = _monitor(str(bundle), "--traces", str(tmp_path / "bundle" / "slmc-manifest.yaml"))
    assert done.returncode == 2 and "monitor.json" in done.stderr and "Traceback" not in done.stderr
    done = _monitor(str(tmp_path / "nowhere"), "--traces", str(bundle / "report" / "monitor.json"))
    assert done.returncode == 2 and "no slmc-manifest.yaml" in done.stderr


def test_the_compile_time_profile_holds_no_training_text():
    texts = [in_distribution(i)[0] for i in range(20)]
    records = [TraceRecord(site_id=SITE, split="train", messages=messages(t)) for t in texts]
    records.append(TraceRecord(site_id=SITE, split="test", messages=messages("held-out test ticket text")))
    task = SimpleNamespace(sites=(SITE,), slm=SimpleNamespace(params_b=0.5))
    graph = SimpleNamespace(tasks=lambda: [task])
    settings = SimpleNamespace(gate_target=0.97, max_fallback=0.3, gpu_memory=None, cpu_only=False, prices=None)
    profile = bundle_profile(graph, records, settings)
    dumped = json.dumps(profile)
    assert not any(word in dumped for word in ("invoice", "wifi", "held-out", "floor"))
    assert profile["gate"] == {"target": 0.97, "max_fallback": 0.3}
    site = profile["sites"][SITE]
    assert site["n"] == 20 and len(site["centroid"]) == drift.DIMS and site["slm_usd_per_1m"] > 0
    assert drift.score(site, texts)["outside_share"] <= 0.1
    assert drift.score(site, [drifted(i) for i in range(10)])["outside_share"] == 1.0
