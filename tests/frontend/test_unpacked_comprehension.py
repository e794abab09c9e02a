"""Names bound by unpacking a comprehension (``judge, critic = [build(role) for role in ROLES]``) hold what the
comprehension's element builds: calling one (``judge(text)`` on an object whose ``__call__`` asks the model) is a
call of that wrapper. Names unpacked from a comprehension of plain values (``low, high = [float(x) ...]``) and
calls of them through a formatter object that reaches no model stay no sites."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import line_of, sites_in, write_tree

PANEL = """
    import anthropic


    class Reviewer:
        def __init__(self, role):
            self.role = role
            self.client = anthropic.Anthropic()

        def __call__(self, text):
            out = self.client.messages.create(
                model="claude-3-5-haiku-latest",
                max_tokens=300,
                system=f"You review drafts as the {self.role}.",
                messages=[{"role": "user", "content": text}],
            )
            return out.content[0].text


    class Shouter:
        def __call__(self, text):
            return text.upper()


    def build(role):
        return Reviewer(role)


    judge, critic = [build(role) for role in ("judge", "critic")]
    loud, louder = (Shouter() for _ in range(2))
    low, high = [float(x) for x in "0.1 0.9".split()]


    def review(draft):
        verdict = judge(draft)
        notes = critic(draft)
        return loud(verdict), louder(notes), low, high
"""


def test_calls_of_names_unpacked_from_a_comprehension(tmp_path: Path) -> None:
    write_tree(tmp_path, {"panel.py": PANEL})
    found = sites_in(tmp_path, "panel.py")
    call = str(SiteKind.WRAPPER_CALL)
    assert (line_of(PANEL, "verdict = judge(draft)"), call) in found
    assert (line_of(PANEL, "notes = critic(draft)"), call) in found
    assert line_of(PANEL, "return loud(verdict)") not in {line for line, _ in found}
