"""LangChain agent middleware: a model-call hook (``awrap_model_call(self, request, handler)``) runs the agent's model
call when it calls the handler the framework passes in, so that call is a model call; the tool-call hook's handler
runs a tool (none). A summary runnable built as ``(llm | check).with_retry(...).with_fallbacks([...])`` in a factory
function and handed by keyword to a middleware's constructor in another module (its parameter typed with the generic
``Runnable``) is still that model chain where the middleware invokes it."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, line_of, write_tree

_HOOKS = """
    from langchain.agents.middleware import AgentMiddleware


    class Retry(AgentMiddleware):
        async def awrap_model_call(self, request, handler):
            for _ in range(3):
                try:
                    return await handler(request)
                except ValueError:
                    continue

        async def awrap_tool_call(self, request, handler):
            return await handler(request)


    def shout(handler, text):
        return handler(text)
"""

_CONFIG = """
    from langchain.chat_models import init_chat_model
    from langchain_core.runnables import RunnableLambda


    def _check(reply):
        return reply


    def _retrying(model):
        return (init_chat_model(model=model) | RunnableLambda(_check)).with_retry(stop_after_attempt=3)


    def with_fallbacks(model):
        return _retrying(model).with_fallbacks([_retrying(name) for name in ("b", "c")])


    summary_model = with_fallbacks("a")
"""

_SUMMARY = """
    from langchain.agents.middleware import AgentMiddleware
    from langchain_core.runnables import Runnable


    class Summaries(AgentMiddleware):
        def __init__(self, *args, summary_model: Runnable, prompt: str, **kwargs):
            self.summary_model = summary_model
            self.prompt = prompt

        def summarise(self, history):
            return self.summary_model.invoke(self.prompt.format(messages=history)).text
"""

_AGENT = """
    from .config import summary_model
    from .summary import Summaries

    summaries = Summaries(summary_model=summary_model, prompt="Summarise the talk so far:\\n{messages}")
    agent_model = "openai:gpt-4o-mini"
"""


def test_the_model_call_hooks_handler_is_a_model_call(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/hooks.py": _HOOKS})
    graph = analysed_graph(tmp_path)
    lines = {s.loc.line for s in graph.sites() if s.loc.path == "app/hooks.py"}
    assert line_of(_HOOKS, "return await handler(request)") in lines  # the model-call hook (first such line)
    tool_line = [i for i, t in enumerate(_dedented(_HOOKS), 1) if "return await handler(request)" in t][1]
    assert tool_line not in lines
    assert line_of(_HOOKS, "return handler(text)") not in lines


def test_a_retrying_chain_with_fallbacks_handed_to_a_constructor_is_a_model_call(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/config.py": _CONFIG, "app/summary.py": _SUMMARY, "app/agent.py": _AGENT}
    write_tree(tmp_path, files)
    graph = analysed_graph(tmp_path)
    lines = {s.loc.line for s in graph.sites() if s.loc.path == "app/summary.py"}
    assert line_of(_SUMMARY, "self.summary_model.invoke(") in lines


def _dedented(source: str) -> list[str]:
    import textwrap

    return textwrap.dedent(source).splitlines()


_HANDED_ON = """
    from langchain.agents.middleware import AgentMiddleware


    class Capped(AgentMiddleware):
        def _one_attempt(self, request, call_next):
            with self.slot():
                return call_next(request)

        async def _one_attempt_async(self, request, call_next):
            return await call_next(request)

        def wrap_model_call(self, request, handler):
            return self._one_attempt(request, handler)

        async def awrap_model_call(self, request, handler):
            return await self._one_attempt_async(request, call_next=handler)

        def unrelated(self, request, call_next):
            return call_next(request)


    class Reminders(AgentMiddleware):
        def wrap_model_call(self, request, handler):
            return super().wrap_model_call(request, lambda req: handler(self.remind(req)))

        async def awrap_model_call(self, request, handler):
            async def reminded(req):
                return await handler(self.remind(req))

            return await super().awrap_model_call(request, reminded)

        def wrap_tool_call(self, request, handler):
            return self._log(request, handler)

        def _log(self, request, run_tool):
            return run_tool(request)
"""


def test_the_model_call_handler_handed_on_or_wrapped_is_a_model_call(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/__init__.py": "", "app/capped.py": _HANDED_ON})
    graph = analysed_graph(tmp_path)
    lines = {s.loc.line for s in graph.sites() if s.loc.path == "app/capped.py"}
    src = _dedented(_HANDED_ON)

    def at(text: str, nth: int = 0) -> int:
        return [i for i, t in enumerate(src, 1) if text in t][nth]

    assert at("return call_next(request)") in lines  # the helper's parameter the sync hook hands its handler to
    assert at("return await call_next(request)") in lines  # handed by keyword
    assert at("return self._one_attempt(request, handler)") in lines  # the hand-over runs the model
    assert at("return await self._one_attempt_async(request, call_next=handler)") in lines
    assert at("lambda req: handler(self.remind(req))") in lines  # called in a lambda of the hook
    assert at("return await handler(self.remind(req))") in lines  # called in a local function of the hook
    assert at("return await super().awrap_model_call(request, reminded)") in lines  # handed on inside a local
    assert at("return call_next(request)", 1) not in lines  # a method no hook hands the handler to
    assert at("return run_tool(request)") not in lines  # the tool-call hook's handler runs a tool
    assert at("return self._log(request, handler)") not in lines
