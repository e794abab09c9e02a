"""The manifest schema (draft 2020-12) and loader: a good manifest passes, broken ones name the JSON path."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from slmc.codegen.manifest import load_manifest, manifest_errors, manifest_schema, validate_manifest
from slmc.errors import SlmcError

SITE = "llm:classify@agent.py:42"
GOOD = {
    "version": 1,
    "agent": {"name": "support_agent", "source": "agent.py"},
    "defaults": {"timeout_s": 20, "mode": "serve"},
    "endpoints": {
        "base-0": {"target": "vllm", "url": "http://localhost:8000/v1", "base_model": "models/base-0"},
        "local": {"target": "hf", "base_model": "Qwen/Qwen2.5-0.5B-Instruct"},
    },
    "sites": {
        SITE: {
            "decision": "offload",
            "reasons": ["agreement 0.98 (lower bound 0.96) >= 0.95"],
            "task": "task:intent",
            "api": "openai.chat",
            "endpoint": "base-0",
            "adapter": {"name": "intent", "path": "adapters/intent", "int_id": 1},
            "contract": {"kind": "label", "labels": ["billing", "tech"]},
            "threshold": -0.35,
            "max_tokens": 64,
            "eval": {"agreement": 0.98, "lower_bound": 0.96, "n": 200, "fallback_rate": 0.04},
        },
        "llm:reply@agent.py:50": {"decision": "keep", "reasons": ["open-ended"]},
    },
}


def mutate(fn) -> dict:
    doc = copy.deepcopy(GOOD)
    fn(doc)
    return doc


def test_schema_is_valid_draft_2020_12() -> None:
    schema = manifest_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_good_manifest_passes(tmp_path: Path) -> None:
    assert manifest_errors(GOOD) == []
    (tmp_path / "models" / "base-0").mkdir(parents=True)
    (tmp_path / "adapters" / "intent").mkdir(parents=True)
    path = tmp_path / "slmc-manifest.yaml"
    path.write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    assert validate_manifest(path) == []
    assert load_manifest(path)["sites"][SITE]["adapter"]["int_id"] == 1


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (mutate(lambda d: d.pop("version")), "$: 'version' is a required property"),
        (mutate(lambda d: d.update(version=2)), "$.version: 1 was expected"),
        (
            mutate(lambda d: d["sites"][SITE].update(decision="maybe")),
            f"$.sites[\"{SITE}\"].decision: 'maybe' is not one of",
        ),
        (mutate(lambda d: d["sites"][SITE].pop("endpoint")), f"$.sites[\"{SITE}\"]: 'endpoint' is a required property"),
        (mutate(lambda d: d["sites"][SITE].update(api="openai.chat.v2")), f'$.sites["{SITE}"].api'),
        (
            mutate(lambda d: d["sites"][SITE].update(decison="offload")),
            "Additional properties are not allowed ('decison'",
        ),
        (mutate(lambda d: d["sites"][SITE]["contract"].pop("labels")), "'labels' is a required property"),
        (mutate(lambda d: d["sites"][SITE]["adapter"].update(int_id=-1)), ".adapter"),
        (mutate(lambda d: d["sites"][SITE].update(max_tokens=0)), f'$.sites["{SITE}"].max_tokens: 0 is less than'),
        (
            mutate(lambda d: d["endpoints"]["base-0"].pop("url")),
            "$.endpoints[\"base-0\"]: 'url' is a required property",
        ),
        (mutate(lambda d: d["endpoints"]["local"].update(url="http://x/v1")), "$.endpoints.local: {"),
        (mutate(lambda d: d["endpoints"]["base-0"].update(target="tgi")), '$.endpoints["base-0"].target'),
        (mutate(lambda d: d["sites"].update({"classify": {"decision": "keep"}})), "$.sites: 'classify' does not match"),
        (mutate(lambda d: d["defaults"].update(mode="fast")), "$.defaults.mode: 'fast' is not one of"),
        (
            mutate(lambda d: d["sites"][SITE].update(endpoint="base-9")),
            f"$.sites[\"{SITE}\"].endpoint: 'base-9' is not defined under endpoints (defined: base-0, local)",
        ),
    ],
)
def test_broken_manifests_name_the_json_path(doc: dict, expected: str) -> None:
    errors = manifest_errors(doc)
    assert errors, "a broken manifest passed"
    assert any(expected in e for e in errors), errors


def test_files_are_checked_next_to_the_manifest(tmp_path: Path) -> None:
    path = tmp_path / "slmc-manifest.yaml"
    path.write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    errors = validate_manifest(path)
    assert f"$.sites[\"{SITE}\"].adapter.path: 'adapters/intent' does not exist in {tmp_path}" in errors
    assert any(e.startswith('$.endpoints["base-0"].base_model') for e in errors)
    assert validate_manifest(path, check_files=False) == []


def test_load_manifest_reports_user_errors(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("version: 1\nsites: [\n  - x: 1\n", encoding="utf-8")
    (problem,) = validate_manifest(bad_yaml)
    assert problem.startswith(f"{bad_yaml}: not valid YAML (line")

    broken = tmp_path / "slmc-manifest.yaml"
    broken.write_text(yaml.safe_dump(mutate(lambda d: d["sites"][SITE].update(decision="maybe"))), encoding="utf-8")
    with pytest.raises(SlmcError) as err:
        load_manifest(broken, check_files=False)
    assert err.value.path == str(broken) and f'$.sites["{SITE}"].decision' in str(err.value) and err.value.hint

    with pytest.raises(SlmcError, match="manifest not found"):
        load_manifest(tmp_path / "missing.yaml")


def test_the_self_check_refuses_models_outside_the_bundle_and_pickles(tmp_path: Path) -> None:
    (tmp_path / "adapters" / "intent").mkdir(parents=True)
    (tmp_path / "models" / "base-0").mkdir(parents=True)
    assert manifest_errors(GOOD, tmp_path) == []
    at = f'$.sites["{SITE}"].adapter.path'
    for path in ("/etc", "../elsewhere/intent"):
        doc = mutate(lambda d, path=path: d["sites"][SITE]["adapter"].update(path=path))
        assert any(e.startswith(at) and "outside the bundle" in e for e in manifest_errors(doc, tmp_path)), path
    doc = mutate(lambda d: d["endpoints"]["base-0"].update(base_model="/opt/models/base"))
    assert any("base_model" in e and "outside the bundle" in e for e in manifest_errors(doc, tmp_path))
    (tmp_path / "adapters" / "intent" / "classifier.joblib").write_bytes(b"\x80\x04N.")
    errors = manifest_errors(GOOD, tmp_path)
    assert len(errors) == 1 and errors[0].startswith(at) and "classifier.joblib: a pickle" in errors[0]
