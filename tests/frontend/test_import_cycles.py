"""Imports that lead back to where they started: a module named like the installed package it imports from
(``ledger/sqlite_store/sqlite_store.py`` doing ``from sqlite_store import Conn``) names the package, not itself, and
two modules that re-export each other's name resolve to nothing instead of recursing without end."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, site_at, write_tree

AGENT = """
    from openai import OpenAI

    from pkg.store.kvstore.kvstore import KvStore
    from pkg.left import Token


    class Agent:
        def __init__(self):
            self.client = OpenAI()
            self.store = KvStore()
            self.token = Token

        def answer(self, question):
            out = self.client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
            )
            return out.choices[0].message.content
"""


def test_module_named_like_the_package_it_imports(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/store/__init__.py": "",
            "pkg/store/kvstore/__init__.py": "from pkg.store.kvstore.kvstore import KvStore\n",
            "pkg/store/kvstore/kvstore.py": """
                from typing import Optional

                try:
                    from kvstore import Connection, SyncConnection
                except ImportError:
                    Connection = SyncConnection = None


                class KvStore:
                    def __init__(self, conn: Optional[SyncConnection] = None):
                        self.conn = conn or Connection("memory://")
            """,
            "pkg/agent.py": AGENT,
        },
    )
    graph = analysed_graph(tmp_path)
    assert str(site_at(graph, "pkg/agent.py", 15).site) == "request"


def test_two_modules_re_exporting_each_others_name(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/left.py": """
                import openai

                try:
                    from pkg.right import Token
                except ImportError:
                    Token = openai.OpenAI
            """,
            "pkg/right.py": """
                import openai

                try:
                    from pkg.left import Token
                except ImportError:
                    Token = openai.OpenAI
            """,
            "pkg/store/__init__.py": "",
            "pkg/store/kvstore/__init__.py": "",
            "pkg/store/kvstore/kvstore.py": """
                from pkg.left import Token


                class KvStore:
                    token = Token
                    def __init__(self):
                        self.conn = Token
            """,
            "pkg/agent.py": AGENT,
        },
    )
    graph = analysed_graph(tmp_path)
    assert str(site_at(graph, "pkg/agent.py", 15).site) == "request"
