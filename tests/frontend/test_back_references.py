"""Components that reach the model through a back-reference to the object that built them: the owner hands
``self`` to a helper's constructor or to a module function, whose untyped parameter is then followed through a chain
of attributes (``self.owner.brain.ask(...)``, ``session.brain.ask(...)``) to the model wrapper. Synthetic trees."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree

_BRAIN = """
    import litellm


    class Brain:
        def __init__(self, owner):
            self.owner = owner

        def ask(self, messages):
            reply = litellm.completion(model="gpt-4o-mini", messages=messages)
            return reply.choices[0].message.content
"""

_CANNED = """
    class Canned:
        def ask(self, messages):
            return "ok"
"""


def test_untyped_owner_parameter_followed_through_attribute_chain(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "bot/brain.py": _BRAIN,
            "bot/canned.py": _CANNED,  # a second, unrelated ``ask``: the call is not resolved by its name alone
            "bot/session.py": """
                from .brain import Brain
                from .canned import Canned
                from .notes import Notes
                from .turn import take_turn


                class Session:
                    def __init__(self):
                        self.brain = Brain(self)
                        self.notes = Notes(self)
                        self.fallback = Canned()
                        self.history = []

                    def say(self, text):
                        self.history.append({"role": "user", "content": text})
                        return take_turn(self)
            """,
            "bot/turn.py": """
                def take_turn(session):
                    system = {"role": "system", "content": "You are a friendly pair programmer."}
                    return session.brain.ask([system] + session.history)
            """,
            "bot/notes.py": """
                class Notes:
                    def __init__(self, session):
                        self.session = session

                    def label(self, note):
                        prompt = "Answer with one word, bug or feature, for this note: " + note
                        return self.session.brain.ask([{"role": "user", "content": prompt}])
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    turn = site_at(graph, "bot/turn.py", 4)
    assert turn.site == SiteKind.WRAPPER_CALL
    label = site_at(graph, "bot/notes.py", 8)
    assert label.site == SiteKind.WRAPPER_CALL
    assert site_at(graph, "bot/brain.py", 9).site == SiteKind.WRAPPER


def test_chain_follows_the_owner_actually_passed(tmp_path: Path) -> None:
    # two unrelated ``ask`` methods: the panel's owner holds the canned one, so the panel reaches no model
    write_tree(
        tmp_path,
        {
            "bot/brain.py": _BRAIN,
            "bot/canned.py": _CANNED,
            "bot/panel.py": """
                from .brain import Brain
                from .canned import Canned


                class Screen:
                    def __init__(self):
                        self.brain = Canned()


                class Panel:
                    def __init__(self, owner):
                        self.owner = owner

                    def show(self, text):
                        return self.owner.brain.ask([{"role": "user", "content": text}])


                def build():
                    Brain(None).ask([{"role": "user", "content": "Reply with ok."}])
                    return Panel(Screen())
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("bot/panel.py", 16) not in found
    assert ("bot/panel.py", 20) in found


def test_bound_method_stored_from_an_owner_chain(tmp_path: Path) -> None:
    # ``self.ask = session.brain.ask`` in the constructor: calling the attribute calls the model wrapper
    write_tree(
        tmp_path,
        {
            "bot/brain.py": _BRAIN,
            "bot/canned.py": _CANNED,
            "bot/session.py": """
                from .brain import Brain
                from .canned import Canned
                from .tools import Tools


                class Session:
                    def __init__(self):
                        self.brain = Brain(self)
                        self.fallback = Canned()
                        self.tools = Tools(self)
            """,
            "bot/tools.py": """
                class Tools:
                    def __init__(self, session):
                        self.session = session
                        self.ask = session.brain.ask

                    def topic(self, text):
                        prompt = "Give the topic of this text in one word: " + text
                        return self.ask([{"role": "user", "content": prompt}])
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "bot/tools.py", 9).site == SiteKind.WRAPPER_CALL
