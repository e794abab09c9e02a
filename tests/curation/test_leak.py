"""Leak test: plant hundreds of valid secrets and PII values into traces, run ingest -> link -> scrub -> curate (and the
later stages and writers that exist), and check that no planted value reaches any output file or artifact.

Writers exercised when importable (each is optional so this test runs while the tree grows): the trace ingest
(``slmc.traces.ingest.read_traces``, else ``TraceRecord.from_dict``), ``cluster-tasks{embedder=tfidf}`` (task examples
in the IR), the IR dump (``slmc.ir.dumps``) and text form (``print_graph``), the per-task datasets
(``slmc.training.datasets``), the scrubbed trace store (``TraceRecord.to_json``), pass artifacts and diagnostics.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from slmc.compiler.passmanager import PassContext, PassManager
from slmc.compiler.settings import Settings
from slmc.ir import AgentGraph, LLMCall, Loc, Message, Prompt, PromptPart, SiteKind, dumps, print_graph
from slmc.ir.nodes import Decision, EdgeKind, slug
from slmc.ir.unit import CompileUnit, dumps_unit
from slmc.traces import Frame, TraceRecord

from . import planted

SYSTEM_PROMPTS = {
    "llm:extract_contact@agent.py:30": "Extract the customer's contact details from the message as JSON.",
    "llm:route@agent.py:50": "Route the support message to the right queue with the route_ticket tool.",
    "llm:reply@agent.py:70": "Write a short, polite reply to the customer.",
}
ORDINARY = [
    "ORD-2024-000123",
    "2024-01-15",
    "10:30:00",
    "v3.11.7",
    "550e8400-e29b-41d4-a716-446655440000",
    "1,299.99",
    "AB-12345",
    "127.0.0.1",
    "3f786850e387550fdab836ed7e6dc881de23001b",
    "4500012345",
]


def plant_values(rng: random.Random) -> list[tuple[str, str]]:
    """(kind, value) pairs: at least 200, every generator and every API-key prefix."""
    values: list[tuple[str, str]] = []
    gens: list[tuple[str, Callable[[random.Random], str], int]] = [
        ("card", planted.card, 25),
        ("email", planted.email, 25),
        ("phone", planted.phone, 30),
        ("ssn", planted.ssn, 15),
        ("nino", planted.nino, 10),
        ("ipv4", planted.ipv4, 15),
        ("ipv6", planted.ipv6, 10),
        ("jwt", planted.jwt, 10),
        ("bearer", planted.bearer, 10),
        ("pem", planted.pem, 4),
        ("person", planted.person, 12),
    ]
    for kind, gen, n in gens:
        values.extend((kind, gen(rng)) for _ in range(n))
    for country in sorted(planted.IBAN_SHAPES):
        values.extend(("iban", planted.iban(rng, country)) for _ in range(3))
    for kind in planted.API_KEY_KINDS:
        values.extend(("api_key", planted.api_key(rng, kind)) for _ in range(3))
    values.extend(("url", planted.url_with_credentials(rng)[0]) for _ in range(12))
    values.extend(("password", planted._b62(rng, 10) + "#7") for _ in range(8))
    return values


def sentence(kind: str, value: str, rng: random.Random) -> str:
    templates = {
        "person": ["My name is {v} and I need help.", "Dear {v},", "Regards,\n{v}", "Customer: {v}"],
        "bearer": ["The API returned 401 with header Authorization: Bearer {v}", "curl -H 'Authorization: Bearer {v}'"],
        "password": ["my password: {v}", "the login password is {v}"],
        "url": ["The connection string is {v}", "Fetch {v} again", "DSN={v}"],
    }.get(kind, ["Please use {v} for this.", "It is {v}.", "Contact: {v}", "My details ({v}) changed.", "{v}"])
    return rng.choice(templates).format(v=value)


def build_graph() -> AgentGraph:
    graph = AgentGraph()
    for line, (sid, system) in enumerate(SYSTEM_PROMPTS.items()):
        graph.add(
            LLMCall(
                sid,
                site=SiteKind.REQUEST,
                loc=Loc("agent.py", 30 + 20 * line, 5, 36 + 20 * line, 6),
                function=sid[4:].split("@")[0],
            )
        )
        prompt = Prompt(
            "prompt:" + sid[4:],
            messages=(Message("system", (PromptPart(system),)), Message("user", (PromptPart("message", hole=True),))),
        )
        graph.add(prompt)
        graph.add_edge(prompt.id, sid, EdgeKind.PROMPT)
    return graph


def build_records(values: list[tuple[str, str]], rng: random.Random) -> list[TraceRecord]:
    records: list[TraceRecord] = []
    sites = list(SYSTEM_PROMPTS)
    pool = list(values)
    rng.shuffle(pool)
    i = 0
    while pool:
        batch, pool = pool[:2], pool[2:]
        sid = sites[i % len(sites)]
        ordinary = ORDINARY[i % len(ORDINARY)]
        user = " ".join(sentence(k, v, rng) for k, v in batch) + f" Reference {ordinary}."
        rec = TraceRecord(
            id=f"r{i}",
            source="slmc",
            model="gpt-4o",
            messages=[{"role": "system", "content": SYSTEM_PROMPTS[sid]}, {"role": "user", "content": user}],
            params={"temperature": 0},
            input_tokens=50,
            output_tokens=10,
            latency_ms=200.0,
            label=batch[0][1] if i % 7 == 0 else None,  # ground truth copying a value: must be scrubbed too
            meta={"headers": {"x-api-key": batch[-1][1]}, "user": {"contact": batch[0][1]}},
        )
        # The capture's way of naming sites, for two of three records; the rest link by prompt text.
        if i % 3:
            rec.site_id = sid
            rec.stack = [Frame("agent.py", 32, sid[4:].split("@")[0])]
        if sid.startswith("llm:route"):
            rec.tools = [
                {
                    "type": "function",
                    "function": {
                        "name": "route_ticket",
                        "description": f"Route; escalations to {batch[0][1]}",
                        "parameters": {"type": "object", "properties": {"queue": {"type": "string"}}},
                    },
                }
            ]
            rec.tool_calls = [
                {
                    "name": "route_ticket",
                    "arguments": {
                        "queue": "payments",
                        "customer": {"ids": [v for _, v in batch]},
                        "note": f"ref {ordinary}",
                    },
                }
            ]
        elif sid.startswith("llm:extract"):
            rec.output = json.dumps({"values": [v for _, v in batch], "reference": ordinary})
        else:
            rec.output = f"Thanks, we noted {batch[-1][1]}. Reference {ordinary}."
        records.append(rec)
        i += 1
    return records


def ingest(path: Path) -> tuple[list[TraceRecord], str]:
    try:
        from slmc.traces.ingest import read_traces
    except ImportError:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [TraceRecord.from_dict(json.loads(line)) for line in lines], "TraceRecord.from_dict"
    records, problems = read_traces([path])
    assert not problems, problems
    return records, "slmc.traces.ingest.read_traces"


def variants(kind: str, value: str) -> set[str]:
    """The forms a leaked value could take in an output file."""
    out = {value, json.dumps(value)[1:-1]}
    if kind in ("card", "iban", "nino"):
        out.add(value.replace(" ", "").replace("-", ""))
    if kind == "url":
        out.add(value.split("://", 1)[1].split("@", 1)[0])  # the user:password part
    if kind == "pem":
        out.update(line for line in value.splitlines() if "-----" not in line)  # each key body line
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("leak")
    rng = random.Random(20261123)
    values = plant_values(rng)
    records = build_records(values, rng)
    src = tmp / "traces.jsonl"
    src.write_text("".join(r.to_json() + "\n" for r in records), encoding="utf-8")
    loaded, reader = ingest(src)
    assert len(loaded) == len(records)

    out = tmp / "build"
    out.mkdir()
    settings = Settings(embedder="tfidf")
    ctx = PassContext(root=tmp, out_dir=out, settings=settings)
    unit = PassManager.from_spec("link-traces,scrub-pii,curate", settings).run(ctx, CompileUnit(build_graph(), loaded))
    writers = ["ingest:" + reader, "passes:link-traces,scrub-pii,curate"]
    try:
        unit = PassManager.from_spec("cluster-tasks{embedder=tfidf,min-size=2}", settings).run(ctx, unit)
        writers.append("cluster-tasks")
    except ImportError:
        pass
    graph = unit.graph
    for rec in unit.traces:
        rec.task = rec.task or "task:" + slug(rec.site_id or "unlinked")

    (out / "ir.json").write_text(dumps(graph), encoding="utf-8")
    (out / "ir.txt").write_text(print_graph(graph), encoding="utf-8")
    (out / "traces.scrubbed.jsonl").write_text("".join(r.to_json() + "\n" for r in unit.traces), encoding="utf-8")
    reports = json.dumps(unit.reports.to_json(), default=str, ensure_ascii=False)
    (out / "reports.json").write_text(reports, encoding="utf-8")
    (out / "unit.json").write_text(dumps_unit(unit), encoding="utf-8")
    (out / "diagnostics.txt").write_text(
        "\n".join(d.concise() + " " + json.dumps(d.data, default=str) for d in ctx.diagnostics), encoding="utf-8"
    )
    writers += ["ir.dumps", "ir.print_graph", "trace store", "reports", "unit", "diagnostics"]
    try:
        from slmc.training.datasets import build_task_dataset, write_task_dataset
    except ImportError:
        pass
    else:
        for task in sorted({r.task for r in unit.traces}):
            write_task_dataset(build_task_dataset(unit.traces, task), out / "datasets" / slug(task))
        writers.append("training.datasets")
    # S3-S4 passes, the report and a deployment bundle: contracts (enums, labels) and examples come from answers
    unit = PassManager.from_spec("infer-contracts,score-offload,select-slm", settings).run(ctx, unit)
    graph = unit.graph
    for site in graph.sites():
        if site.site != SiteKind.WRAPPER:
            graph.update(site.id, decision=Decision.KEEP, decision_reasons=("leak test",))
    from slmc.codegen.bundle import write_bundle
    from slmc.report.analyze import build_analysis, write_reports

    write_reports(out / "report", build_analysis(graph, unit.traces, unit.reports, diagnostics=ctx.diagnostics))
    write_bundle(graph, {"build_dir": out, "root": None, "agent_name": "leaky"}, out / "bundle", target="vllm")
    writers += ["infer-contracts,score-offload,select-slm", "report", "bundle"]
    files = sorted(p for p in out.rglob("*") if p.is_file())
    return {"values": values, "files": files, "unit": unit, "graph": graph, "writers": writers, "records": records}


def test_enough_varied_values_were_planted(run: dict) -> None:
    values = run["values"]
    assert len(values) >= 200
    kinds = {k for k, _ in values}
    assert {"card", "iban", "email", "phone", "api_key", "jwt", "ssn", "ipv4", "ipv6", "url", "pem"} <= kinds
    assert len({v[:2] for k, v in values if k == "iban"}) >= 8
    names = {p.name for p in run["files"]}
    assert {"slmc-manifest.yaml", "report.html", "report.md", "analysis.json"} <= names
    assert (
        any(str(p).endswith(".jsonl") and "datasets" in str(p) for p in run["files"])
        or "training.datasets" not in run["writers"]
    )


def test_no_planted_value_reaches_any_output(run: dict) -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in run["files"])
    assert len(text) > 10_000, "the writers produced (almost) nothing: the test would prove nothing"
    leaks = [(k, v) for k, v in run["values"] for form in variants(k, v) if len(form) >= 6 and form in text]
    assert not leaks, f"{len(leaks)} planted values leaked (writers: {run['writers']}): {leaks[:10]}"


def test_records_kept_their_meaning(run: dict) -> None:
    unit = run["unit"]
    report = unit.reports.scrub
    assert report["total"] >= len(run["values"])
    assert unit.reports.link["unlinked"] == 0
    assert unit.reports.curation["kept"] == len(run["records"])
    text = "\n".join(p.read_text(encoding="utf-8") for p in run["files"] if p.suffix == ".jsonl")
    for value in ORDINARY:  # ordinary numbers, dates, versions, order ids and UUIDs survive
        assert value in text, value
    for rec in unit.traces:  # structure is intact: roles, tool names, JSON outputs
        assert [m["role"] for m in rec.messages] == ["system", "user"]
        if rec.tool_calls:
            assert rec.tool_calls[0]["name"] == "route_ticket" and rec.tool_calls[0]["arguments"]["queue"] == "payments"
        elif rec.site_id.startswith("llm:extract"):
            assert set(json.loads(rec.output)) == {"values", "reference"}


def test_placeholders_tie_prompt_and_answer(run: dict) -> None:
    for rec in run["unit"].traces:
        if rec.site_id.startswith("llm:extract"):
            for value in json.loads(rec.output)["values"]:
                if value.startswith("<") and value.endswith(">"):
                    assert value in rec.messages[1]["content"], (value, rec.messages[1]["content"])
