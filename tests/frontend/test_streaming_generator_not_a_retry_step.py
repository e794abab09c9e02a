"""A nested generator its enclosing function hands on, streaming turn by turn (``for stream in stream_state(...)``
inside a relay generator returned in a streaming response), is no retry body of that function: the retry-closure rule
(a ``def`` nested in a forwarding API and run once there is the API's own body) must not make the enclosing endpoint
a wrapper. Shape of a chat endpoint that streams an agent loop's turns (sweepai/sweep's chat API)."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import line_of, sites_in, write_tree

CACHE = """
    def disk_cache(fn):
        return fn
"""

CHAT = """
    import anthropic

    from web.cache import disk_cache

    client = anthropic.Anthropic()


    class Chat:
        def __init__(self, system):
            self.messages = [{"role": "system", "content": system}]

        def ask(self, content, model="claude-3", stream=False):
            self.messages.append({"role": "user", "content": content})
            for attempt in range(3):
                try:

                    @disk_cache
                    def call_model(messages, system, model=model):
                        return client.messages.create(model=model, system=system, messages=messages, stream=stream)

                    return call_model(self.messages[1:], self.messages[0]["content"], model)
                except TimeoutError:
                    continue
"""

API = """
    from fastapi.responses import StreamingResponse

    from web.chat import Chat

    chat = Chat("You answer questions about a code base.")


    def chat_endpoint(messages, model):
        return answer_stream(messages, model=model)


    def answer_stream(messages, model="claude-3"):
        def stream_state(first_message, messages, model):
            user_message = first_message
            for _ in range(5):
                stream = chat.ask(content=user_message, model=model, stream=True)
                yield stream

        def relay(*args, **kwargs):
            try:
                for stream in stream_state(*args, **kwargs):
                    for token in stream:
                        yield token
            except Exception as e:
                yield str(e)

        return StreamingResponse(relay(messages[-1]["content"], messages, model))
"""


def test_a_streaming_generator_is_no_retry_step_of_its_endpoint(tmp_path: Path) -> None:
    """Failed before f714912: the relay generator, called once in ``answer_stream``, was taken for its retry body, so
    ``answer_stream`` and ``stream_state`` were reported as wrappers and the endpoint's and the relay's calls as
    wrapper-calls (sweepai/sweep: 4 false positives)."""
    write_tree(tmp_path, {"web/__init__.py": "", "web/cache.py": CACHE, "web/chat.py": CHAT, "web/api.py": API})
    assert sites_in(tmp_path, "web/api.py") == {(line_of(API, "stream = chat.ask("), "wrapper-call")}
