"""Every phase of the analysis guards its units (slmc/guard.py): a bug of ours on one module, function, call or site
is one internal-error diagnostic naming the unit's file and line and the phase, and the rest of the tree is analysed.

Each test breaks one phase on purpose (a rule raising for one unit only) and checks that the other units' results
are still there; before the shared guard, each of these ended the whole analysis with the exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from slmc.frontend import analyze_paths
from slmc.frontend import consumers as frontend_consumers
from slmc.frontend import project as frontend_project
from slmc.guard import Guard, locate
from slmc.lint import checker
from slmc.passes import triage as triage_pass

AGENT = (
    "from openai import OpenAI\n"
    "client = OpenAI()\n\n\n"
    "def ask(q):\n"
    "    return client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n\n\n"
    "def summarise(text):\n"
    "    answer = ask('Summarise in one line: ' + text)\n"
    "    print(answer)\n"
    "    return answer\n"
)
OTHER = (
    "from anthropic import Anthropic\n"
    "claude = Anthropic()\n\n\n"
    "def label(text):\n"
    "    out = claude.messages.create(model='c', max_tokens=5, messages=[{'role': 'user', 'content': text}])\n"
    "    return out.content[0].text\n"
)


def _tree(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "agent.py").write_text(AGENT, encoding="utf-8")
    (root / "other.py").write_text(OTHER, encoding="utf-8")
    return root


def _internal(diags) -> list:
    return [d for d in diags if "internal error" in d.message]


def _paths(graph) -> set[str]:
    return {s.loc.path for s in graph.sites()}


def _raising_for(path: str, real, *, arg: int = 0):
    """``real`` raising KeyError when its ``arg``-th argument belongs to ``path`` (a site, a scope, a call)."""

    def where(value) -> str:
        return locate(value)[0]

    def broken(*args, **kwargs):
        if where(args[arg]) == path:
            raise KeyError("boom")
        return real(*args, **kwargs)

    return broken


def test_clean_run_reports_no_internal_error(tmp_path: Path) -> None:
    graph, diags = analyze_paths([_tree(tmp_path)], root=tmp_path)
    assert not _internal(diags)
    assert _paths(graph) == {"agent.py", "other.py"}


def test_call_classification_error_costs_that_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frontend_project, "classify", _raising_for("agent.py", frontend_project.classify, arg=1))
    graph, diags = analyze_paths([_tree(tmp_path)], root=tmp_path)
    internal = _internal(diags)
    assert internal and {d.path for d in internal} == {"agent.py"}
    assert all("in call classification" in d.message and "KeyError" in d.message for d in internal)
    assert {d.line for d in internal} >= {6}  # the request's own line
    assert "other.py" in _paths(graph)


def test_consumer_error_costs_that_function_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = frontend_consumers._taint_from_bindings

    def broken(walker, scope):
        if scope.module.path == "agent.py":
            raise TypeError("unhashable type: 'dict'")
        return real(walker, scope)

    monkeypatch.setattr(frontend_consumers, "_taint_from_bindings", broken)
    graph, diags = analyze_paths([_tree(tmp_path)], root=tmp_path)
    internal = _internal(diags)
    assert internal and all(d.path == "agent.py" and "in consumers" in d.message for d in internal)
    assert _paths(graph) == {"agent.py", "other.py"}  # the sites stay; only agent.py's consumers are lost
    label = next(s for s in graph.sites() if s.loc.path == "other.py")
    assert label.consumers  # other.py's consumers were still found


def test_prompt_resolution_error_costs_that_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = frontend_project.Analysis._substitute

    def broken(self, msgs, call, wrapper_key):
        raise KeyError("wrapper gone")

    monkeypatch.setattr(frontend_project.Analysis, "_substitute", broken)
    graph, diags = analyze_paths([_tree(tmp_path)], root=tmp_path)
    internal = _internal(diags)
    assert internal and all("in prompt resolution" in d.message for d in internal)
    assert ("agent.py", 10) in {(d.path, d.line) for d in internal}  # the wrapper-call ``ask(...)`` in summarise
    assert _paths(graph) == {"agent.py", "other.py"}
    del real


def test_graph_build_step_error_is_reported_and_the_graph_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self, *args, **kwargs):
        raise KeyError("llm:dropped@agent.py:1")

    monkeypatch.setattr(frontend_project.Analysis, "_receiver_steps", broken)
    monkeypatch.setattr(frontend_project.Analysis, "_narrow_injected", broken)
    monkeypatch.setattr(frontend_project.Analysis, "_unread_closures", broken)
    graph, diags = analyze_paths([_tree(tmp_path)], root=tmp_path)
    graph.verify()
    phases = {d.message.split(" (", 1)[0] for d in _internal(diags)}
    assert phases == {
        "internal error in graph build: steps",
        "internal error in wrapper discovery: injected classes",
        "internal error in dead code",
    }
    assert _paths(graph) == {"agent.py", "other.py"}


def test_wrapper_rule_error_costs_that_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = frontend_project.Analysis._route_handler

    def broken(self, scope):
        if scope.name == "ask":
            raise AttributeError("'NoneType' object has no attribute 'node'")
        return real(self, scope)

    monkeypatch.setattr(frontend_project.Analysis, "_route_handler", broken)
    graph, diags = analyze_paths([_tree(tmp_path)], root=tmp_path)
    internal = _internal(diags)
    assert [(d.path, d.line) for d in internal if "in wrapper rules" in d.message] == [("agent.py", 5)]
    assert "other.py" in _paths(graph)


def test_triage_error_leaves_that_site_unclear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = triage_pass.site_evidence

    def broken(graph, site, multi_task=None):
        if site.loc.path == "agent.py":
            raise IndexError("tuple index out of range")
        return real(graph, site, multi_task)

    monkeypatch.setattr(triage_pass, "site_evidence", broken)
    graph, _ = analyze_paths([_tree(tmp_path)], root=tmp_path)
    from slmc.compiler.passmanager import PassContext
    from slmc.ir.unit import CompileUnit

    graph = triage_pass.Triage().run(PassContext(root=tmp_path), CompileUnit(graph)).graph
    for site in graph.sites():
        assert site.triage is not None
        if site.loc.path == "agent.py":
            assert str(site.triage.verdict) == "unclear"
            assert "internal error in triage (IndexError" in site.triage.reasons[0]
    assert any(s.loc.path == "other.py" and "internal error" not in " ".join(s.triage.reasons) for s in graph.sites())


def test_lint_rule_error_is_a_diagnostic_on_that_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = checker._request_findings

    def broken(request, narrow, lines_of):
        if request.loc.path == "agent.py":
            raise ValueError("bad literal")
        return real(request, narrow, lines_of)

    monkeypatch.setattr(checker, "_request_findings", broken)
    graph, _ = analyze_paths([_tree(tmp_path)], root=tmp_path)
    diags = checker.check_graph(graph)
    internal = _internal(diags)
    assert [(d.path, d.line, d.code) for d in internal] == [("agent.py", 6, "E003")]
    assert "in lint rules (ValueError: bad literal" in internal[0].message


def test_guard_reports_where_in_slmc_and_cuts_long_texts() -> None:
    seen: list[tuple[str, int, str]] = []
    guard = Guard(lambda path, line, message: seen.append((path, line, message)))
    with guard.unit("template files", ("prompts/x.yaml", 3)) as unit:
        raise OSError(36, "File name too long: " + "x" * 5000)
    assert unit.failed and guard.counts["template files"] == 1
    ((path, line, message),) = seen
    assert (path, line) == ("prompts/x.yaml", 3)
    assert message.startswith("internal error in template files (OSError: ") and len(message) < 300
    assert guard.call("x", "a.py", lambda: 1 // 0, default=-1) == -1
    assert guard.call("x", "a.py", lambda: 7, default=-1) == 7


def test_guard_lets_interrupts_and_a_running_time_limit_through() -> None:
    from slmc.guard import time_limited

    guard = Guard(lambda *a: None)
    with pytest.raises(KeyboardInterrupt), guard.unit("x"):
        raise KeyboardInterrupt
    with pytest.raises(TimeoutError), time_limited(), guard.unit("x"):
        raise TimeoutError
    with guard.unit("x") as unit:  # no limit running: a TimeoutError of ours is one unit's error
        raise TimeoutError
    assert unit.failed


PROPERTY_AGENT = (
    "from openai import OpenAI\n\n\n"
    "class Model:\n"
    "    def __init__(self):\n"
    "        self.client = OpenAI()\n\n"
    "    def ask(self, q):\n"
    "        return self.client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n\n"
    "    @property\n"
    "    def first(self):\n"
    "        return self.ask\n\n"
    "    @property\n"
    "    def second(self):\n"
    "        return self.ask\n\n\n"
    "def summarise(text):\n"
    "    return Model().ask('Summarise in one line: ' + text)\n"
)


def test_a_module_loaded_while_properties_are_read_keeps_the_wrappers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading what a property returns can load a module on demand (its scopes join the evaluator's table): the walk
    over the properties must not break on the table growing (it did on a real tree: RuntimeError 'dictionary changed
    size during iteration', and the whole wrapper discovery was skipped)."""
    (tmp_path / "model.py").write_text(PROPERTY_AGENT, encoding="utf-8")
    real = frontend_project.Evaluator.returns_of
    grown: list[str] = []

    def growing(self, key, *args, **kwargs):
        if not grown:  # the first property read loads a module: one more scope in the table
            extra = next(s for k, s in self.scopes.items() if k.endswith("summarise"))
            self.scopes["lazy.loaded"] = extra
            grown.append(key)
        return real(self, key, *args, **kwargs)

    monkeypatch.setattr(frontend_project.Evaluator, "returns_of", growing)
    graph, diags = analyze_paths([tmp_path], root=tmp_path)
    assert grown
    assert not _internal(diags)
    wrappers = {s.function for s in graph.sites() if str(s.site.value) == "wrapper"}
    assert {"Model.ask", "Model.first", "Model.second"} <= wrappers
