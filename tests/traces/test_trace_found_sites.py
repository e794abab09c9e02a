"""Traces as ground truth for dispatch: calls the static analysis cannot see (a plugin module named in a config file and
loaded by importlib; the request method looked up by a name built at run time) are added to the IR from the frames of
real `slmc trace` records (and of OTel-style code locations), with their prompt read from the source there, marked
``found_by="traces"``, and the records link to them instead of staying unlinked."""

from __future__ import annotations

import copy
import json
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from llm_server import LLMServer

from slmc.compiler.passmanager import PassContext
from slmc.ir import SiteKind
from slmc.ir.serialize import print_graph
from slmc.ir.unit import CompileUnit
from slmc.passes.link_traces import LinkTraces
from slmc.passes.triage import Triage
from slmc.site_ids import site_id
from slmc.traces.ingest import read_traces
from slmc.traces.record import Frame

pytest.importorskip("openai")
ROOT = Path(__file__).resolve().parents[2]
HIDDEN = Path(__file__).resolve().parent / "agents" / "hidden"
ENV = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}


class OTelSpans:
    """Records each call as an OTel GenAI span whose code location is the agent's innermost frame (absolute file path,
    current line, qualified function name), as an SDK that records call locations does."""

    def __init__(self, agent_dir: Path, out: Path) -> None:
        self.agent_dir, self.out, self.n = str(agent_dir), out, 0

    def __enter__(self) -> OTelSpans:
        from openai.resources.chat.completions.completions import Completions

        self.owner, self.original = Completions, Completions.create
        spans = self

        def create(client_self, *args, **kwargs):
            frame = sys._getframe(1)
            while frame is not None and not frame.f_code.co_filename.startswith(spans.agent_dir + os.sep):
                frame = frame.f_back
            response = spans.original(client_self, *args, **kwargs)
            spans.write(kwargs, response.choices[0].message.content, frame)
            return response

        Completions.create = create
        return self

    def __exit__(self, *exc: object) -> None:
        self.owner.create = self.original

    def write(self, request: dict, answer: str, frame) -> None:
        self.n += 1
        parts = [{"role": m["role"], "parts": [{"type": "text", "content": m["content"]}]} for m in request["messages"]]
        attrs = {
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "openai",
            "gen_ai.request.model": request["model"],
            "gen_ai.input.messages": json.dumps(parts),
            "gen_ai.output.messages": json.dumps(
                [{"role": "assistant", "parts": [{"type": "text", "content": answer}]}]
            ),
            "code.file.path": frame.f_code.co_filename,
            "code.line.number": frame.f_lineno,
            "code.function.name": "support." + frame.f_code.co_qualname,
        }
        span = {
            "traceId": f"{self.n:032x}",
            "spanId": f"{self.n:016x}",
            "name": "chat",
            "kind": 3,
            "startTimeUnixNano": str(1_731_000_000_000_000_000 + self.n),
            "endTimeUnixNano": str(1_731_000_000_100_000_000 + self.n),
            "attributes": attrs,
        }
        with open(self.out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(span) + "\n")


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The hidden-call agent run twice against one local server: under `slmc trace`, and recording OTel spans."""
    tmp = tmp_path_factory.mktemp("found-by-traces")
    tree = tmp / "agent"
    shutil.copytree(HIDDEN, tree, ignore=shutil.ignore_patterns("__pycache__"))
    with LLMServer() as server:
        env = {**ENV, "LLM_URL": server.url + "/v1", "HOME": str(tmp)}
        cmd = [sys.executable, "-m", "slmc", "trace", "--out", str(tmp / "slmc.jsonl"), "--"]
        proc = subprocess.run(
            [*cmd, sys.executable, "agent.py", "server down"], cwd=tree, env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        assert "recorded 3 LLM calls" in proc.stderr
        with pytest.MonkeyPatch.context() as mp, OTelSpans(tree, tmp / "otel.jsonl"):
            mp.setenv("LLM_URL", server.url + "/v1")
            mp.setattr(sys, "argv", ["agent.py", "server down"])
            mp.syspath_prepend(str(tree))
            runpy.run_path(str(tree / "agent.py"), run_name="__main__")
            for name in ("plugins", "plugins.support"):
                mp.delitem(sys.modules, name, raising=False)
    captured, problems = read_traces([tmp / "slmc.jsonl"])
    assert problems == [] and len(captured) == 3
    spans, problems = read_traces([tmp / "otel.jsonl"])
    assert problems == [] and len(spans) == 3 and {r.source for r in spans} == {"otel"}
    return {"tree": tree, "captured": captured, "otel": spans, "trace_file": tmp / "slmc.jsonl"}


def _static_graph(tree: Path):
    from slmc.frontend import analyze_paths

    graph, problems = analyze_paths([tree], root=tree)
    assert problems == []
    return graph


def _compile(tree: Path, records: list):
    graph = _static_graph(tree)
    assert graph.sites() == []  # the calls are hidden from the static analysis: this test measures nothing otherwise
    ctx = PassContext(root=tree)
    unit = Triage().run(ctx, CompileUnit(graph, records))
    graph.meta.facts.append("triage")
    unit = LinkTraces().run(ctx, unit)
    return unit, ctx


def test_captured_calls_hidden_from_the_static_pass_become_sites_found_by_traces(agent):
    captured = [copy.deepcopy(r) for r in agent["captured"]]
    recorded = [r.site_id for r in captured]
    # what capture chooses: the request frame's id; for the generic `ask` the caller frame (the per-task site)
    per_task = []
    for r in captured:
        request_frame, caller = r.stack[0], r.stack[1]
        per_task.append(
            site_id(caller.function, caller.path, caller.line)
            if request_frame.function == "ask"
            else site_id(request_frame.function, request_frame.path, request_frame.line)
        )
    unit, ctx = _compile(agent["tree"], captured)
    graph = unit.graph

    link = unit.reports.link
    assert link["unlinked"] == 0 and link["linked"] == 3 and link["methods"] == {"site-id": 3}
    assert [r.site_id for r in captured] == per_task
    sites = {s.id: s for s in graph.sites()}
    assert all(s.found_by == "traces" for s in sites.values())
    assert set(recorded) <= set(sites)  # capture's own ids are the requests' ids
    kinds = sorted((s.function, str(s.site)) for s in sites.values())
    assert kinds == [
        ("ask", "request"),
        ("ask", "wrapper"),
        ("classify", "wrapper-call"),
        ("summarise", "wrapper-call"),
        ("triage", "request"),
    ]
    assert sorted(link["sites_found_by_traces"]) == sorted(sites)

    # prompts read from the source at the frames (the wrapper calls' with the caller's arguments filled in)
    def prompt(function: str) -> str:
        (sid,) = [s.id for s in sites.values() if s.function == function and s.site != SiteKind.WRAPPER]
        return " | ".join(m.template() for m in graph.prompt_of(sid).messages)

    assert prompt("triage") == "Triage the support ticket. Answer with one word: urgent, normal or low. | {ticket}"
    assert prompt("ask") == "{system} | {user}"
    assert prompt("classify").startswith("Classify the complaint as one of: delivery, billing, product.")
    assert prompt("summarise").endswith("for the support log. | {text}")
    triage = next(s for s in sites.values() if s.function == "triage")
    assert triage.model == "gpt-4o-mini" and triage.options.get("temperature") == 0 and triage.client == "openai"
    assert triage.triage is not None and str(triage.triage.verdict) == "narrow"
    assert triage.traffic.calls == 1

    graph.verify()
    text = print_graph(graph)
    assert text.count('found_by = "traces"') == 5
    assert any(d.code == "I203" and d.site == triage.id for d in ctx.diagnostics)


def test_otel_code_locations_add_the_sites_capture_would_choose(agent):
    spans = [copy.deepcopy(r) for r in agent["otel"]]
    assert all(r.stack and Path(r.stack[0].path).is_absolute() and not r.site_id for r in spans)
    unit, _ = _compile(agent["tree"], spans)
    captured_ids = {r.site_id for r in agent["captured"]}  # the request frames capture recorded
    assert {r.site_id for r in spans} == captured_ids
    assert unit.reports.link["unlinked"] == 0 and unit.reports.link["methods"] == {"location": 3}
    # a code location has no caller frames: the generic `ask` is a request site (no wrapper calls to choose from)
    assert {s.id for s in unit.graph.sites()} == captured_ids
    assert all(s.found_by == "traces" for s in unit.graph.sites())


def test_otel_records_beside_captured_ones_link_to_the_same_per_task_sites(agent):
    captured = [copy.deepcopy(r) for r in agent["captured"]]
    spans = [copy.deepcopy(r) for r in agent["otel"]]
    _compile(agent["tree"], captured + spans)
    by_prompt: dict[str, set[str]] = {}
    for r in captured + spans:
        by_prompt.setdefault(json.dumps(r.messages, sort_keys=True), set()).add(r.site_id)
    assert len(by_prompt) == 3 and all(len(ids) == 1 for ids in by_prompt.values())


def test_analyze_shows_the_sites_found_by_traces(agent, tmp_path, capsys):
    from slmc.compiler.cli import main

    out = tmp_path / "report"
    args = ["analyze", str(agent["tree"]), "--traces", str(agent["trace_file"]), "--out", str(out)]
    assert main([*args, "--pipeline", "triage,link-traces", "--no-progress"]) == 0
    shown = capsys.readouterr()
    assert "4 call site(s) found by traces (the static analysis missed them):" in shown.out
    assert "llm:classify@plugins/support.py:" in shown.out
    assert "linked 3 of 3 records, 5 call site(s) found by traces" in shown.err
    analysis = json.loads((out / "analysis.json").read_text())
    assert {s["found_by"] for s in analysis["sites"]} == {"traces"} and len(analysis["sites"]) == 5
    assert analysis["summary"]["unlinked_calls"] == 0
    assert "found by traces" in (out / "report.md").read_text()
    assert "found by traces" in (out / "report.html").read_text()


# ---- what must not add a site ------------------------------------------------------------------------------------------
def test_a_stale_frame_adds_no_site(agent):
    rec = copy.deepcopy(agent["captured"][0])
    first = rec.stack[0]
    rec.stack[0] = Frame(first.path, first.line, "renamed_since", first.end_line)  # the code changed since capture
    rec.site_id = site_id("renamed_since", first.path, first.line)
    unit, _ = _compile(agent["tree"], [rec])
    assert unit.graph.sites() == []
    assert unit.reports.link["unlinked"] == 1


def test_an_outer_code_location_adds_no_site(agent):
    """An OTel code location on the agent's outer call (``main()``, which carries no prompt) names no site."""
    rec = copy.deepcopy(agent["otel"][0])
    source = (agent["tree"] / "agent.py").read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if text.strip() == "main()")
    rec.stack = [Frame(str(agent["tree"] / "agent.py"), line, "<module>")]
    unit, _ = _compile(agent["tree"], [rec])
    assert unit.graph.sites() == []


@pytest.mark.parametrize("path", ["/etc/passwd", "../../../etc/passwd", "plugins/../../outside.py", "plugins"])
def test_frames_outside_the_root_add_nothing(agent, path, tmp_path):
    (agent["tree"].parent / "outside.py").write_text("f(messages=[])\n")
    rec = copy.deepcopy(agent["captured"][0])
    rec.stack = [Frame(path, 1, "<module>")]
    rec.site_id = site_id("<module>", path, 1)
    unit, _ = _compile(agent["tree"], [rec])
    assert unit.graph.sites() == [] and unit.reports.link["unlinked"] == 1


TOOLS = """import os

import openai

client = openai.OpenAI(base_url=os.environ["LLM_URL"], api_key="test", max_retries=0)


def extract(text):
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Extract the order number from the message. Answer with digits only."},
            {"role": "user", "content": text},
        ],
        max_tokens=8,
    )
    return reply.choices[0].message.content
"""


def test_a_file_left_out_of_the_analysed_paths_is_read_by_the_frontend_at_the_frame(tmp_path, monkeypatch):
    """`slmc analyze agent.py` analyses that file only; the request in a module it imports is found by capture and
    read by the frontend's own classification there (client, API, model and options as a static site has them)."""
    import slmc
    from slmc.frontend import analyze_paths

    (tmp_path / "tools.py").write_text(TOOLS)
    (tmp_path / "agent.py").write_text("from tools import extract\n\nextract('order 42 arrived broken')\n")
    graph = analyze_paths([tmp_path / "agent.py"], tmp_path)[0]
    assert graph.sites() == []
    with LLMServer() as server:
        monkeypatch.setenv("LLM_URL", server.url + "/v1")
        monkeypatch.syspath_prepend(str(tmp_path))
        with slmc.trace(tmp_path / "t.jsonl", root=tmp_path):
            runpy.run_path(str(tmp_path / "agent.py"), run_name="__main__")
        monkeypatch.delitem(sys.modules, "tools", raising=False)
    records, problems = read_traces([tmp_path / "t.jsonl"])
    assert problems == [] and len(records) == 1
    captured = records[0].site_id
    unit = LinkTraces().run(PassContext(root=tmp_path), CompileUnit(graph, records))
    (site,) = unit.graph.sites()
    assert site.id == captured == "llm:extract@tools.py:9" and records[0].site_id == captured
    assert (site.found_by, site.client, site.api, site.model) == (
        "traces",
        "openai",
        "chat.completions.create",
        "gpt-4o-mini",
    )
    assert site.options == {"max_tokens": 8}
    messages = unit.graph.prompt_of(site.id).messages
    assert [m.template() for m in messages] == [
        "Extract the order number from the message. Answer with digits only.",
        "{text}",
    ]


def test_sites_found_by_traces_are_rewritten_for_dispatch(agent):
    """The bundle's rewriter routes a trace-found request by its place (the call goes through ``getattr``, not the SDK
    path) and a trace-found wrapper call by its wrapper's name, under the ids the records linked to."""
    from slmc.codegen.rewrite import rewrite_source, rewrites_from_graph
    from slmc.ir.nodes import Decision

    unit, _ = _compile(agent["tree"], [copy.deepcopy(r) for r in agent["captured"]])
    sites = {s.function: s for s in unit.graph.sites(SiteKind.REQUEST, SiteKind.WRAPPER_CALL)}
    routed = {sites["triage"].id: Decision.OFFLOAD, sites["classify"].id: Decision.OFFLOAD}
    rewrites = rewrites_from_graph(unit.graph, routed)
    code = (agent["tree"] / "plugins" / "support.py").read_text()
    new, changes = rewrite_source(code, "plugins/support.py", rewrites)
    assert sorted((c.site_id, c.action) for c in changes) == sorted((sid, "wrapped") for sid in routed)
    flat = " ".join(new.split())
    assert f'_slmc_runtime.call( "{sites["triage"].id}", "openai.chat", request, model="gpt-4o-mini",' in flat
    assert f'_slmc_runtime.within("{sites["classify"].id}", ask, llm, "Classify the complaint' in flat
    assert new.count("_slmc_runtime.") == 2  # the two routed sites, nothing else
    compile(new, "support.py", "exec")


def test_a_frame_whose_prompt_the_record_did_not_send_adds_no_site(agent):
    """Same function and line, but the code there now sends another prompt (changed since capture): no site."""
    rec = copy.deepcopy(next(r for r in agent["captured"] if r.stack[0].function == "triage"))
    rec.messages = [{"role": "system", "content": "Write a haiku about the sea."}, {"role": "user", "content": "x"}]
    unit, _ = _compile(agent["tree"], [rec])
    assert unit.graph.sites() == [] and unit.reports.link["unlinked"] == 1
