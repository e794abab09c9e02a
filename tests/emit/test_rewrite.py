"""Before/after tests of the libcst call-site rewriter."""

from __future__ import annotations

from pathlib import Path

import pytest

from slmc.codegen.rewrite import SiteRewrite, rewrite_agent, rewrite_source, rewrites_from_graph
from slmc.errors import SlmcError
from slmc.ir.nodes import SiteKind

from .graphs import AGENT_SOURCE, support_graph

CHAT = "chat.completions.create"


def req(sid: str, api: str = "openai.chat", callee: str | None = CHAT, is_async: bool = False) -> SiteRewrite:
    return SiteRewrite(sid, SiteKind.REQUEST, api, callee, is_async)


def wcall(sid: str, callee: str = "ask_llm", is_async: bool = False) -> SiteRewrite:
    return SiteRewrite(sid, SiteKind.WRAPPER_CALL, "text", callee, is_async)


def rewrite(code: str, *sites: SiteRewrite, path: str = "agent.py") -> str:
    new, changes = rewrite_source(code, path, {s.site_id: s for s in sites})
    assert all(c.action == "wrapped" for c in changes), changes
    return new


def test_sync_request_single_line() -> None:
    before = "import openai\n\n\ndef f(msgs):\n    return client.chat.completions.create(model='m', messages=msgs)\n"
    after = (
        "import openai\n"
        "import slmc.runtime as _slmc_runtime\n\n\n"
        "def f(msgs):\n"
        '    return _slmc_runtime.call("llm:f@agent.py:5", "openai.chat", client.chat.completions.create, '
        "model='m', messages=msgs)\n"
    )
    assert rewrite(before, req("llm:f@agent.py:5")) == after


def test_async_awaited_request_uses_acall_and_keeps_await() -> None:
    before = "async def f(m):\n    r = await client.chat.completions.create(model='x', messages=m)\n    return r\n"
    after = (
        "import slmc.runtime as _slmc_runtime\n"
        "async def f(m):\n"
        '    r = await _slmc_runtime.acall("llm:f@agent.py:2", "openai.chat", client.chat.completions.create, '
        "model='x', messages=m)\n"
        "    return r\n"
    )
    assert rewrite(before, req("llm:f@agent.py:2")) == after


def test_multiline_call_keeps_comments_and_layout() -> None:
    before = """def classify(t):
    resp = client.chat.completions.create(  # the teacher
        model="gpt-4o",
        # one message
        messages=[{"role": "user", "content": t}],
    )
    return resp
"""
    after = """import slmc.runtime as _slmc_runtime
def classify(t):
    resp = _slmc_runtime.call(  # the teacher
        "llm:classify@agent.py:2", "openai.chat", client.chat.completions.create,
        model="gpt-4o",
        # one message
        messages=[{"role": "user", "content": t}],
    )
    return resp
"""
    assert rewrite(before, req("llm:classify@agent.py:2")) == after


def test_decorated_function_and_method_sites() -> None:
    before = '''"""Doc."""


class Agent:
    @retry(times=3)
    @staticmethod
    def route(msg):
        return client.messages.create(model="claude", max_tokens=5, messages=[msg])
'''
    after = '''"""Doc."""

import slmc.runtime as _slmc_runtime


class Agent:
    @retry(times=3)
    @staticmethod
    def route(msg):
        return _slmc_runtime.call("llm:route@agent.py:8", "anthropic.messages", client.messages.create, model="claude", max_tokens=5, messages=[msg])
'''
    assert rewrite(before, req("llm:route@agent.py:8", "anthropic.messages", "messages.create")) == after


def test_decorator_call_belongs_to_the_enclosing_scope() -> None:
    """A call in a decorator runs in the outer scope: its id names the outer function, not the decorated one."""
    before = "def outer():\n    @cache(ask_llm('key'))\n    def inner():\n        pass\n"
    new, changes = rewrite_source(before, "agent.py", {"llm:inner@agent.py:2": wcall("llm:inner@agent.py:2")})
    assert new == before and changes[0].action == "not-found"
    assert "_slmc_runtime.within(\"llm:outer@agent.py:2\", ask_llm, 'key')" in rewrite(
        before, wcall("llm:outer@agent.py:2")
    )


def test_nested_calls_on_one_line_each_matched_by_callee() -> None:
    before = "def main(x):\n    return client.chat.completions.create(model='m', messages=[ask_llm(summarize(x))])\n"
    new = rewrite(before, req("llm:main@agent.py:2"))
    assert new.endswith(
        '    return _slmc_runtime.call("llm:main@agent.py:2", "openai.chat", client.chat.completions.create, '
        "model='m', messages=[ask_llm(summarize(x))])\n"
    )
    # the same id with a wrapper callee picks the inner call instead
    inner = rewrite(before, wcall("llm:main@agent.py:2"))
    assert 'messages=[_slmc_runtime.within("llm:main@agent.py:2", ask_llm, summarize(x))])' in inner
    assert "client.chat.completions.create(model='m'" in inner


def test_wrapper_calls_sync_and_async() -> None:
    before = "async def main(p):\n    a = ask_llm(p)\n    b = await ask_async(p, k=1)\n    c = ask_async(p)\n    return a, b, c\n"
    after = (
        "import slmc.runtime as _slmc_runtime\n"
        "async def main(p):\n"
        '    a = _slmc_runtime.within("llm:main@agent.py:2", ask_llm, p)\n'
        '    b = await _slmc_runtime.awithin("llm:main@agent.py:3", ask_async, p, k=1)\n'
        '    c = _slmc_runtime.awithin("llm:main@agent.py:4", ask_async, p)\n'
        "    return a, b, c\n"
    )
    sites = (
        wcall("llm:main@agent.py:2"),
        wcall("llm:main@agent.py:3", "ask_async"),
        wcall("llm:main@agent.py:4", "ask_async", is_async=True),  # an async wrapper handed on un-awaited
    )
    assert rewrite(before, *sites) == after


def test_call_without_arguments_and_module_level_site() -> None:
    before = "label = ask_llm()\n"
    assert rewrite(before, wcall("llm:<module>@agent.py:1")) == (
        'import slmc.runtime as _slmc_runtime\nlabel = _slmc_runtime.within("llm:<module>@agent.py:1", ask_llm)\n'
    )


def test_keep_sites_and_other_code_untouched() -> None:
    before = AGENT_SOURCE
    new, changes = rewrite_source(before, "agent.py", {"llm:extract@agent.py:25": wcall("llm:extract@agent.py:25")})
    old_lines, new_lines = before.splitlines(), new.splitlines()
    assert len(new_lines) == len(old_lines) + 1
    changed = [n for o, n in zip(old_lines[:5], new_lines[:5], strict=True) if o != n]
    assert changed == []  # nothing before the import moves
    assert new_lines[5] == "import slmc.runtime as _slmc_runtime"
    diff = [(o, n) for o, n in zip(old_lines[5:], new_lines[6:], strict=True) if o != n]
    assert diff == [
        (
            '    return ask_llm(f"Extract the order id: {ticket}")',
            '    return _slmc_runtime.within("llm:extract@agent.py:25", ask_llm, f"Extract the order id: {ticket}")',
        )
    ]
    assert '    return ask_llm(f"Write a friendly reply to: {ticket}")' in new_lines  # the kept site
    assert [c.action for c in changes] == ["wrapped"]


def test_idempotent_on_its_own_output() -> None:
    graph = support_graph()
    rewrites = rewrites_from_graph(graph)
    assert sorted(rewrites) == ["llm:classify@agent.py:16", "llm:extract@agent.py:25"]
    once, _ = rewrite_source(AGENT_SOURCE, "agent.py", rewrites)
    twice, changes = rewrite_source(once, "agent.py", rewrites)
    assert twice == once
    assert [c.action for c in changes] == ["already-wrapped", "already-wrapped"]


def test_rewritten_module_with_unwrapped_site_is_not_rematched_on_shifted_lines() -> None:
    """Lines moved by the inserted import: a site missing from the output is reported, never matched elsewhere."""
    once = rewrite("x = 1\ny = ask_llm(x)\n", wcall("llm:<module>@agent.py:2"))
    new, changes = rewrite_source(once, "agent.py", {"llm:<module>@agent.py:3": wcall("llm:<module>@agent.py:3")})
    assert new == once and changes[0].action == "skipped"


@pytest.mark.parametrize(
    ("before", "after_prefix"),
    [
        (  # docstring only: import after it, separated by a blank line
            '"""Doc."""\n\ndef f():\n    return ask_llm(1)\n',
            '"""Doc."""\n\nimport slmc.runtime as _slmc_runtime\n\ndef f():\n',
        ),
        (  # docstring + __future__ + imports: after the last leading import
            '"""Doc."""\nfrom __future__ import annotations\n\nimport os\nfrom x import y\n\nA = 1\nimport late\n'
            "def f():\n    return ask_llm(1)\n",
            '"""Doc."""\nfrom __future__ import annotations\n\nimport os\nfrom x import y\n'
            "import slmc.runtime as _slmc_runtime\n\nA = 1\nimport late\n",
        ),
        (  # __future__ only, shebang and comment header kept first
            "#!/usr/bin/env python\n# agent\nfrom __future__ import annotations\ndef f():\n    return ask_llm(1)\n",
            "#!/usr/bin/env python\n# agent\nfrom __future__ import annotations\nimport slmc.runtime as _slmc_runtime\n",
        ),
    ],
)
def test_import_placement(before: str, after_prefix: str) -> None:
    lines = before.splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "ask_llm" in text)
    new = rewrite(before, wcall(f"llm:f@agent.py:{line}"))
    assert new.startswith(after_prefix)
    assert new.count("import slmc.runtime as _slmc_runtime") == 1
    compile(new, "agent.py", "exec")


def test_existing_runtime_import_is_not_duplicated_and_other_paths_ignored() -> None:
    code = "def f():\n    return ask_llm(1)\n"
    new, changes = rewrite_source(code, "other.py", {"llm:f@agent.py:2": wcall("llm:f@agent.py:2")})
    assert (new, changes) == (code, [])


def test_site_not_found_is_reported_not_guessed() -> None:
    code = "def f():\n    return other(1)\n"
    new, changes = rewrite_source(code, "agent.py", {"llm:f@agent.py:2": wcall("llm:f@agent.py:2")})
    assert new == code
    assert changes[0].action == "not-found" and "ask_llm" in changes[0].detail


def test_api_shapes_from_the_graph() -> None:
    from slmc.targets.base import api_of_request

    assert api_of_request("openai", "chat.completions.create") == "openai.chat"
    assert api_of_request("azure-openai", "chat.completions.create") == "openai.chat"
    assert api_of_request("openai", "responses.create") == "openai.responses"
    assert api_of_request("openai", "completions.create") == "openai.completions"
    assert api_of_request("anthropic", "messages.create") == "anthropic.messages"
    assert api_of_request("litellm", "completion") == "litellm.completion"
    assert api_of_request("litellm", "acompletion") == "litellm.completion"
    assert api_of_request("bedrock", "invoke_model") is None


def test_syntax_error_is_a_user_error() -> None:
    with pytest.raises(SlmcError) as err:
        rewrite_source("def f(:\n", "agent.py", {"llm:f@agent.py:1": wcall("llm:f@agent.py:1")})
    assert err.value.path == "agent.py"


def test_rewrite_agent_outputs_mirror_patch_and_in_place(tmp_path: Path) -> None:
    root = tmp_path / "src"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "agent.py").write_text("def f(x):\n    return ask_llm(x)\n", encoding="utf-8")
    sites = {"llm:f@pkg/agent.py:2": wcall("llm:f@pkg/agent.py:2")}

    results = rewrite_agent(root, sites, out_dir=tmp_path / "out", patch=tmp_path / "agent.patch")
    mirrored = (tmp_path / "out" / "pkg" / "agent.py").read_text(encoding="utf-8")
    assert "_slmc_runtime.within" in mirrored
    assert (root / "pkg" / "agent.py").read_text(encoding="utf-8") == "def f(x):\n    return ask_llm(x)\n"
    patch = (tmp_path / "agent.patch").read_text(encoding="utf-8")
    assert patch.startswith("--- a/pkg/agent.py\n+++ b/pkg/agent.py\n")
    assert "+import slmc.runtime as _slmc_runtime\n" in patch and "-    return ask_llm(x)\n" in patch
    assert results[0].changed

    rewrite_agent(root, sites, in_place=True)
    assert (root / "pkg" / "agent.py").read_text(encoding="utf-8") == mirrored
    with pytest.raises(SlmcError):
        rewrite_agent(root, sites)
