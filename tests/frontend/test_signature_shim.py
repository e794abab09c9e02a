"""A private function taking only ``*args, **kwargs`` and handing them whole to the one SDK request it holds (it
only moves options around on the way) stands in for the SDK method: it is no wrapper of its own, and each call of it
is a request of that SDK method, like a call of the method itself. A private transport with a prompt parameter of its
own (``_send(messages, **kwargs)``) is not such a stand-in: it is folded into the request it holds, and the calls of
it are not requests."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

_MODEL = """
    from openai import OpenAI


    def again(send):
        def _twice(**kw):
            try:
                return send(**kw)
            except OSError:
                return send(**kw)

        return _twice


    class Hosted:
        def __init__(self, base_url):
            def _create(*args, **kwargs):
                if "seed_value" in kwargs:
                    kwargs["seed"] = kwargs.pop("seed_value")
                client = OpenAI(base_url=base_url)
                return client.chat.completions.create(*args, **kwargs)

            self._create = _create
            self.client = OpenAI(base_url=base_url)
            self.spare = again(send=_create)

        def reply(self, messages):
            out = self._create(model="m", messages=messages, stream=False)
            return out.choices[0].message.content

        def reply_seeded(self, messages, seed):
            out = self._create(model="m", messages=messages, seed_value=seed)
            return out.choices[0].message.content

        def _send(self, messages, **kwargs):
            kwargs.setdefault("temperature", 0)
            return self.client.chat.completions.create(model="m", messages=messages, **kwargs)

        def short(self, messages):
            return self._send(messages, max_tokens=16)

        def long(self, messages):
            return self._send(messages, max_tokens=1024)
"""

_USE = """
    from chat.model import Hosted


    def ask(question):
        bot = Hosted("http://localhost:8000/v1")
        return bot.reply([{"role": "user", "content": question}]), bot.short([{"role": "user", "content": question}])
"""


def test_sdk_signature_stand_in_is_folded_and_its_calls_are_requests(tmp_path: Path) -> None:
    write_tree(tmp_path, {"chat/__init__.py": "", "chat/model.py": _MODEL, "chat/use.py": _USE})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s for s in graph.sites()}
    assert ("chat/model.py", 17) not in found  # _create: the SDK method's stand-in, no wrapper
    inner = found.get(("chat/model.py", 21))
    assert inner is not None and inner.site == SiteKind.REQUEST
    for line in (28, 32):  # each call of the stand-in is a request of chat.completions.create
        call = found.get(("chat/model.py", line))
        assert call is not None and call.site == SiteKind.REQUEST
        assert (call.client, call.api) == (inner.client, inner.api)
    assert ("chat/model.py", 25) not in found  # again(send=_create) hands the stand-in on: no request
    assert found[("chat/model.py", 27)].site == SiteKind.WRAPPER  # reply: called from chat/use.py
    assert ("chat/model.py", 35) not in found  # _send: a private transport of its class, folded
    assert found[("chat/model.py", 37)].site == SiteKind.REQUEST
    assert ("chat/model.py", 40) not in found  # its calls are no requests
    assert found[("chat/model.py", 39)].site == SiteKind.WRAPPER  # short: called from chat/use.py
