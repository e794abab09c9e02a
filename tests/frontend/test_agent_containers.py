"""Agents kept in a container of the object and called in turn: the entry a loop or ``next(...)`` takes from
``self.members`` (filled by ``append`` / ``self.members[key] = x`` in a method, or handed in as a list) is an
instance of the agent class, so calling it is a wrapper call and the method that does so wraps the model."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, site_at, write_tree

_BASE = """
    from openai import OpenAI


    class Worker:
        def __init__(self, role="helper"):
            self.llm = OpenAI()
            self.role = role

        def __call__(self, text):
            return self.reply(text)

        def reply(self, text):
            out = self.llm.chat.completions.create(
                model="m", messages=[{"role": "system", "content": self.role}, {"role": "user", "content": text}]
            )
            return out.choices[0].message.content
"""


def test_entry_from_a_cycling_iterator_over_registered_agents(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "base.py": _BASE,
            "relay.py": """
                import itertools
                from base import Worker


                class Relay(Worker):
                    def __init__(self, *workers):
                        self.table = {}
                        for i, w in enumerate(workers):
                            self.register(str(i), w)

                    def register(self, name, worker: Worker):
                        self.table[name] = worker

                    def reply(self, text):
                        turns = itertools.chain.from_iterable(itertools.repeat(self.table.values()))
                        for _ in range(4):
                            current = next(turns)
                            text = current(text)
                        return text
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "relay.py", 19).site == SiteKind.WRAPPER_CALL
    assert site_at(graph, "relay.py", 15).site == SiteKind.WRAPPER


def test_loop_over_appended_and_handed_in_agents(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "base.py": _BASE,
            "panel.py": """
                from base import Worker


                class Panel:
                    def __init__(self, seats: list[Worker]):
                        self.seats = seats
                        self.extra = []

                    def join(self, w):
                        self.extra.append(w)

                    def vote(self, text):
                        for seat in self.seats:
                            print(seat(text))

                    def review(self, text):
                        for judge in self.extra:
                            text = judge.reply(text)
                        return text


                def main():
                    panel = Panel([Worker("a"), Worker("b")])
                    panel.join(Worker("c"))
                    print(panel.vote("x"), panel.review("y"))
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "panel.py", 15).site == SiteKind.WRAPPER_CALL  # entries of a list declared list[Worker]
    assert site_at(graph, "panel.py", 19).site == SiteKind.WRAPPER_CALL  # entries appended in a method


def test_loop_over_plain_values_is_no_site(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "base.py": _BASE,
            "tools.py": """
                class Box:
                    def __init__(self):
                        self.fns = []

                    def add(self, fn):
                        self.fns.append(fn)

                    def run(self, x):
                        for f in self.fns:
                            x = f(x)
                        return x


                def main():
                    b = Box()
                    b.add(len)
                    print(b.run("abc"))
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert not [s for s in graph.sites() if s.loc.path == "tools.py"]


def test_entry_of_items_and_enumerate_loops(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "base.py": _BASE,
            "board.py": """
                from base import Worker


                class Board:
                    def __init__(self):
                        self.by_name = {}
                        self.order = []

                    def seat(self, name, w: Worker):
                        self.by_name[name] = w
                        self.order.append(w)

                    def poll(self, text):
                        for name, member in self.by_name.items():
                            print(name, member(text))

                    def rounds(self, text):
                        for i, member in enumerate(self.order):
                            text = member.reply(text + str(i))
                        return text
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "board.py", 16).site == SiteKind.WRAPPER_CALL
    assert site_at(graph, "board.py", 20).site == SiteKind.WRAPPER_CALL
