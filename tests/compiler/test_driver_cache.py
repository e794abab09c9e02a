"""The compile driver's stage cache never holds a raw copy of the traces: only stages after scrub-pii are cached.

A compile (``--emit ir``) of the support example on a slice of its traces with planted e-mails, cards and IBANs:
no planted value may appear in any file the compile wrote (output and cache folder), a second compile still resumes
from the cache, and a pipeline without scrub-pii caches nothing.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from slmc.compiler.driver import CompileOptions, compile_agent
from slmc.compiler.settings import Settings
from slmc.ir.unit import CompileUnit
from tests.curation import planted

ROOT = Path(__file__).resolve().parents[2]
AGENT = ROOT / "examples" / "support_agent" / "agent.py"


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    rng = random.Random(7)
    folder = tmp_path_factory.mktemp("driver-cache")
    values: list[str] = []
    lines = (ROOT / "examples" / "support_agent" / "traces.jsonl").read_text(encoding="utf-8").splitlines()[:80]
    out = []
    for line in lines:
        rec = json.loads(line)
        value = rng.choice([planted.email, planted.card, planted.iban])(rng)
        values.append(value)
        for m in rec["messages"]:
            if m["role"] == "user":
                m["content"] += f" My details: {value}."
        out.append(json.dumps(rec))
    path = folder / "traces.jsonl"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path, values


def _compile(traces: Path, out: Path, pipeline: str | None = None) -> list[str]:
    log: list[str] = []
    opts = CompileOptions(
        sources=[AGENT], traces=[traces], out=out, emit="ir", pipeline=pipeline, progress=False,
        settings=Settings(embedder="tfidf"),
    )  # fmt: skip
    compile_agent(opts, log=log.append)
    return log


def _written_files(folder: Path, exclude: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p != exclude]


def test_no_raw_trace_copy_in_output_or_cache_and_resume_still_works(traces, tmp_path: Path) -> None:
    path, values = traces
    out = tmp_path / "build"
    first = _compile(path, out)
    assert not any("resuming" in line for line in first)
    cache = tmp_path / ".build.slmc-cache"
    stages = sorted(p.name.rsplit("-", 1)[0] for p in cache.iterdir() if p.is_dir() and p.name != "work")
    assert "scrub-pii" in stages and "select-slm" in stages
    assert not {"frontend", "triage", "link-traces"} & set(stages)  # before scrubbing: never written
    files = _written_files(tmp_path, exclude=path)
    assert any(f.name == "traces.jsonl" for f in files)  # the scrubbed copy the later stages resume from
    leaked = sorted({v for f in files for v in values if v in f.read_text(encoding="utf-8", errors="replace")})
    assert leaked == []

    files = {p.name.rsplit("-", 1)[0]: p / "traces.jsonl" for p in cache.iterdir() if (p / "traces.jsonl").exists()}
    inode = {stage: f.stat().st_ino for stage, f in files.items()}
    assert inode["select-slm"] == inode["score-offload"] == inode["infer-contracts"] == inode["cluster-tasks"]
    assert inode["cluster-tasks"] != inode["curate"]  # clustering sets each record's task: written again

    second = _compile(path, out)
    assert any("resuming after stage select-slm (cached)" in line for line in second)


def test_a_pipeline_without_scrub_pii_caches_nothing(traces, tmp_path: Path) -> None:
    path, values = traces
    _compile(path, tmp_path / "build", pipeline="triage,link-traces")
    cache = tmp_path / ".build.slmc-cache"
    assert [p.name for p in cache.iterdir() if p.is_dir() and p.name != "work"] == []
    assert not any(
        v in f.read_text(encoding="utf-8", errors="replace") for f in _written_files(tmp_path, path) for v in values
    )


def test_every_pass_that_claims_to_keep_the_traces_keeps_them(traces, tmp_path: Path) -> None:
    """The stage cache links the previous trace file after such a pass: a wrong claim would resume from stale records."""
    from slmc.compiler import passmanager as pm
    from slmc.frontend import analyze_paths
    from slmc.traces.ingest import read_traces

    path, _ = traces
    graph, _ = analyze_paths([AGENT], root=AGENT.parent)
    records, _ = read_traces([path])
    settings = Settings(embedder="tfidf")
    ctx = pm.PassContext(root=AGENT.parent, out_dir=tmp_path, settings=settings)
    unit = CompileUnit(graph, records)
    passes = pm.parse_pipeline(pm.ANALYZE_PIPELINE + ",plan-finetune", settings)
    claimed = [p.name for p in passes if p.keeps_traces]
    assert {"infer-contracts", "score-offload", "select-slm", "plan-finetune"} <= set(claimed)
    for p in passes:
        before = [r.to_json() for r in unit.traces]
        unit = pm.PassManager([p]).run(ctx, unit)
        if p.keeps_traces:
            assert [r.to_json() for r in unit.traces] == before, p.name
