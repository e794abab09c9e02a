"""A ``typing.Protocol`` that model classes implement structurally (no base named): ``class ChatModel(Protocol): def
run(self, messages)`` in a types module that only the users import, ``class OpenAIChat: def run(self, messages, ...)``
holding the request in a module nobody imports. A user holding ``chat: ChatModel`` and calling ``chat.run(messages=
...)`` reaches the model through the Protocol: the Protocol's module is found from the wrapper class, the Protocol's
``run`` is the calling API and the call a wrapper-call. Only classes whose method names the declared parameters
implement it: generic ``run(self, **kwargs)`` components and a ``run(self, text)`` embedder share the name but not
the shape, so they do not turn the Protocol into a general interface. Nor does a catch-all ``class Component(Protocol):
def run(self, *args, **kwargs)`` that a pipeline calls make every class with a ``run`` one family: the ranker's
``run``, a task writing its own prompt, stays no wrapper."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

TYPES_INIT = """
    from .protocol import ChatModel

    __all__ = ["ChatModel"]
"""

PROTOCOL = """
    from typing import Any, Protocol


    class ChatModel(Protocol):
        \"\"\"What a chat model component offers.\"\"\"

        def run(self, messages: list) -> dict[str, Any]:
            \"\"\"Answer the conversation.\"\"\"
            ...


    class Component(Protocol):
        def run(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            ...


    class TextVectorizer(Protocol):
        def run(self, text: str) -> dict[str, Any]:
            ...
"""

CHAT = """
    from typing import Any

    from openai import OpenAI


    class OpenAIChat:
        def __init__(self, model: str = "gpt-4o-mini") -> None:
            self.model = model
            self.client = OpenAI()

        def run(self, messages: list, temperature: float | None = None) -> dict[str, Any]:
            out = self.client.chat.completions.create(model=self.model, messages=messages, temperature=temperature)
            return {"replies": [c.message.content for c in out.choices]}


    class OpenAIVectorizer:
        def __init__(self) -> None:
            self.client = OpenAI()

        def run(self, text: str) -> dict[str, Any]:
            return {"vector": self.client.embeddings.create(model="text-embedding-3-small", input=text).data[0].embedding}
"""

COMPONENTS = """
    from typing import Any


    class Joiner:
        def run(self, **kwargs: Any) -> dict[str, Any]:
            return {"joined": [v for vs in kwargs.values() for v in vs]}


    class Adapter:
        def run(self, **kwargs: Any) -> dict[str, Any]:
            return {"output": dict(kwargs)}


    class Router:
        def run(self, **kwargs: Any) -> dict[str, Any]:
            return {k: v for k, v in kwargs.items() if v}


    class Formatter:
        def run(self, **kwargs: Any) -> dict[str, Any]:
            return {"text": " ".join(str(v) for v in kwargs.values())}
"""

PIPELINE = """
    from typing import Any

    from pkg.types.protocol import Component


    def run_step(component: Component, inputs: dict[str, Any]) -> dict[str, Any]:
        return component.run(**inputs)
"""

RANKER = """
    from pkg.types import ChatModel

    PROMPT = "Rank the documents by relevance to the query {query}. Reply with JSON indices only.\\n{docs}"


    class Ranker:
        def __init__(self, chat: ChatModel) -> None:
            self._chat = chat

        def run(self, query: str, docs: list[str]) -> dict:
            messages = [{"role": "user", "content": PROMPT.format(query=query, docs="\\n".join(docs))}]
            result = self._chat.run(messages=messages)
            return {"ranked": result["replies"][0]}
"""


def _sites(tmp_path: Path, protocol: str, chat: str, more: dict[str, str]) -> dict[tuple[str, int], str]:
    """The sites found in a package of the types module, the Protocol, the chat model and the ranker (and ``more``)."""
    files = {"pkg/__init__.py": "", "pkg/types/__init__.py": TYPES_INIT, "pkg/types/protocol.py": protocol}
    write_tree(tmp_path, {**files, "pkg/chat.py": chat, "pkg/ranker.py": RANKER, **more})
    return {(s.loc.path, s.loc.line): str(s.site) for s in analysed_graph(tmp_path).sites()}


def test_structural_protocol_reaches_its_model_implementations(tmp_path: Path) -> None:
    found = _sites(tmp_path, PROTOCOL, CHAT, {"pkg/components.py": COMPONENTS, "pkg/pipeline.py": PIPELINE})
    assert found.get(("pkg/ranker.py", line_of(RANKER, "self._chat.run("))) == "wrapper-call", found
    assert found.get(("pkg/types/protocol.py", line_of(PROTOCOL, "def run(self, messages"))) == "wrapper", found
    assert found.get(("pkg/chat.py", line_of(CHAT, "chat.completions.create("))) == "request", found
    assert ("pkg/chat.py", line_of(CHAT, "embeddings.create(")) not in found
    assert not [p for p, _ in found if p == "pkg/components.py"]
    assert ("pkg/ranker.py", line_of(RANKER, "def run(")) not in found, found


def test_a_catch_all_method_beside_a_shaped_one_leaves_the_protocol_met(tmp_path: Path) -> None:
    # the Protocol also declares ``describe(self, **kwargs)``: that method constrains nothing, so a class meeting the
    # shaped ``run(self, messages)`` still implements the Protocol (not only a Protocol of catch-alls is met by none)
    protocol = PROTOCOL.replace(
        '            """Answer the conversation."""\n            ...\n',
        '            """Answer the conversation."""\n            ...\n\n'
        "        def describe(self, **kwargs: Any) -> dict[str, Any]: ...\n",
    )
    chat = CHAT.replace(
        "    class OpenAIVectorizer:",
        "        def describe(self, **kwargs: Any) -> dict[str, Any]:\n"
        '            return {"model": self.model, **kwargs}\n\n\n'
        "    class OpenAIVectorizer:",
    )
    assert protocol != PROTOCOL and chat != CHAT
    found = _sites(tmp_path, protocol, chat, {})
    assert found.get(("pkg/ranker.py", line_of(RANKER, "self._chat.run("))) == "wrapper-call", found
    assert found.get(("pkg/types/protocol.py", line_of(protocol, "def run(self, messages"))) == "wrapper", found
