"""A simulated character's step (``Character.act()``) takes no prompt: it hands its own conversation
(``self.history``, filled by ``hear``) to a planner's public method, which forwards that list to the model through a
private draft step. The draft step appends a critique turn only when a retry hands it one (``critique=None`` by
default), and a short system notice on one branch: the caller's conversation is still what it sends, so the planner
method is a wrapper (CALLSITES.md: ``ChatAgent.step``-style calling API). ``act`` runs its model step in a closure
over ``self`` and keeps its state through ``self.store_event(...)`` (which compacts the memory with another class's
summariser task on the way): the character's step is the entry of its class's model steps, called by the stage
(directly and through a thread pool), so it is a wrapper and those calls are wrapper-calls, triaged as an agent's
open step."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind, Verdict
from slmc.passes.triage import triage_site
from tests.frontend.trees import analysed_graph, line_of, site_at, write_tree

CHAT = """
    from openai import OpenAI

    _client = OpenAI()


    def send(messages, schema=None):
        return _client.chat.completions.create(model="gpt-4o", messages=messages, response_format=schema)
"""

PLANNER = """
    from kit.chat import send


    class StepPlanner:
        def __init__(self, checks=True):
            self.checks = checks
            self.verbose = False

        def next_steps(self, owner, messages):
            steps = self._draft(owner, messages)
            for _ in range(3):
                problem = self._review(steps)
                if not problem:
                    break
                steps = self._draft(owner, messages, critique=problem)
            return steps

        def _review(self, steps):
            return None if steps else "empty"

        def _draft(self, owner, messages, critique=None):
            context = messages.copy()
            if critique:
                context.append(
                    {
                        "role": "user",
                        "content": f"The reviewer rejected the steps you wrote last time for the reasons below; "
                        f"write different, better steps now and stop when nothing is left to do. {critique}",
                    }
                )
            if self.verbose:
                context.append({"role": "system", "content": "Explain your reasoning in the field named reasoning first."})
                reply = send(context, schema={"type": "json_object"})
            else:
                reply = send(context)
            return reply.choices[0].message.content.split("\\n")
"""

SUMMARY = """
    from kit.chat import send


    class EventSummariser:
        def condense(self, events, persona):
            prompt = f"Condense the events below, lived by {persona}, into a short list of facts worth keeping:\\n{events}"
            return send([{"role": "user", "content": prompt}]).choices[0].message.content
"""

CHARACTER = """
    from kit.planner import StepPlanner
    from kit.summary import EventSummariser


    class Character:
        def __init__(self, name):
            self.name = name
            self.history = [{"role": "system", "content": f"You are {name}."}]
            self.planner = StepPlanner()

        def hear(self, words):
            self.store_event({"role": "user", "content": words})
            return self

        def act(self):
            def commit(step):
                self.store_event({"role": "assistant", "content": step})

            def one_turn():
                steps = self.planner.next_steps(self, self.history)
                for step in steps:
                    commit(step)

            one_turn()
            return self

        def hear_and_act(self, words):
            self.hear(words)
            return self.act()

        def store_event(self, event):
            self.history.append(event)
            if len(self.history) > 40:
                self.compact()

        def compact(self):
            facts = EventSummariser().condense(self.history[1:], persona=self.describe())
            self.history = self.history[:1] + [{"role": "user", "content": facts}]

        def describe(self):
            return f"{self.name}"
"""

STAGE = """
    from concurrent.futures import ThreadPoolExecutor

    from kit.character import Character


    class Stage:
        def __init__(self, people: list[Character]):
            self.people = people

        def tick(self):
            for person in self.people:
                person.act()

        def tick_parallel(self):
            with ThreadPoolExecutor() as pool:
                done = [pool.submit(person.act) for person in self.people]
            return [f.result() for f in done]


    class CharacterInterviewer:
        def interview(self, person: Character, question):
            return person.hear_and_act(question)
"""


def _graph(tmp_path: Path):
    write_tree(
        tmp_path,
        {
            "kit/__init__.py": "",
            "kit/chat.py": CHAT,
            "kit/planner.py": PLANNER,
            "kit/summary.py": SUMMARY,
            "kit/character.py": CHARACTER,
            "kit/stage.py": STAGE,
        },
    )
    return analysed_graph(tmp_path)


def test_a_planner_method_forwarding_the_callers_conversation_is_a_wrapper(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    assert site_at(graph, "kit/planner.py", line_of(PLANNER, "def next_steps(")).site == SiteKind.WRAPPER
    call = site_at(graph, "kit/character.py", line_of(CHARACTER, "self.planner.next_steps("))
    assert call.site == SiteKind.WRAPPER_CALL


def test_the_characters_step_over_its_own_state_is_a_wrapper(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    assert site_at(graph, "kit/character.py", line_of(CHARACTER, "def act(")).site == SiteKind.WRAPPER
    for text in ("person.act()", "pool.submit(person.act)"):
        call = site_at(graph, "kit/stage.py", line_of(STAGE, text))
        assert call.site == SiteKind.WRAPPER_CALL, text
        t = triage_site(graph, call)
        assert t.verdict == Verdict.OPEN_ENDED, (text, t)


def test_a_call_of_hear_then_act_runs_the_characters_step(tmp_path: Path) -> None:
    """``hear_and_act(question)``: the character hears the question, then takes its open step (the interviewer
    calling it, a class named after characters, is no character itself)."""
    graph = _graph(tmp_path)
    assert site_at(graph, "kit/character.py", line_of(CHARACTER, "def hear_and_act(")).site == SiteKind.WRAPPER
    call = site_at(graph, "kit/stage.py", line_of(STAGE, "person.hear_and_act("))
    t = triage_site(graph, call)
    assert t.verdict == Verdict.OPEN_ENDED, t
