"""A project helper that imports the module its string argument names (``need("litellm")``: an optional dependency
loaded lazily, through ``importlib.util.find_spec`` / ``sys.modules`` / ``importlib.import_module``) returns that
module, as ``import litellm`` would bind it: a cached getter handing the module on, and the chat call made on what the
getter returns, are found. A look-alike: the same helper loading a package that is no model SDK reports nothing."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import line_of, sites_in, write_tree

OPTIONAL = """\
import importlib.util
import sys
import types


class _Deferred(types.ModuleType):
    def __init__(self, name, spec):
        super().__init__(name)
        self._spec = spec

    def __getattr__(self, attr):
        real = importlib.util.module_from_spec(self._spec)
        self._spec.loader.exec_module(real)
        return getattr(real, attr)


def need(name, hint=None):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None:
        raise ImportError(hint or f"pip install {name}")
    proxy = _Deferred(name, spec)
    sys.modules[name] = proxy
    return proxy
"""

SDK = """\
import functools

from pkg.optional import need


@functools.lru_cache(maxsize=None)
def chat_sdk(purpose):
    sdk = need("litellm", hint=purpose)
    sdk.drop_params = True
    return sdk


def table_sdk():
    return need("yaml")
"""

BOT = """\
from pkg.sdk import chat_sdk, table_sdk


class Helper:
    def reply(self, messages):
        answer = chat_sdk(purpose="chat").completion(model="gpt-4o-mini", messages=messages)
        return answer.choices[0].message.content

    def settings(self, text):
        return table_sdk().safe_load(text)
"""


def test_module_returned_by_a_lazy_import_helper_is_that_module(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/optional.py": OPTIONAL, "pkg/sdk.py": SDK, "pkg/bot.py": BOT})
    found = sites_in(tmp_path, "pkg/bot.py")
    assert (line_of(BOT, ".completion("), "request") in found
    assert not any(line == line_of(BOT, "safe_load(") for line, _ in found)


FACTORY = """\
import openai


def make_client():
    return openai.OpenAI(timeout=30)
"""

USER = """\
from pkg.factory import make_client


def tag(text):
    reply = make_client().chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
    return reply.choices[0].message.content


if __name__ == "__main__":
    print(tag("hello"))
"""

PLAIN = """\
from pkg.factory import make_client


def shout(text):
    return text.upper()


if __name__ == "__main__":
    print(shout("hello"), make_client)
"""


def test_client_factory_of_another_module_is_followed(tmp_path: Path) -> None:
    """A file that never names the SDK reaches it through another module's factory function."""
    files = {"pkg/__init__.py": "", "pkg/factory.py": FACTORY, "pkg/user.py": USER, "pkg/plain.py": PLAIN}
    write_tree(tmp_path, files)
    assert (line_of(USER, ".create("), "request") in sites_in(tmp_path, "pkg/user.py")
    assert not sites_in(tmp_path, "pkg/plain.py")
