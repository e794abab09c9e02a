"""A higher-order helper handed the SDK method itself (``relay(client.chat.completions.create, body)``) that calls it
only inside a closure it defines (a streaming generator): the closure's call of the helper's parameter is a call of
what the callers pass, a request as when the helper called it directly. A closure calling a local function of its
own of the same name is no such call."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

PROXY = """
    from openai import AsyncOpenAI

    client = AsyncOpenAI()


    async def relay(method, body):
        async def chunks():
            async for part in await method(**body):
                yield part.model_dump_json()

        return chunks()


    async def echo(method, body):
        def inner():
            method = str
            return method(body)

        return inner()


    async def chat_route(body):
        return await relay(client.chat.completions.create, body)


    async def echo_route(body):
        return await echo(client.chat.completions.create, body)
"""


def test_closure_calling_the_helpers_parameter(tmp_path: Path) -> None:
    write_tree(tmp_path, {"api/proxy.py": PROXY})
    found = sites_in(tmp_path, "api/proxy.py")
    assert (line_of(PROXY, "await method(**body)"), "request") in found
    assert (line_of(PROXY, "await relay(client"), "request") in found
    assert not [line for line, _ in found if line == line_of(PROXY, "return method(body)")]
