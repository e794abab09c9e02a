"""A task function that has a prompt builder of the tree write its messages into a local first
(``messages = suggestion_messages(text, n)``, the builder holding the instructions) and then hands that local to the
project's model wrapper authors the prompt, as when it handed the builder's call itself: it is no wrapper, even when
several functions of another module call it, and the wrapper-call inside it is the prompt site. A function whose
local comes from a converter that writes no text of its own still forwards its caller's prompt."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, line_of, write_tree

MODEL = """
    import openai


    class Model:
        def respond(self, messages, schema=None):
            out = openai.OpenAI().chat.completions.create(model="m", messages=messages)
            return out.choices[0].message.content
"""

BUILDERS = """
    def suggestion_messages(content, count):
        return [
            {"role": "system", "content": f"Suggest {count} short questions the reader may ask next, one a line."},
            {"role": "user", "content": content},
        ]


    def plain_messages(turns):
        return list(turns)
"""

STEPS = """
    def suggest_questions(session, outcome):
        if not session.suggest or outcome.content is None:
            return
        model = session.side_model or session.model
        from pkg.builders import suggestion_messages

        messages = suggestion_messages(outcome.content, session.count)
        try:
            reply = model.respond(messages=messages)
            outcome.suggestions = reply.splitlines()
        except ValueError:
            pass


    def converse(session, turns):
        from pkg.builders import plain_messages

        messages = plain_messages(turns)
        return session.model.respond(messages=messages)
"""

FLOWS = """
    from pkg.steps import suggest_questions, converse


    def first_turn(session, outcome):
        outcome.content = session.model.respond(messages=[{"role": "user", "content": outcome.question}])
        suggest_questions(session, outcome)
        return outcome


    def next_turn(session, outcome):
        outcome.content = converse(session, outcome.turns)
        suggest_questions(session, outcome)
        return outcome
"""

SESSION = """
    from pkg.model import Model
    from pkg import flows


    class Session:
        def __init__(self):
            self.model = Model()
            self.side_model = None
            self.suggest = True
            self.count = 3

        def start(self, outcome):
            return flows.first_turn(self, outcome)

        def go_on(self, outcome):
            return flows.next_turn(self, outcome)
"""


def _kinds(graph, path: str) -> dict[int, str]:
    return {s.loc.line: str(s.site) for s in graph.sites() if s.loc.path == path}


def test_task_function_with_a_prompt_builder_local_is_no_wrapper(tmp_path: Path) -> None:
    files = {"pkg/__init__.py": "", "pkg/model.py": MODEL, "pkg/builders.py": BUILDERS, "pkg/steps.py": STEPS}
    write_tree(tmp_path, {**files, "pkg/flows.py": FLOWS, "pkg/session.py": SESSION})
    graph = analysed_graph(tmp_path)
    steps, flows = _kinds(graph, "pkg/steps.py"), _kinds(graph, "pkg/flows.py")
    assert line_of(STEPS, "def suggest_questions(") not in steps  # it writes the task through the builder
    assert steps.get(line_of(STEPS, "reply = model.respond(")) == "wrapper-call"  # the prompt site
    assert line_of(FLOWS, "suggest_questions(session, outcome)") not in flows  # a task function's calls: no sites
    # the look-alike: a converter writing no text keeps ``converse`` a wrapper, and its calls wrapper-calls
    assert steps.get(line_of(STEPS, "def converse(")) == "wrapper"
    assert flows.get(line_of(FLOWS, "outcome.content = converse(")) == "wrapper-call"
