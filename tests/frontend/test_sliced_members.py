"""Members taken from a slice of a typed list (``for critic in members[1:]``), in a loop or in a comprehension
handed to ``asyncio.gather``: each one is an instance of the list's entry class, so its step is a wrapper call,
even inside a method of the same name where a guess by method name alone would be recursion."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind
from tests.frontend.trees import analysed_graph, site_at, write_tree

_MEMBER = """
    from openai import OpenAI


    class Member:
        def __init__(self, system: str):
            self.system = system

        async def act(self, text: str) -> str:
            out = OpenAI().chat.completions.create(
                model="m", messages=[{"role": "system", "content": self.system}, {"role": "user", "content": text}]
            )
            return out.choices[0].message.content
"""

_PANEL = """
    from __future__ import annotations

    import asyncio
    from typing import TYPE_CHECKING, List

    if TYPE_CHECKING:
        from member import Member


    class Panel:
        async def act(self, members: List[Member], draft: str) -> str:
            notes = await asyncio.gather(
                *[
                    critic.act(draft)
                    for critic in members[1:]
                ]
            )
            for reviewer in members[2:]:
                await reviewer.act(draft)
            return await members[0].act(draft + "".join(notes))
"""


def test_members_from_a_slice_are_typed_in_loops_and_comprehensions(tmp_path: Path) -> None:
    write_tree(tmp_path, {"member.py": _MEMBER, "panel.py": _PANEL})
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "panel.py", 15).site == SiteKind.WRAPPER_CALL  # comprehension over members[1:]
    assert site_at(graph, "panel.py", 20).site == SiteKind.WRAPPER_CALL  # loop over members[2:]
    assert site_at(graph, "panel.py", 21).site == SiteKind.WRAPPER_CALL  # members[0]


def test_an_untyped_list_gives_its_slice_no_type(tmp_path: Path) -> None:
    # the same panel with ``members`` unannotated: inside ``act`` a call of ``act`` on an unknown object is not
    # taken for the member's method, so the typed list is what makes the slice's entries members
    write_tree(tmp_path, {"member.py": _MEMBER, "panel.py": _PANEL.replace("members: List[Member]", "members")})
    graph = analysed_graph(tmp_path)
    lines = {s.loc.line for s in graph.sites() if s.loc.path == "panel.py"}
    assert 15 not in lines and 20 not in lines
