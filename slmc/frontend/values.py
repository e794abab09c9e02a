"""Abstract values the evaluator gives expressions: just enough to follow LLM clients, wrappers and prompt text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slmc.ir.nodes import PromptPart


@dataclass(frozen=True)
class Ref:
    """A name from outside the analysed tree (``openai.OpenAI``, ``litellm.completion``), by qualified name."""

    qname: str


@dataclass(frozen=True)
class Client:
    """An LLM client object, or a member path of one (``client.chat.completions``)."""

    family: str
    kind: str
    path: tuple[str, ...] = ()
    model: str | None = None
    is_async: bool = False
    options: tuple[tuple[str, Any], ...] = ()  # from the constructor / bind(...)
    schema: str | None = None  # with_structured_output(X)
    tools: tuple[str, ...] = ()  # bind_tools([...])
    prompt_key: int | None = None  # chains: id of the prompt-template expression
    # clients of other kinds the same name may hold (``client = OpenAI() if use_openai else Anthropic()``): a member
    # path that only one of them has (``client.messages.create``) is that client's
    alternatives: tuple[Client, ...] = ()
    # a LangChain agent (``initialize_agent``, ``create_*_agent``, ``AgentExecutor``): a chain whose run is the agent's
    # loop over its tools, not one model call on a prompt
    agent: bool = False

    def member(self, name: str) -> Client:
        return Client(
            self.family,
            self.kind,
            (*self.path, name),
            self.model,
            self.is_async,
            self.options,
            self.schema,
            self.tools,
            self.prompt_key,
            tuple(a.member(name) for a in self.alternatives),
            self.agent,
        )


@dataclass(frozen=True)
class Function:
    """A function (or lambda) of the analysed tree: ``key`` is ``module:qualname``."""

    key: str


@dataclass(frozen=True)
class Class:
    key: str


@dataclass(frozen=True)
class Instance:
    cls: str  # Class key
    # a registry object's mapping (``Const`` dict) when the tree shows it: ``__init__`` sets one attribute per entry
    table: Any = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class Partial:
    """``functools.partial(fn, ...)`` or a retry decorator applied to ``fn``: calling it calls ``inner``."""

    inner: Any
    args: tuple[Any, ...] = field(default=(), compare=False, hash=False)  # the partial(...) call's arguments


@dataclass(frozen=True)
class Decorator:
    """A decorator that returns the function it decorates (retry, cache)."""


@dataclass(frozen=True)
class Answer:
    """The result of an LLM call (or anything derived from it): ``sites`` are keys of the calls it came from."""

    sites: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Const:
    """A static Python value: str, int, float, bool, None, or a tuple/frozenset of those (lists become tuples)."""

    value: Any


@dataclass(frozen=True)
class Text:
    """A string built from template parts (literals and holes)."""

    parts: tuple[PromptPart, ...]
    origin: str = "literal"  # literal | f-string | format | concat | constant | template-file | dynamic
    template_file: str | None = None

    def static(self) -> str:
        return "".join(p.text for p in self.parts if not p.hole)

    def is_static(self) -> bool:
        return all(not p.hole for p in self.parts)


Value = Any  # one of the classes above, or None (unknown)


@dataclass(frozen=True)
class Module:
    """A module of the analysed tree (``import agent.llm as llm``)."""

    name: str


@dataclass(frozen=True)
class ModuleFamily:
    """``importlib.import_module(f".{kind}", "pkg.backends")``: one of the tree's modules directly under the package
    ``prefix``, picked by a name computed at run time (a plugin folder whose modules share one entry point)."""

    prefix: str
