"""Golden tests: every file of each target's bundle for the support agent. ``SLMC_UPDATE_GOLDEN=1`` rewrites them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from slmc.codegen.bundle import write_bundle
from slmc.codegen.manifest import validate_manifest
from slmc.targets.tensorrt_llm.validate import validate_trtllm_dir
from slmc.targets.validate import validate_bundle

from .graphs import mixed_workspace, support_workspace

GOLDEN = Path(__file__).parent / "golden"
TEXT_SUFFIXES = {".yaml", ".sh", ".md", ".patch", ".py", ".json"}
CASES = {
    "vllm": ("vllm", {}),
    "tensorrt-llm": ("tensorrt-llm", {}),
    "tensorrt-llm-engine": ("tensorrt-llm", {"engine": True}),
    "hf": ("hf", {}),
    "llamacpp": ("llamacpp", {}),
}
# The same targets for a plan holding LoRA adapters and an encoder head (classifier-head, served in-process).
HEAD_CASES = {f"{case}+heads": spec for case, spec in CASES.items()}
# ... and with the head a BertForSequenceClassification: vLLM serves it with its pooling runner, the others in-process.
SEQ_CASES = {f"{case}+seqcls": spec for case, spec in CASES.items()}


def _golden_path(golden: Path, rel: Path) -> Path:
    """Golden copy of a bundle file; Python files get ``.txt`` so linters leave generated code alone."""
    return golden / (f"{rel}.txt" if rel.suffix == ".py" else rel)


def _listing(bundle: Path) -> str:
    return "".join(f"{p.relative_to(bundle)}\n" for p in sorted(bundle.rglob("*")) if p.is_file())


def _compare(bundle: Path, golden: Path) -> None:
    if os.environ.get("SLMC_UPDATE_GOLDEN") == "1":
        shutil.rmtree(golden, ignore_errors=True)
        golden.mkdir(parents=True)
        (golden / "FILES.txt").write_text(_listing(bundle), encoding="utf-8")
        for p in sorted(bundle.rglob("*")):
            if p.is_file() and p.suffix in TEXT_SUFFIXES:
                dest = _golden_path(golden, p.relative_to(bundle))
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
        return
    assert golden.is_dir(), f"no golden files in {golden}; run with SLMC_UPDATE_GOLDEN=1"
    assert _listing(bundle) == (golden / "FILES.txt").read_text(encoding="utf-8")
    for p in sorted(bundle.rglob("*")):
        if p.is_file() and p.suffix in TEXT_SUFFIXES:
            expected = _golden_path(golden, p.relative_to(bundle)).read_text(encoding="utf-8")
            assert p.read_text(encoding="utf-8") == expected, f"{p.relative_to(bundle)} differs from the golden file"


@pytest.mark.parametrize("case", sorted(CASES) + sorted(HEAD_CASES) + sorted(SEQ_CASES))
def test_bundle_matches_golden(case: str, tmp_path: Path) -> None:
    """Every file of every target's bundle, for the support agent and for it plus an encoder head (an slmc head, or
    a sequence classifier); each bundle passes the whole-bundle static validator (containers, README, requests, LoRA
    limits, adapter ids, classifier servers)."""
    sequence = case.endswith("+seqcls")
    heads = case.endswith("+heads") or sequence
    target, target_options = CASES[case.split("+")[0]]
    graph, options = mixed_workspace(tmp_path, sequence=sequence) if heads else support_workspace(tmp_path)
    bundle = tmp_path / "bundle"
    result = write_bundle(graph, {**options, "target_options": target_options}, bundle, target)

    _compare(bundle, GOLDEN / case)
    assert validate_manifest(bundle / "slmc-manifest.yaml") == []
    # classify, extract and the request it reaches (+ topic)
    assert [c.action for c in result.changes] == ["wrapped"] * (4 if heads else 3)
    for script in bundle.rglob("*.sh"):
        assert os.access(script, os.X_OK), f"{script.name} is not executable"
    if target == "tensorrt-llm":
        assert validate_trtllm_dir(bundle) == []
    assert validate_bundle(bundle) == []
    if heads:
        manifest = yaml.safe_load((bundle / "slmc-manifest.yaml").read_text())
        topic = manifest["sites"]["llm:topic@agent.py:33"]
        assert topic["adapter"]["kind"] == "classifier-head"
        served_by = "vllm" if sequence and target == "vllm" else "hf"
        assert manifest["endpoints"][topic["endpoint"]]["target"] == served_by


def test_manifest_routes_each_target_its_own_way(tmp_path: Path) -> None:
    """The adapter selection the runtime needs differs per target: model name, lora_request, flag-order id."""
    seen = {}
    for target in ("vllm", "tensorrt-llm", "llamacpp", "hf"):
        graph, options = support_workspace(tmp_path / target)
        write_bundle(graph, options, tmp_path / target / "bundle", target)
        manifest = yaml.safe_load((tmp_path / target / "bundle" / "slmc-manifest.yaml").read_text())
        seen[target] = manifest
    site = "llm:extract@agent.py:25"
    assert seen["vllm"]["sites"][site]["adapter"]["int_id"] == 2
    assert seen["tensorrt-llm"]["sites"][site]["adapter"]["lora_request"] == {
        "lora_name": "order-id",
        "lora_int_id": 2,
        "lora_path": "adapters/order-id",
    }
    assert seen["llamacpp"]["sites"][site]["adapter"]["int_id"] == 1  # second --lora flag
    assert seen["llamacpp"]["endpoints"]["base-0"]["url"] == "http://localhost:8080/v1"
    assert "url" not in seen["hf"]["endpoints"]["base-0"]
    assert seen["vllm"]["sites"]["llm:reply@agent.py:29"] == {
        "decision": "keep",
        "reasons": ["open-ended generation"],
        "api": "openai.chat",  # a wrapper-call takes the shape of the request it reaches
    }
