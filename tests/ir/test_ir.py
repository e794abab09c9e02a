from __future__ import annotations

import pytest

from slmc.ir import (
    AgentGraph,
    Contract,
    EdgeKind,
    IRError,
    LLMCall,
    Loc,
    Message,
    Prompt,
    PromptPart,
    SiteKind,
    Task,
    Triage,
    Verdict,
    dumps,
    loads,
    parse_site_id,
    print_graph,
    site_id,
)


def small_graph() -> AgentGraph:
    g = AgentGraph()
    req = LLMCall(
        id=site_id("classify", "agent.py", 12),
        loc=Loc("agent.py", 12, 5, 15, 6),
        function="Agent.classify",
        client="openai",
        api="chat.completions.create",
        model="gpt-4o-mini",
        options={"temperature": 0, "max_tokens": 5},
        labels=("billing", "tech"),
        consumers=("label-set",),
        triage=Triage(Verdict.NARROW, 0.9, ("closed label set",)),
    )
    g.add(req)
    wrap = LLMCall(id=site_id("main", "main.py", 3), site=SiteKind.WRAPPER_CALL, loc=Loc("main.py", 3), target=req.id)
    g.add(wrap)
    g.add_edge(wrap.id, req.id, EdgeKind.CALLS)
    prompt = Prompt(
        id="prompt:classify@agent.py:12",
        messages=(Message("system", (PromptPart("Classify into billing|tech: "), PromptPart("ticket", hole=True))),),
    )
    g.add(prompt)
    g.add_edge(prompt.id, req.id, EdgeKind.PROMPT)
    g.add(Task(id="task:intent", sites=(req.id,), calls=10, contract=Contract("label", labels=("billing", "tech"))))
    g.add_edge("task:intent", req.id, EdgeKind.SERVES)
    return g


def test_text_form_is_stable_and_readable() -> None:
    g = small_graph()
    text = print_graph(g)
    assert text == print_graph(loads(dumps(g)))
    assert "llm llm:classify@agent.py:12\n  loc = agent.py:12:5-15:6\n" in text
    assert 'messages = [system<literal>: "Classify into billing|tech: {ticket}"]' in text
    assert 'contract = {"kind": "label", "labels": ["billing", "tech"]}' in text
    assert "edge prompt:classify@agent.py:12 -prompt-> llm:classify@agent.py:12" in text


def test_json_round_trip_preserves_types() -> None:
    g = loads(dumps(small_graph()))
    g.verify()
    site = g.node("llm:classify@agent.py:12")
    assert isinstance(site, LLMCall)
    assert site.triage == Triage(Verdict.NARROW, 0.9, ("closed label set",))
    assert site.labels == ("billing", "tech")
    task = g.node("task:intent")
    assert isinstance(task, Task) and task.contract == Contract("label", labels=("billing", "tech"))
    assert g.request_of("llm:main@main.py:3") == site


def test_verify_reports_every_problem() -> None:
    g = small_graph()
    g.add(LLMCall(id="llm:x@a.py:1", site=SiteKind.WRAPPER_CALL, loc=Loc("a.py", 1)))
    g.add(Task(id="task:y", sites=("llm:gone@a.py:9",)))
    with pytest.raises(IRError) as err:
        g.verify()
    assert "wrapper-call without a target" in str(err.value)
    assert "serves unknown site" in str(err.value)


def test_duplicate_ids_with_different_content_are_rejected() -> None:
    g = small_graph()
    with pytest.raises(IRError):
        g.add(LLMCall(id="llm:classify@agent.py:12", loc=Loc("agent.py", 99)))


def test_edges_follow_add_remove_and_copy() -> None:
    g = small_graph()
    req = "llm:classify@agent.py:12"
    other = g.copy()
    assert [n.id for n in g.preds(req)] == ["llm:main@main.py:3", "prompt:classify@agent.py:12", "task:intent"]
    assert [n.id for n in g.preds(req, EdgeKind.PROMPT)] == ["prompt:classify@agent.py:12"]
    g.add_edge("llm:main@main.py:3", req, EdgeKind.FLOWS)  # an existing edge takes the new kind
    assert ("llm:main@main.py:3", req, EdgeKind.FLOWS) in g.edges() and len(g.edges()) == 3
    g.remove("prompt:classify@agent.py:12")
    assert "prompt:classify@agent.py:12" not in g and g.prompt_of(req) is None
    assert [e[0] for e in g.edges()] == ["llm:main@main.py:3", "task:intent"]
    assert len(other.edges()) == 3 and other.prompt_of(req) is not None  # the copy kept its own edges
    assert ("llm:main@main.py:3", req, EdgeKind.CALLS) in other.edges()
    with pytest.raises(IRError):
        g.remove("prompt:classify@agent.py:12")
    with pytest.raises(IRError):
        g.succs("no:such")


def test_to_networkx_is_a_copy_with_the_same_nodes_and_edges() -> None:
    g = small_graph()
    nxg = g.to_networkx()
    assert sorted(nxg.nodes) == sorted(n.id for n in g.nodes())
    assert all(nxg.nodes[n.id]["node"] == n for n in g.nodes())
    assert sorted((a, b, d["kind"]) for a, b, d in nxg.edges(data=True)) == g.edges()
    nxg.remove_node("task:intent")
    assert "task:intent" in g


def test_site_id_parse() -> None:
    assert parse_site_id(site_id("pkg.mod.f", "a/b.py", 7)) == ("f", "a/b.py", 7)
    assert parse_site_id("task:x") is None


def test_unknown_version_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unsupported slmc IR version"):
        loads('{"format": "slmc.ir", "version": 99, "nodes": [], "edges": []}')
