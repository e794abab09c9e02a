"""A wrapper class whose ``__getattr__`` forwards missing names to the client it holds through a lookup helper of the
tree (``return lookup_attr(self.client, key)``, the helper reading ``inspect.getattr_static(obj, key)`` so properties
run): ``box.chat.completions.create(...)`` is the held client's request, as with the builtin ``getattr``. The
moderation endpoint reached the same way and handed as a value to a pacing helper (``func=box.moderations.create``)
generates no text and stays no site. A helper taking the same two arguments that reads no attribute forwards nothing."""

from __future__ import annotations

from pathlib import Path

from .trees import line_of, sites_in, write_tree

UTILS = """
    import inspect


    def lookup_attr(obj, key):
        value = inspect.getattr_static(obj, key)
        if isinstance(value, property):
            return value.__get__(obj, type(obj))
        return value


    def describe(obj, key):
        return f"{type(obj).__name__}.{key}"
"""

ENDPOINT = """
    import openai

    from grader.utils import lookup_attr


    class ClientBox:
        client: openai.OpenAI

        def __init__(self, client=None):
            self.client = client or openai.OpenAI()

        def __getattr__(self, key):
            if hasattr(self.client, key):
                return lookup_attr(self.client, key)
            raise AttributeError(key)


    class Endpoint:
        client: ClientBox

        def __init__(self):
            self.client = ClientBox()

        def paced(self, func, *args, **kwargs):
            for _ in range(3):
                try:
                    return func(*args, **kwargs)
                except Exception:
                    pass
"""

PROVIDER = """
    import openai

    from grader.endpoint import Endpoint


    class Provider:
        endpoint: Endpoint

        def __init__(self):
            self.endpoint = Endpoint()

        def ask(self, messages):
            out = self.endpoint.client.chat.completions.create(model="m", messages=messages)
            return out.choices[0].message.content

        def _flag(self, text):
            res = self.endpoint.paced(func=self.endpoint.client.moderations.create, input=text)
            return res.results[0]

        def hate(self, text):
            return float(self._flag(text).category_scores.hate)
"""


def test_getattr_forwarded_through_a_lookup_helper_reaches_the_client(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "grader/__init__.py": "",
            "grader/utils.py": UTILS,
            "grader/endpoint.py": ENDPOINT,
            "grader/provider.py": PROVIDER,
        },
    )
    found = dict(sites_in(tmp_path, "grader/provider.py"))
    assert found.get(line_of(PROVIDER, "out = self.endpoint.client.chat")) == "request"
    assert line_of(PROVIDER, "res = self.endpoint.paced(") not in found  # moderation: no generation
    assert line_of(PROVIDER, "return float(") not in found


def test_a_two_argument_helper_reading_no_attribute_forwards_nothing(tmp_path: Path) -> None:
    endpoint = ENDPOINT.replace("return lookup_attr(self.client, key)", "return describe(self.client, key)").replace(
        "import lookup_attr", "import describe"
    )
    write_tree(
        tmp_path,
        {
            "grader/__init__.py": "",
            "grader/utils.py": UTILS,
            "grader/endpoint.py": endpoint,
            "grader/provider.py": PROVIDER,
        },
    )
    assert not sites_in(tmp_path, "grader/provider.py")
