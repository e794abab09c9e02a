"""A public method of a library class that nothing in the tree calls is still the API the library's users call, when
it takes a prompt and hands it on as it is: either as the only way its class reaches a model (an OpenAI-style facade
``Replies.create(model, messages)``), or as a convenience over its class's own calling API
(``ask_once(prompt)`` -> ``self.talk([...prompt...])``). A public method sending a request of its own beside its
class's calling API (a sync twin nothing calls), one taking no prompt, a private one, one in a private class, the lone
model method of a subclass (a hook its base may call) and one in a script no other module imports are not."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree

_FACADE = """
    from openai import OpenAI

    _client = OpenAI()


    class Replies:
        def __init__(self, notes):
            self.notes = notes

        def create(self, model, messages, temperature=None):
            sent = list(messages)
            return _client.chat.completions.create(model=model, messages=sent, temperature=temperature)


    class _Hidden:
        def create(self, model, messages):
            return _client.chat.completions.create(model=model, messages=messages)
"""

_TALKER = """
    from openai import OpenAI


    class Talker:
        def __init__(self):
            self.client = OpenAI()

        def talk(self, messages):
            out = self.client.chat.completions.create(model="gpt-4o-mini", messages=messages)
            return out.choices[0].message.content

        def ask_once(self, prompt):
            return self.talk([{"role": "user", "content": prompt}])

        def talk_blocking(self, messages):
            out = self.client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=False)
            return out.choices[0].message.content

        def ping(self):
            return self.talk([{"role": "user", "content": "Reply with pong."}])

        def _probe(self, prompt):
            return self.talk([{"role": "user", "content": prompt}])
"""

_HOOKS = """
    from openai import OpenAI

    _client = OpenAI()


    class Listener:
        def start(self):
            return None


    class OnMention(Listener):
        def handle(self, text):
            return _client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
"""

_USER = """
    from .talker import Talker


    def answer(question):
        return Talker().talk([{"role": "user", "content": question}])
"""


def test_uncalled_public_methods_forwarding_a_prompt_are_library_wrappers(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "lib/__init__.py": "from .facade import Replies\nfrom .hooks import OnMention\n",
            "lib/facade.py": _FACADE,
            "lib/hooks.py": _HOOKS,
            "lib/talker.py": _TALKER,
            "lib/use.py": _USER,
            "script.py": _FACADE,
        },
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    assert found.get(("lib/facade.py", 11)) == SiteKind.WRAPPER  # Replies.create: the facade's only model route
    assert found.get(("lib/facade.py", 13)) == SiteKind.REQUEST
    assert ("lib/facade.py", 17) not in found  # a private class's method is nobody's API
    assert ("lib/hooks.py", 13) not in found  # a subclass's lone model method: a hook, not a library API
    assert found.get(("lib/hooks.py", 14)) == SiteKind.REQUEST
    assert ("script.py", 11) not in found  # the same facade in a script nothing imports
    assert found.get(("script.py", 13)) == SiteKind.REQUEST
    assert found.get(("lib/talker.py", 9)) == SiteKind.WRAPPER  # talk: called from lib/use.py
    assert found.get(("lib/talker.py", 13)) == SiteKind.WRAPPER  # ask_once: convenience over talk
    assert found.get(("lib/talker.py", 14)) == SiteKind.WRAPPER_CALL
    assert ("lib/talker.py", 16) not in found  # talk_blocking: a request of its own beside talk, nothing calls it
    assert found.get(("lib/talker.py", 17)) == SiteKind.REQUEST
    assert ("lib/talker.py", 20) not in found  # ping: no prompt to forward
    assert ("lib/talker.py", 23) not in found  # _probe: private
