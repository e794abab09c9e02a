"""Clients reached through a structured-output patcher or a typing cast: ``instructor.patch(create=sdk_method)`` hands
back the SDK method it was given (calling the attribute that holds it is the request), ``instructor.from_openai(client)``
keeps the client's request surface, and ``typing.cast(T, x)`` is ``x`` at run time. An Anthropic beta feature namespace
(``beta.prompt_caching.messages.create``) is the same request as ``messages.create``. The look-alikes stay unreported:
an embeddings call through a cast, token counting on the beta namespace, and a cast of a plain string."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, write_tree

SOURCE = """
    import threading
    from typing import Any, cast

    import anthropic
    import instructor
    import llama_cpp
    from openai import AsyncOpenAI


    class Patched:
        def __init__(self, key: str) -> None:
            self.create = instructor.patch(
                create=anthropic.AsyncAnthropic(api_key=key).messages.create,
                mode=instructor.Mode.ANTHROPIC_TOOLS,
            )

        async def ask(self, text: str, schema: Any) -> Any:
            return await self.create(
                model="claude-3-5-haiku-latest",
                max_tokens=400,
                messages=[{"role": "user", "content": text}],
                response_model=schema,
            )


    class Served:
        def __init__(self, url: str) -> None:
            self.client = instructor.from_openai(AsyncOpenAI(base_url=url))
            self.embedder = AsyncOpenAI(base_url=url)

        async def ask(self, text: str, schema: Any) -> Any:
            return await cast(instructor.AsyncInstructor, self.client).chat.completions.create(
                model="local", messages=[{"role": "user", "content": text}], response_model=schema
            )

        async def vector(self, text: str) -> Any:
            return await cast(AsyncOpenAI, self.embedder).embeddings.create(model="e5", input=text)


    class InProcess:
        def __init__(self, path: str) -> None:
            self.engine = llama_cpp.Llama(model_path=path)
            self.lock = threading.Lock()
            self.create = instructor.patch(create=self.engine.create_chat_completion_openai_v1)

        def ask(self, text: str, schema: Any) -> Any:
            with self.lock:
                return cast(Any, self.create)(messages=[{"role": "user", "content": text}], response_model=schema)


    def cached(client: anthropic.Anthropic, text: str):
        return client.beta.prompt_caching.messages.create(
            model="claude-3-5-haiku-latest", max_tokens=300, messages=[{"role": "user", "content": text}]
        )


    def count(client: anthropic.Anthropic, text: str):
        return client.beta.messages.count_tokens(model="claude-3-5-haiku-latest", messages=[{"role": "user", "content": text}])


    def shout(text: object) -> str:
        return cast(str, text).upper()
"""


def test_patched_and_cast_clients_are_requests(tmp_path: Path) -> None:
    write_tree(tmp_path, {"models.py": SOURCE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "models.py" and str(s.site) == "request"}
    assert found == {(19, "request"), (33, "request"), (49, "request"), (53, "request")}


BASE_AND_SUBCLASS = """
    from typing import Any

    import anthropic
    import instructor
    import litellm


    class Base:
        def __init__(self) -> None:
            self.client = instructor.from_litellm(litellm.acompletion)

        async def ask(self, text: str, schema: Any) -> Any:
            return await self.client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": text}], response_model=schema
            )


    class Claude(Base):
        def __init__(self) -> None:
            self.client = instructor.patch(create=anthropic.AsyncAnthropic().messages.create)

        async def ask(self, text: str, schema: Any) -> Any:
            return await self.client(
                model="c", max_tokens=100, messages=[{"role": "user", "content": text}], response_model=schema
            )
"""


def test_litellm_wrapper_in_base_stays_a_request_beside_a_patched_subclass(tmp_path: Path) -> None:
    """The base's ``instructor.from_litellm`` client is OpenAI-shaped; a subclass holding a patched Anthropic method
    under the same attribute does not hide the base's request."""
    write_tree(tmp_path, {"models.py": BASE_AND_SUBCLASS})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "models.py" and str(s.site) == "request"}
    assert found == {(14, "request"), (24, "request")}


TWO_MODES = """
    from typing import Any, cast

    import instructor
    import llama_cpp
    from openai import AsyncOpenAI


    class Local:
        def start_in_process(self, path: str) -> None:
            self.engine = llama_cpp.Llama(model_path=path)
            self.client = instructor.patch(create=self.engine.create_chat_completion_openai_v1)

        def start_server(self, url: str) -> None:
            self.client = instructor.from_openai(AsyncOpenAI(base_url=url))

        async def ask_server(self, text: str, schema: Any) -> Any:
            return await cast(instructor.AsyncInstructor, self.client).chat.completions.create(
                model="m", messages=[{"role": "user", "content": text}], response_model=schema
            )

        def ask_in_process(self, text: str, schema: Any) -> Any:
            return cast(Any, self.client)(messages=[{"role": "user", "content": text}], response_model=schema)
"""


def test_attribute_holding_a_patched_method_or_a_client(tmp_path: Path) -> None:
    """One attribute set to a patched in-process method in one mode and to a wrapped server client in the other: each
    call reads the attribute as the one whose request surface it uses (the client's path is not the method's)."""
    write_tree(tmp_path, {"local.py": TWO_MODES})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == "local.py" and str(s.site) == "request"}
    assert found == {(18, "request"), (23, "request")}
