"""The prompt-parameter summaries are solved to a fixed point over the call graph; the answer must not depend on the
order the functions are visited in (a set's order, which changes with PYTHONHASHSEED from one run to the next).

The shape that made it depend on it: a base declares ``agenerate(self, **kwargs)`` without a body, its one
implementation forwards a tool list, and an agent calls ``self.llm.agenerate(prompt, tools)`` with positional
arguments after writing its own prompt. Whether the call binds the declaration's ``**kwargs`` (nothing: positional
arguments cannot land there) or is dispatched to the implementation's parameters (the tool list forwarded) hung on
whether the declaration had been visited since its implementation was: the agent's step came out a forwarding
wrapper in some runs and a task in others, and every interface above it followed."""

from __future__ import annotations

from pathlib import Path

from slmc.frontend.project import Analysis, _owner

FILES = {
    "llm.py": """
from abc import abstractmethod

from openai import AsyncOpenAI

client = AsyncOpenAI()


class BaseLLM:
    @abstractmethod
    async def agenerate(self, **kwargs):
        pass


class ChatLLM(BaseLLM):
    async def agenerate(self, prompt: str = "", functions: list | None = None):
        messages = [{"role": "user", "content": prompt}]
        return await client.chat.completions.create(model="m", messages=messages, functions=functions)
""",
    "agent.py": """
from llm import BaseLLM


class Agent:
    def __init__(self, llm: BaseLLM, template: str) -> None:
        self.llm = llm
        self.template = template

    async def astep(self, task: str, tools: list) -> str:
        prompt = self.template.format(task=task)
        return await self.llm.agenerate(prompt, tools)
""",
}


def _summaries(order: list[str], files: dict[str, str] = FILES) -> dict[str, set[str]]:
    analysis = Analysis(Path("."))
    for name, text in files.items():
        analysis.add_file(name, None, text)
    analysis.run()
    inside: dict = {}
    for site in analysis.sites.values():
        fn = _owner(site.info.scope)
        if fn is not None:
            inside.setdefault(fn.key, []).append(site)
    assert set(order) == analysis.reaching
    return {k: v for k, v in analysis._prompt_params(order, inside).items() if v}  # type: ignore[arg-type]


def test_prompt_parameters_do_not_depend_on_visit_order() -> None:
    impl, step, decl = "llm:ChatLLM.agenerate", "agent:Agent.astep", "llm:BaseLLM.agenerate"
    # the agent's step visited between the implementation and the declaration it calls, or after both
    first, last = _summaries([impl, step, decl]), _summaries([impl, decl, step])
    assert first == last
    assert "agent:Agent.astep" not in first  # it writes its own prompt; the tool list is no prompt it forwards


# ``say`` hands its text to the model through the object's state and a call handing ``self`` over (``_hands_self``),
# a rule for callees that forward no parameter of their own: ``_reply`` forwards ``suffix``, which its summary shows
# only once it has been visited. ``ask`` calls a base method that forwards ``hint``; a callee forwarding nothing is
# dispatched to its implementations' parameters instead (``_dispatched_bound``), so whether ``question`` counted hung
# on whether ``Backend.answer`` had been visited before ``ask`` (and ``Remote.answer`` after it).
STATE_FILES = {
    "bot.py": """
from openai import OpenAI

client = OpenAI()


class Bot:
    def __init__(self) -> None:
        self.history: list[dict] = []

    def say(self, text: str) -> str:
        self.history.append({"role": "user", "content": text})
        return self._reply([])

    def _reply(self, suffix: list[dict]) -> str:
        return self._send(self.history + suffix)

    def _send(self, messages: list[dict]) -> str:
        return client.chat.completions.create(model="m", messages=messages).choices[0].message.content


class Backend:
    def answer(self, question: str, hint: str = "Answer briefly."):
        return client.chat.completions.create(model="m", messages=[{"role": "system", "content": hint}])


class Remote(Backend):
    def answer(self, question):
        return client.chat.completions.create(model="m", messages=[{"role": "user", "content": question}])


def ask(backend: Backend, question: str):
    return backend.answer(question)
""",
}


def test_state_and_dispatch_rules_read_settled_summaries() -> None:
    say, reply, send = "bot:Bot.say", "bot:Bot._reply", "bot:Bot._send"
    ask, base, impl = "bot:ask", "bot:Backend.answer", "bot:Remote.answer"
    # each caller visited before the callee whose summary it reads (``ask`` after the implementation it may be
    # dispatched to), and each callee first: the rules read the callee's summary settled in both
    callers_first = _summaries([impl, say, ask, base, reply, send], STATE_FILES)
    callees_first = _summaries([send, impl, reply, base, ask, say], STATE_FILES)
    assert callers_first == callees_first
    # ``_reply`` takes a suffix of its own and ``Backend.answer`` forwards its hint: the text goes in as the call
    # hands it, not through the state rule or the implementations' parameters, which read empty summaries only
    assert callers_first[reply] == {"suffix"} and callers_first[base] == {"hint"}
    assert say not in callers_first and ask not in callers_first
