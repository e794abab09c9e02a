"""A conversation object the code fills turn by turn with role methods (``d.add_system(S)``, ``d.add_user(U)``,
``d.add_model(answer)``) and hands to the model whole through an argument-free export (``d.export()``): the prompt
of the call is the turns added before it (a loop's later turns come back in the next round), after those of the
conversation it copies or of the project function that built it. An export of an object no role method fills stays
the caller's data. A conversation held in ``self.d`` starts with the turns the class's ``__init__`` adds."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, line_of, messages_at, write_tree

BACKENDS = """
    import abc

    from openai import OpenAI


    class Backend(abc.ABC):
        @abc.abstractmethod
        def send(self, messages, **kw): ...


    class OpenAIBackend(Backend):
        def __init__(self):
            self.client = OpenAI()

        def send(self, messages, **kw):
            out = self.client.chat.completions.create(model="gpt-4o", messages=messages)
            return out.choices[0].message.content


    ACTIVE: Backend = OpenAIBackend()
"""

DIALOG = """
    class Dialog:
        def __init__(self):
            self.turns = []

        def add_system(self, text):
            self.turns.append({"role": "system", "content": text})

        def add_user(self, text):
            self.turns.append({"role": "user", "content": text})

        def add_model(self, text):
            self.turns.append({"role": "assistant", "content": text})

        def export(self):
            return list(self.turns)
"""

FLOW = """
    from copy import deepcopy

    from desk import backends
    from desk.dialog import Dialog

    SORTER = "You sort support tickets into billing, outage or other."


    def sort_ticket(ticket):
        d = Dialog()
        d.add_system(SORTER)
        d.add_user(f"Ticket: {ticket}")
        d.add_user("Answer with only one of: billing, outage, other.")
        return backends.ACTIVE.send(d.export())  # sort


    def draft_reply(ticket):
        d = Dialog()
        d.add_system("You are a support engineer.")
        d.add_user(f"Ticket: {ticket}")
        d.add_user("Find the root cause of the reported failure.")
        cause = backends.ACTIVE.send(d.export())  # cause
        d.add_model(cause)
        d.add_user("Now write a detailed reply email to the customer.")
        return backends.ACTIVE.send(d.export())  # email


    def second_opinion(ticket):
        base = Dialog()
        base.add_system(SORTER)
        other = deepcopy(base)
        other.add_user(f"Ticket: {ticket}")
        return backends.ACTIVE.send(other.export())  # copied


    def keep_asking(ticket, rounds):
        d = Dialog()
        d.add_system(SORTER)
        d.add_user(f"Pick the category of: {ticket}")
        while rounds:
            got = backends.ACTIVE.send(d.export())  # looped
            d.add_model(got)
            d.add_user("Are you sure? Answer again with the category only.")
            rounds -= 1


    class Desk:
        def _start(self, ticket):
            d = Dialog()
            d.add_system(SORTER)
            d.add_user(f"Ticket: {ticket}")
            return d

        def triage(self, ticket):
            d = self._start(ticket)
            d.add_user("Reply with the category only.")
            return backends.ACTIVE.send(d.export())  # built


    class Clerk:
        def __init__(self):
            self.d = Dialog()
            self.d.add_system(SORTER)

        def ask(self, ticket):
            self.d.add_user(f"Ticket: {ticket}")
            return backends.ACTIVE.send(self.d.export())  # held


    def replay(saved):
        d = Dialog()
        d.turns = saved
        return backends.ACTIVE.send(d.export())  # replayed
"""


def _turns(tmp_path: Path, marker: str) -> list[tuple[str, str]]:
    write_tree(
        tmp_path,
        {"desk/__init__.py": "", "desk/backends.py": BACKENDS, "desk/dialog.py": DIALOG, "desk/flow.py": FLOW},
    )
    return messages_at(analysed_graph(tmp_path), "desk/flow.py", line_of(FLOW, f"# {marker}"))


def test_turns_added_by_role_methods_are_the_prompt(tmp_path: Path) -> None:
    turns = _turns(tmp_path, "sort")
    assert turns[0] == ("system", "You sort support tickets into billing, outage or other.")
    assert [r for r, _ in turns] == ["system", "user", "user"]
    assert turns[-1][1] == "Answer with only one of: billing, outage, other."


def test_only_turns_added_before_the_call_are_sent(tmp_path: Path) -> None:
    first = _turns(tmp_path, "cause")
    assert first[-1] == ("user", "Find the root cause of the reported failure.")
    assert not any("email" in text for _, text in first)
    second = _turns(tmp_path, "email")
    assert [r for r, _ in second][-2:] == ["assistant", "user"]
    assert second[-1][1] == "Now write a detailed reply email to the customer."


def test_a_copied_conversation_starts_with_the_turns_of_its_source(tmp_path: Path) -> None:
    turns = _turns(tmp_path, "copied")
    assert turns[0] == ("system", "You sort support tickets into billing, outage or other.")
    assert turns[-1][0] == "user" and turns[-1][1].startswith("Ticket: ")


def test_a_loop_sends_its_later_turns_in_the_next_round(tmp_path: Path) -> None:
    turns = _turns(tmp_path, "looped")
    assert [r for r, _ in turns] == ["system", "user", "assistant", "user"]
    assert turns[-1][1] == "Are you sure? Answer again with the category only."


def test_a_conversation_built_by_a_project_function_keeps_its_turns(tmp_path: Path) -> None:
    turns = _turns(tmp_path, "built")
    assert turns[0] == ("system", "You sort support tickets into billing, outage or other.")
    assert turns[-1] == ("user", "Reply with the category only.")


def test_a_conversation_held_by_the_object_starts_with_the_turns_of_its_init(tmp_path: Path) -> None:
    turns = _turns(tmp_path, "held")
    assert turns[0] == ("system", "You sort support tickets into billing, outage or other.")
    assert turns[-1][0] == "user" and turns[-1][1].startswith("Ticket: ")


def test_an_export_no_role_method_fills_stays_the_callers_data(tmp_path: Path) -> None:
    turns = _turns(tmp_path, "replayed")
    assert not any("sort support tickets" in text for _, text in turns)
    assert not any(text.strip() for _, text in turns)
