"""An agent family declares ``Bot.act(world)`` without a body; a runner calls ``self.bot.act(world)`` on whichever bot
it was handed. Two bots fill a module-level template with what they see; a third writes its own system text right in
``act``. Whatever text each writes, the runner's call reaches the model through the base: every implementation and the
declared method are that call's calling API, and the runner's call is a wrapper-call. The look-alike: a class outside
the family with a same-named ``act`` writing its own narration prompt stays a task (no wrapper, its caller's call no
site)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from slmc.ir import SiteKind

from .trees import line_of, sites_in, write_tree

BOTS = """
    from abc import ABC, abstractmethod

    import openai

    CLIENT = openai.OpenAI()
    LOOK = "You steer a rover. Goal: {goal}. Sensors: {seen}. Reply with one command."
    READ = "You read a dashboard. Goal: {goal}. Panels: {seen}. Reply with one command."


    def frame(template, goal, seen):
        return template.format(goal=goal, seen=seen)


    class Bot(ABC):
        @abstractmethod
        def act(self, world):
            pass


    class RoverBot(Bot):
        def act(self, world):
            text = frame(LOOK, world.goal, world.sensors)
            out = CLIENT.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])
            return out.choices[0].message.content


    class PanelBot(Bot):
        def act(self, world):
            text = frame(READ, world.goal, world.panels)
            out = CLIENT.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])
            return out.choices[0].message.content


    class CameraBot(Bot):
        def act(self, world):
            system = "You look at camera frames and pick the next move for a drone."
            out = CLIENT.chat.completions.create(
                model="m",
                messages=[{"role": "system", "content": system}, {"role": "user", "content": world.frame}],
            )
            return out.choices[0].message.content


    class Runner:
        def __init__(self, bot: Bot):
            self.bot = bot

        def tick(self, world):
            return self.bot.act(world)
"""

NARRATOR = """
    import openai

    from bots import CLIENT


    class Narrator:
        def act(self, world):
            system = "You narrate a rover's day as a short log entry."
            out = CLIENT.chat.completions.create(
                model="m",
                messages=[{"role": "system", "content": system}, {"role": "user", "content": world.frame}],
            )
            return out.choices[0].message.content


    def narrate(narrator: Narrator, world):
        return narrator.act(world)
"""


def test_every_step_of_a_declared_family_is_the_callers_api(tmp_path: Path) -> None:
    write_tree(tmp_path, {"bots.py": BOTS})
    found = sites_in(tmp_path, "bots.py")
    wrapper, call = str(SiteKind.WRAPPER), str(SiteKind.WRAPPER_CALL)
    defs = [
        i for i, line in enumerate(textwrap.dedent(BOTS).splitlines(), 1) if line.strip() == "def act(self, world):"
    ]
    assert len(defs) == 4
    for line in defs:
        assert (line, wrapper) in found, line
    assert (line_of(BOTS, "return self.bot.act(world)"), call) in found


def test_same_named_method_outside_the_family_stays_a_task(tmp_path: Path) -> None:
    write_tree(tmp_path, {"bots.py": BOTS, "narrator.py": NARRATOR})
    found = sites_in(tmp_path, "narrator.py")
    assert line_of(NARRATOR, "def act(self, world):") not in {line for line, _ in found}
    assert line_of(NARRATOR, "return narrator.act(world)") not in {line for line, _ in found}
