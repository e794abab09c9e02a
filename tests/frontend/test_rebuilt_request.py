"""A runner often turns the request data it is handed back into the request model before running it, through a
static helper of its own (``req = Order.model_validate(data)`` ... ``return req``): the helper only rebuilds what it
was handed, so the caller's request still reaches the model and the runner forwards it. The look-alike is a helper
that returns something derived from its argument (its size, one field): what the runner sends then is no request
handed in. A public method holding the request that only its own class calls is folded into its callers, unless its
other calling mode's half on the class (``stream`` beside ``astream``) is a wrapper: then both halves are the
class's calling API."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_ENGINE = """
    from openai import OpenAI
    from pydantic import BaseModel

    client = OpenAI()


    class Ticket(BaseModel):
        messages: list[dict]


    class Engine:
        def execute(self, ticket: Ticket):
            return client.chat.completions.create(model="m", messages=ticket.messages)
"""

_RUNNER = """
    from .engine import Engine, Ticket


    class Runner:
        def __init__(self):
            self.engine = Engine()

        def launch(self, ticket_data):
            ticket = self._ticket(ticket_data)
            return self.engine.execute(ticket)

        def launch_sized(self, ticket_data):
            ticket = self._size(ticket_data)
            return self.engine.execute(ticket)

        @staticmethod
        def _ticket(ticket_data):
            ticket = Ticket.model_validate(ticket_data)
            for m in ticket.messages:
                m.setdefault("role", "user")
            return ticket

        @staticmethod
        def _size(ticket_data):
            return Ticket(messages=[{"role": "user", "content": str(len(ticket_data))}])


    def serve(payload):
        runner = Runner()
        print(runner.launch_sized(payload))
        return runner.launch(payload)
"""


def test_request_rebuilt_by_a_helper_stays_forwarded(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/engine.py": _ENGINE, "pkg/runner.py": _RUNNER})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert found.get(("pkg/runner.py", line_of(_RUNNER, "def launch(self"))) == SiteKind.WRAPPER
    assert found.get(("pkg/runner.py", line_of(_RUNNER, "runner.launch(payload)"))) == SiteKind.WRAPPER_CALL
    # the look-alike: the helper sends a size it derives, no request handed in
    assert found.get(("pkg/runner.py", line_of(_RUNNER, "def launch_sized"))) != SiteKind.WRAPPER


_MIXIN = """
    from openai import AsyncOpenAI, OpenAI

    sync_client = OpenAI()
    async_client = AsyncOpenAI()


    class Structured:
        def pick(self, schema, messages):
            return list(self.stream_pick(schema, messages))[-1]

        def pick_question(self, schema, question):
            return list(self.stream_pick(schema, [{"role": "user", "content": question}]))[-1]

        def stream_pick(self, schema, messages):
            for chunk in sync_client.chat.completions.create(
                model="m", messages=messages, response_format=schema, stream=True
            ):
                yield chunk

        async def apick(self, schema, messages):
            items = [x async for x in self.astream_pick(schema, messages)]
            return items[-1]

        async def apick_question(self, schema, question):
            items = [x async for x in self.astream_pick(schema, [{"role": "user", "content": question}])]
            return items[-1]

        async def astream_pick(self, schema, messages):
            async def gen():
                async for chunk in await async_client.chat.completions.create(
                    model="m", messages=messages, response_format=schema, stream=True
                ):
                    yield chunk

            return gen()

        def count(self, messages):
            return self.send_count(messages)

        def send_count(self, messages):
            return sync_client.chat.completions.create(model="m", messages=messages)


    def main(schema, messages):
        s = Structured()
        print(s.count(messages))
        print(s.pick_question(schema, "why"))
        return s.pick(schema, messages)
"""


def test_held_request_beside_a_wrapper_twin_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/mixin.py": _MIXIN})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert found.get(("pkg/mixin.py", line_of(_MIXIN, "def astream_pick"))) == SiteKind.WRAPPER
    assert found.get(("pkg/mixin.py", line_of(_MIXIN, "def stream_pick"))) == SiteKind.WRAPPER  # its sync twin
    assert found.get(("pkg/mixin.py", line_of(_MIXIN, "self.stream_pick(schema"))) == SiteKind.WRAPPER_CALL
    # no twin: a public helper only its class calls, holding the request, stays folded into its caller
    assert ("pkg/mixin.py", line_of(_MIXIN, "def send_count")) not in found
