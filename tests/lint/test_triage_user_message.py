"""A call whose whole prompt is the user's own message (prompts written for these tests).

``vision(prompt=user_input, images=images)``: nothing of the program's is asked around what the person wrote, so the
model answers a free request (open-ended). The look-alikes keep their reading: the same message beside an
instruction of the program's (a classifier of the user's message), or beside other data of the program's."""

from __future__ import annotations

from slmc.ir import AgentGraph, SiteKind, Verdict
from slmc.passes.triage import FORWARDED, triage_site

from .builders import add_site


def _verdict(user: str, system: str | None = None) -> tuple[Verdict, tuple[str, ...]]:
    g = AgentGraph()
    site = add_site(g, "Chat.respond", 30, kind=SiteKind.WRAPPER_CALL, user=user, system=system, client="own", api="")
    result = triage_site(g, site)
    return result.verdict, result.reasons


def test_the_users_message_alone_is_a_free_request() -> None:
    verdict, reasons = _verdict("{user_input}")
    assert verdict == Verdict.OPEN_ENDED
    assert FORWARDED in reasons
    verdict, _ = _verdict("{images}{self.user_message}")
    assert verdict == Verdict.OPEN_ENDED


def test_an_instruction_around_the_message_is_read_instead() -> None:
    verdict, reasons = _verdict("{user_input}", system="Classify the message as one of: billing, bug, other.")
    assert FORWARDED not in reasons
    assert verdict == Verdict.NARROW


def test_other_data_beside_the_message_is_no_bare_request() -> None:
    _, reasons = _verdict("{user_input}{document}")
    assert FORWARDED not in reasons
    _, reasons = _verdict("{text}")
    assert FORWARDED not in reasons
