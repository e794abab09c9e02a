"""``from helpers import ask`` in a script that sits beside its own ``helpers`` package reads that package (the
script's folder is first on the import path), even when a ``src`` layout elsewhere in the tree also has a
``helpers`` package that the bare name otherwise maps to. A script with no such package beside it still reads the
``src`` one."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

OWN_HELPERS = """
    from app.helpers.chat import ask
"""

OWN_CHAT = """
    import openai


    def ask(prompt):
        out = openai.OpenAI().chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
        return out.choices[0].message.content
"""

OTHER_HELPERS = """
    def ask(prompt):
        return prompt.upper()
"""

WEB = """
    from helpers import ask


    def answer(question):
        return ask(question)


    def answer_twice(question):
        return ask(question + " Think again.")
"""

CLI = """
    from helpers import ask


    def shout(text):
        return ask(text)
"""


def test_a_script_reads_the_package_beside_it(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/helpers/__init__.py": OWN_HELPERS,
            "app/helpers/chat.py": OWN_CHAT,
            "app/web.py": WEB,
            "tools/src/helpers/__init__.py": OTHER_HELPERS,
            "tools/cli.py": CLI,
        },
    )
    graph = analysed_graph(tmp_path)
    kinds = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert kinds.get(("app/web.py", 6)) == "wrapper-call", kinds
    assert kinds.get(("app/web.py", 10)) == "wrapper-call", kinds
    # look-alike: the script beside no ``helpers`` package reads the src one, which reaches no model
    assert ("tools/cli.py", 6) not in kinds, kinds
