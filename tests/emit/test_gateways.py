"""Gateway configs in the bundle: the LiteLLM config loaded by LiteLLM's own Router and routed through local servers
(the small model failing with 500 falls back to the LLM), the vLLM Semantic Router config checked against its own
validator when ``vllm-sr`` is installed and structurally always, hostile names kept out of the structure."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from slmc.codegen.bundle import write_bundle
from slmc.codegen.gateways import LITELLM_CONFIG, SEMANTIC_ROUTER_CONFIG, UNKNOWN_LLM, write_gateways
from slmc.ir.graph import AgentGraph, GraphMeta
from slmc.ir.nodes import Decision, LLMCall, Loc, SiteKind, Task
from slmc.testing.fake_llm import FakeLLM

from .graphs import support_workspace

MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9][A-Za-z0-9_-]*")


def _bundle(tmp_path: Path, target: str) -> Path:
    graph, options = support_workspace(tmp_path)
    write_bundle(graph, options, tmp_path / "bundle", target)
    return tmp_path / "bundle"


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


class _Failing(BaseHTTPRequestHandler):
    """A small-model server that answers every request with 500, recording it."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[dict[str, str], dict[str, Any]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        type(self).seen.append(({k.lower(): v for k, v in self.headers.items()}, body))
        data = b'{"error": {"message": "model crashed"}}'
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def failing_server():
    _Failing.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", _Failing.seen
    server.shutdown()
    server.server_close()


def _pointed(config: dict[str, Any], slm_url: str, llm_url: str) -> list[dict[str, Any]]:
    """The config's model list with the servers moved onto the local test servers (as a user sets their hosts)."""
    out = []
    for entry in config["model_list"]:
        entry = json.loads(json.dumps(entry))
        is_slm = "slmc_sites" in entry.get("model_info", {})
        entry["litellm_params"]["api_base"] = slm_url if is_slm else llm_url
        out.append(entry)
    return out


def test_litellm_router_serves_tasks_from_the_bundle_and_falls_back_to_the_llm(
    tmp_path: Path, failing_server: tuple[str, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """LiteLLM's Router builds from the emitted config; a task name reaches the SLM server with the adapter selected
    as the runtime selects it (vLLM: the model name; llama-server: ``lora`` in the body), the key read from
    ``$SLMC_API_KEY``; when the SLM server answers 500 the call falls back, without retrying it, to the LLM model the
    site used."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    litellm = pytest.importorskip("litellm")
    monkeypatch.setenv("SLMC_API_KEY", "slm-key")
    monkeypatch.setenv("OPENAI_API_KEY", "llm-key")
    slm_url, seen = failing_server

    vllm = _load(_bundle(tmp_path / "v", "vllm") / LITELLM_CONFIG)
    names = [e["model_name"] for e in vllm["model_list"]]
    assert names == ["support_agent/intent", "support_agent/order-id", "gpt-4o"]
    assert vllm["model_list"][0]["litellm_params"]["api_base"] == "http://localhost:8000/v1"  # the manifest's URL
    assert vllm["model_list"][0]["model_info"]["slmc_sites"] == ["llm:classify@agent.py:16"]
    assert vllm["router_settings"]["fallbacks"] == [
        {"support_agent/intent": ["gpt-4o"]},
        {"support_agent/order-id": ["gpt-4o"]},  # a wrapper-call: the model of the request it reaches
    ]

    with FakeLLM(teacher=lambda req: {"content": "billing"}) as llm:
        router = litellm.Router(model_list=_pointed(vllm, slm_url, llm.url), **vllm["router_settings"])
        out = router.completion(model="support_agent/intent", messages=[{"role": "user", "content": "charged twice"}])
        assert out.choices[0].message.content == "billing"  # the LLM's answer, after the SLM's 500
        assert [r["model"] for r in llm.requests] == ["gpt-4o"]
    (headers, body), *retries = seen
    assert retries == []  # no retry of the small model: straight to the LLM
    assert body["model"] == "intent"  # vLLM serves the adapter under its own name
    assert headers["authorization"] == "Bearer slm-key"

    llamacpp = _load(_bundle(tmp_path / "l", "llamacpp") / LITELLM_CONFIG)
    with FakeLLM(teacher=lambda req: {"content": "AB-123456"}) as slm, FakeLLM(teacher=lambda req: {}) as llm:
        router = litellm.Router(model_list=_pointed(llamacpp, slm.url, llm.url), **llamacpp["router_settings"])
        out = router.completion(model="support_agent/order-id", messages=[{"role": "user", "content": "order?"}])
        assert out.choices[0].message.content == "AB-123456"
        assert llm.requests == []
        (request,) = slm.requests
        assert request["model"] == "Qwen/Qwen2.5-0.5B-Instruct"
        assert request["lora"] == [{"id": 1, "scale": 1.0}]  # the manifest's int_id for order-id on llama.cpp


def test_semantic_router_config_routes_each_vllm_task_to_its_adapter(tmp_path: Path) -> None:
    """Every decision's signals are defined, every LoRA it names is declared on the model's card, every model has a
    provider, the task's keywords and examples are its signals, and the rest goes to the LLM."""
    bundle = _bundle(tmp_path, "vllm")
    doc = _load(bundle / SEMANTIC_ROUTER_CONFIG)
    assert doc["version"] == "v0.3"
    assert doc["providers"]["defaults"]["model"] == "gpt-4o"
    providers = {m["name"]: m for m in doc["providers"]["models"]}
    assert providers["Qwen/Qwen2.5-0.5B-Instruct"]["backend_refs"][0]["base_url"] == "http://localhost:8000/v1"
    assert providers["Qwen/Qwen2.5-0.5B-Instruct"]["backend_refs"][0]["api_key_env"] == "SLMC_API_KEY"
    cards = {c["name"]: c for c in doc["routing"]["modelCards"]}
    signals = doc["routing"]["signals"]
    defined = {
        (kind, s["name"]) for kind, key in (("keyword", "keywords"), ("embedding", "embeddings")) for s in signals[key]
    }
    routed = {}
    for decision in doc["routing"]["decisions"]:
        for cond in decision["rules"]["conditions"]:
            assert (cond["type"], cond["name"]) in defined
        for ref in decision["modelRefs"]:
            assert ref["model"] in providers and ref["model"] in cards
            if "lora_name" in ref:
                assert ref["lora_name"] in {lora["name"] for lora in cards[ref["model"]]["loras"]}
        routed[decision["name"]] = (decision["modelRefs"][0].get("lora_name"), decision["priority"])
    assert routed == {
        "support_agent-intent": ("intent", 200),
        "support_agent-order-id": ("order-id", 200),
        "llm-default": (None, 10),
    }
    keywords = {s["name"]: s["keywords"] for s in signals["keywords"]}
    assert keywords["support_agent-intent"] == ["invoice", "charged", "login"]
    examples = {s["name"]: s["candidates"] for s in signals["embeddings"]}
    assert examples["support_agent-order-id"] == ["where is my order AB-123456?"]

    for target in ("llamacpp", "tensorrt-llm", "hf"):  # vLLM only: the others select adapters outside `model`
        assert not (_bundle(tmp_path / target, target) / SEMANTIC_ROUTER_CONFIG).exists()


def _vllm_sr_validator() -> Any:
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        distribution("vllm-sr")
    except PackageNotFoundError:
        return None
    if importlib.util.find_spec("cli.commands.validate") is None:
        return None
    from cli.commands.validate import validate_command  # vllm-sr's own `vllm-sr config validate`

    return validate_command


@pytest.mark.skipif(_vllm_sr_validator() is None, reason="vllm-sr is not installed")
def test_semantic_router_config_passes_vllm_sr_validation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    validate = _vllm_sr_validator()
    validate(str(_bundle(tmp_path, "vllm") / SEMANTIC_ROUTER_CONFIG))  # exits 1 on a problem
    assert "Configuration is valid" in capsys.readouterr().out


def test_hostile_names_stay_names_and_an_unknown_llm_is_said(tmp_path: Path) -> None:
    """Agent, task, site and keyword text from the data cannot add keys, documents or comment lines; model names
    stay ``<slug>/<slug>``; a site whose LLM neither the code nor the traces name gets a placeholder, said in the
    header."""
    evil = "x\n---\nmodel_list: []\n# "
    task_id = f"task:{evil}"
    site_id = f"llm:{evil}@a.py:1"
    graph = AgentGraph(GraphMeta(root="."))
    graph.add(LLMCall(id=site_id, site=SiteKind.REQUEST, loc=Loc("a.py", 1), client="openai", api="c"))
    graph.add(Task(id=task_id, name=evil, sites=(site_id,), keywords=(evil, "ok"), examples=(evil,)))
    adapter = {"name": "a1", "path": "adapters/a1", "int_id": 1, "kind": "lora"}
    manifest = {
        "agent": {"name": evil},
        "defaults": {"timeout_s": 5},
        "endpoints": {"base-0": {"target": "vllm", "url": "http://h:1/v1", "base_model": "m", "model": "m"}},
        "sites": {site_id: {"decision": "offload", "task": task_id, "endpoint": "base-0", "adapter": adapter}},
    }
    written = write_gateways(graph, manifest, tmp_path)
    assert written == [LITELLM_CONFIG, SEMANTIC_ROUTER_CONFIG]
    for rel in written:
        text = (tmp_path / rel).read_text(encoding="utf-8")
        lines = text.splitlines()
        body = next(i for i, line in enumerate(lines) if not line.startswith("# "))
        assert body >= 4 and not any(line.startswith(("#", "---")) for line in lines[body:])
        assert len(list(yaml.safe_load_all(text))) == 1
    litellm_doc = _load(tmp_path / LITELLM_CONFIG)
    (slm, llm) = litellm_doc["model_list"]
    assert MODEL_NAME.fullmatch(slm["model_name"])
    assert slm["model_info"]["slmc_sites"] == [site_id]  # data stays data
    assert llm["model_name"] == UNKNOWN_LLM
    assert litellm_doc["router_settings"]["fallbacks"] == [{slm["model_name"]: [UNKNOWN_LLM]}]
    assert f"replace {UNKNOWN_LLM}" in (tmp_path / LITELLM_CONFIG).read_text(encoding="utf-8")
    sr = _load(tmp_path / SEMANTIC_ROUTER_CONFIG)
    assert sr["routing"]["signals"]["keywords"][0]["keywords"] == [evil, "ok"]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", d["name"]) for d in sr["routing"]["decisions"])


def test_nothing_for_a_gateway_without_an_http_endpoint(tmp_path: Path) -> None:
    """In-process (hf) endpoints have no URL: no gateway config, and the README lists none."""
    bundle = _bundle(tmp_path, "hf")
    assert not (bundle / "litellm").exists() and not (bundle / "semantic-router").exists()
    assert "litellm" not in (bundle / "README.md").read_text(encoding="utf-8")
    graph = AgentGraph(GraphMeta(root="."))
    manifest = {"agent": {"name": "a"}, "endpoints": {}, "sites": {"s": {"decision": Decision.KEEP.value}}}
    assert write_gateways(graph, manifest, tmp_path / "empty") == []


def test_the_llm_route_keeps_a_name_of_its_own(tmp_path: Path) -> None:
    """An agent ``llm`` with a task ``default`` gives the task's decision the name ``llm-default``: the catch-all
    LLM decision then takes another, so neither replaces the other."""
    site_id = "llm:f@a.py:1"
    graph = AgentGraph(GraphMeta(root="."))
    graph.add(LLMCall(id=site_id, site=SiteKind.REQUEST, loc=Loc("a.py", 1), client="openai", model="gpt-4o"))
    graph.add(Task(id="task:default", name="default", sites=(site_id,), keywords=("x",)))
    manifest = {
        "agent": {"name": "llm"},
        "endpoints": {"base-0": {"target": "vllm", "url": "http://h:1/v1", "base_model": "m"}},
        "sites": {site_id: {"decision": "offload", "task": "task:default", "endpoint": "base-0"}},
    }
    write_gateways(graph, manifest, tmp_path)
    decisions = _load(tmp_path / SEMANTIC_ROUTER_CONFIG)["routing"]["decisions"]
    assert [(d["name"], d["modelRefs"][0]["model"]) for d in decisions] == [
        ("llm-default", "m"),
        ("llm-default-2", "gpt-4o"),
    ]
