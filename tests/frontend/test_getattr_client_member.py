"""``getattr(client.responses, "with_streaming_response", None)`` then ``getattr(that, "create", None)``: a member of
an SDK client fetched by a static name (the code guards against clients lacking it) is that member, so calling it is
the request the spelled-out path would be; a member that sends nothing (``close``) stays no site."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

SOURCE = """
    import openai


    class Fetcher:
        def __init__(self):
            self.client = openai.AsyncOpenAI()

        async def fetch(self, **kw):
            client = self.client
            raw = getattr(client.responses, "with_streaming_response", None)
            create = getattr(raw, "create", None)
            if not callable(create):
                return await client.responses.create(**kw)
            handle = create(**kw)
            return await handle.__aenter__()

        async def shut(self):
            closer = getattr(self.client, "close", None)
            if closer is not None:
                await closer()
"""


def test_client_member_fetched_by_getattr_is_the_member(tmp_path: Path) -> None:
    write_tree(tmp_path, {"fetch.py": SOURCE})
    found = dict(sites_in(tmp_path, "fetch.py"))
    assert found.get(line_of(SOURCE, "handle = create(**kw)")) == "request"
    assert found.get(line_of(SOURCE, "return await client.responses.create(")) == "request"
    assert line_of(SOURCE, "await closer()") not in found
