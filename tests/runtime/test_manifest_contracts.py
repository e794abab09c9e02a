"""Manifest loading and errors, contract checks and agreement, import lightness."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import slmc.runtime as runtime
from slmc.errors import SlmcError
from slmc.runtime.contracts import Contract, normalise_label
from slmc.runtime.manifest import load_manifest
from slmc.runtime.types import Answer

from .servers import SITE, write_manifest


def test_yaml_and_json_manifests_load_the_same_table(tmp_path):
    (tmp_path / "adapters" / "intent").mkdir(parents=True)
    yaml_m = load_manifest(write_manifest(tmp_path, "http://127.0.0.1:9"))
    json_m = load_manifest(write_manifest(tmp_path, "http://127.0.0.1:9", name="m.json"))
    assert yaml_m.sites == json_m.sites and yaml_m.endpoints == json_m.endpoints
    site = yaml_m.sites[SITE]
    assert site.adapter.path == str(tmp_path / "adapters" / "intent")  # resolved against the manifest's folder
    assert site.adapter.int_id == 3 and site.max_tokens == 16 and site.timeout_s == 2
    endpoint = yaml_m.endpoints["base-0"]
    assert endpoint.url == "http://127.0.0.1:9/v1" and endpoint.model == "models/base-0"
    assert endpoint.base_model == "models/base-0"  # no such folder: kept as a hub-style id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"decision": "maybe"}, "decision 'maybe'"),
        ({"endpoint": "nope"}, "endpoint 'nope' is not defined"),
        ({"api": "grpc"}, "api 'grpc'"),
        ({"contract": {"kind": "regex", "pattern": "("}}, "pattern does not compile"),
        ({"contract": {"kind": "label"}}, "label contract without labels"),
        ({"threshold": "high"}, "threshold must be a number"),
    ],
)
def test_bad_site_entries_are_clear_errors(tmp_path, change, message):
    path = write_manifest(tmp_path, "http://127.0.0.1:9", **change)
    with pytest.raises(SlmcError, match=message) as info:
        runtime.configure(path)
    assert info.value.path == str(path)


def test_bad_files_and_unknown_targets(tmp_path):
    with pytest.raises(SlmcError, match="manifest not found"):
        load_manifest(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nsites: [\n", encoding="utf-8")
    with pytest.raises(SlmcError, match="not valid YAML") as info:
        load_manifest(bad)
    assert info.value.line is not None
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": 1,', encoding="utf-8")
    with pytest.raises(SlmcError, match="not valid JSON"):
        load_manifest(broken)
    with pytest.raises(SlmcError, match="no backend for endpoint target"):
        runtime.configure(write_manifest(tmp_path, "http://127.0.0.1:9", target="sglang"))
    with pytest.raises(SlmcError, match="mode 'fast'"):
        runtime.configure(write_manifest(tmp_path, "http://127.0.0.1:9"), mode="fast")


def test_bad_manifest_from_env_warns_once_and_passes_through(tmp_path, monkeypatch):
    monkeypatch.setenv("SLMC_MANIFEST", str(tmp_path / "nowhere.yaml"))
    runtime.reset()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert runtime.call(SITE, "openai.chat", lambda **kw: "llm", model="m", messages=[]) == "llm"
        assert runtime.call(SITE, "openai.chat", lambda **kw: "llm2", model="m", messages=[]) == "llm2"
    assert len([w for w in caught if "manifest not found" in str(w.message)]) == 1


def test_label_contract_normalises_and_canonicalises():
    contract = Contract({"kind": "label", "labels": ["Billing", "Tech Support"]})
    for raw in ["billing", '  "Billing".', "BILLING\n", "'billing'"]:
        verdict = contract.check(Answer(content=raw))
        assert verdict.ok and verdict.answer.content == "Billing"
    assert contract.check(Answer(content="tech   support")).answer.content == "Tech Support"
    assert not contract.check(Answer(content="billing please")).ok
    assert not contract.check(Answer(tool_calls=[{"name": "x", "arguments": "{}"}])).ok
    assert normalise_label("“Tech”") == "tech"


def test_json_regex_text_contracts():
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    js = Contract({"kind": "json", "schema": schema})
    assert js.check(Answer(content='{"n": 3}')).ok
    assert "schema" in js.check(Answer(content='{"n": "3"}')).error
    assert "not JSON" in js.check(Answer(content="n=3")).error
    # schema from the request's response_format when the contract has none
    assert not Contract({"kind": "json"}).check(Answer(content='{"m": 1}'), schema=schema).ok
    rx = Contract({"kind": "regex", "pattern": r"[A-Z]{3}-\d+"})
    assert rx.check(Answer(content=" ABC-12 \n")).answer.content == "ABC-12"
    assert not rx.check(Answer(content="ABC-12 and more")).ok
    text = Contract({"kind": "text", "min_length": 3, "max_length": 10})
    assert text.check(Answer(content="hello")).ok
    assert not text.check(Answer(content="hi")).ok and not text.check(Answer(content="x" * 11)).ok
    assert not Contract({"kind": "text"}).check(Answer(content="   ")).ok


def test_tool_call_contract_uses_manifest_tools_over_request_tools():
    contract = Contract(
        {"kind": "tool-call", "tools": [{"name": "route", "parameters": {"type": "object", "required": ["q"]}}]}
    )
    assert contract.check(Answer(tool_calls=[{"name": "route", "arguments": '{"q": 1}'}])).ok
    assert "required" in contract.check(Answer(tool_calls=[{"name": "route", "arguments": "{}"}])).error
    assert "not JSON" in contract.check(Answer(tool_calls=[{"name": "route", "arguments": "{q"}])).error
    request_tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    assert (
        Contract({"kind": "tool-call"}).check(Answer(content='[{"name": "lookup", "arguments": {}}]'), request_tools).ok
    )


def test_agreement_under_each_contract():
    assert Contract({"kind": "label", "labels": ["a"]}).agree(Answer(content="A."), Answer(content="a"))
    assert Contract({"kind": "json"}).agree(
        Answer(content='{"x": 1, "y": 2}'), Answer(content='```json\n{"y": 2, "x": 1}\n```')
    )
    tools = Contract({"kind": "tool-call"})
    slm = Answer(tool_calls=[{"name": "f", "arguments": '{"a": 1, "b": 2}'}])
    assert tools.agree(slm, Answer(tool_calls=[{"name": "f", "arguments": '{"b":2,"a":1}'}]))
    assert not tools.agree(slm, Answer(tool_calls=[{"name": "f", "arguments": '{"a": 2}'}]))
    assert not Contract({"kind": "text"}).agree(Answer(content="yes"), Answer(content="no"))


def test_runtime_import_is_light():
    code = (
        "import sys, slmc.runtime\n"
        "heavy = [m for m in ('torch', 'transformers', 'peft', 'networkx', 'openai', 'jsonschema', 'yaml') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2]
    )
    assert out.stdout.strip() == ""


def test_json_manifest_by_content(tmp_path):
    path = tmp_path / "slmc-manifest.yaml"
    path.write_text(json.dumps({"version": 1, "endpoints": {}, "sites": {}}), encoding="utf-8")
    assert load_manifest(path).sites == {}
