"""A method without a prompt parameter that runs the model over the object's state is a calling API when its callers
fill that state with their own text right before calling it (``self.turns.append({... text})`` then
``self._turn()``): it forwards the prompt through the object, so it is a wrapper and the calls of it are
wrapper-calls. The same method called where nothing is put into the state it reads is no calling API."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree

_DESK = """
    import litellm


    def step(desk):
        reply = litellm.completion(model="gpt-4o-mini", messages=desk.turns)
        return reply.choices[0].message.content


    class HelpDesk:
        def __init__(self):
            self.turns = []
            self.log = []

        def ask(self, question):
            self.turns.append({"role": "user", "content": question})
            return self._turn()

        def retry(self, hint):
            self.turns.append({"role": "user", "content": "Try again: " + hint})
            return self._turn()

        def _turn(self):
            answer = step(self)
            self.turns.append({"role": "assistant", "content": answer})
            return answer
"""

_PLAIN = """
    import litellm


    class Ticker:
        def __init__(self):
            self.log = []

        def tick(self):
            reply = litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": "Say tick."}])
            return reply.choices[0].message.content


    def run(note):
        ticker = Ticker()
        ticker.log.append(note)
        return ticker.tick()
"""


def test_method_fed_through_state_its_callers_fill_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "desk/core.py": _DESK,
            "desk/plain.py": _PLAIN,
            "desk/cli.py": """
                from .core import HelpDesk
                from .plain import run


                def main():
                    desk = HelpDesk()
                    print(desk.ask(input("? ")))
                    print(run("started"))
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "desk/core.py", 23).site == SiteKind.WRAPPER  # _turn: no parameter, the state is fed
    assert site_at(graph, "desk/core.py", 17).site == SiteKind.WRAPPER_CALL
    assert site_at(graph, "desk/core.py", 21).site == SiteKind.WRAPPER_CALL
    assert site_at(graph, "desk/core.py", 15).site == SiteKind.WRAPPER  # ask: fills the state, then runs the step
    assert site_at(graph, "desk/cli.py", 8).site == SiteKind.WRAPPER_CALL
    found = {(s.loc.path, s.loc.line): s.site for s in graph.sites()}
    # the ticker's caller fills a list the model step never reads: tick stays the request it holds, no API
    assert found.get(("desk/plain.py", 10)) == SiteKind.REQUEST
    assert ("desk/plain.py", 9) not in found
    assert ("desk/cli.py", 9) not in found
    assert ("desk/plain.py", 17) not in found
