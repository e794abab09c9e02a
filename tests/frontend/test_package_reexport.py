"""A script that reaches a wrapper only through its package's re-export (``from engines import LocalEngine``, where
``engines/__init__.py`` does ``from .local import LocalEngine``) and whose text names no SDK: the package counts as
exporting what its ``__init__`` imports from a module that defines a wrapper, so the later rounds read the script.
The package's ``__init__`` mentions a provider itself, so it is read in the first round, not a later one."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

LOCAL = """
    from openai import OpenAI


    class LocalEngine:
        def __init__(self, base_url):
            self.client = OpenAI(base_url=base_url, api_key="none")

        def reply(self, text):
            out = self.client.chat.completions.create(model="local", messages=[{"role": "user", "content": text}])
            return out.choices[0].message.content
"""

INIT = """
    from .local import LocalEngine
    from .remote import openai_engine

    __all__ = ["LocalEngine", "openai_engine"]
"""

REMOTE = """
    def openai_engine():
        return None
"""

SCRIPT = """
    from engines import LocalEngine


    def main():
        engine = LocalEngine("http://localhost:8000/v1")
        while True:
            print(engine.reply(input("> ")))


    if __name__ == "__main__":
        main()
"""

UNRELATED = """
    from engines import openai_engine

    print(openai_engine())
"""


def test_script_importing_a_wrapper_through_its_package_is_read(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "engines/__init__.py": INIT,
            "engines/local.py": LOCAL,
            "engines/remote.py": REMOTE,
            "chat.py": SCRIPT,
            "other.py": UNRELATED,
        },
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("engines/local.py", 9)) == "wrapper"
    assert found.get(("chat.py", 8)) == "wrapper-call"
    assert not [k for k in found if k[0] == "other.py"]
