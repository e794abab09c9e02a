"""A step that sends a shallow copy of the messages it is handed (``context = messages.copy()``), appending a retry
instruction on one path, forwards its caller's prompt: the copy holds the same conversation. The public method of
the class calling it with the agent's conversation is a wrapper (another class calls it to reach the model), and the
call in that other class a wrapper-call."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

GENERATOR = """
    from openai import OpenAI


    class Chooser:
        def __init__(self):
            self.client = OpenAI()

        def next_move(self, history):
            move = self._try_move(history)
            if move is None:
                move = self._try_move(history, feedback="the last move was not valid")
            return move

        def _try_move(self, history, feedback=None):
            context = history.copy()
            if feedback:
                context.append({"role": "user", "content": "Your last answer failed a check: " + feedback})
            out = self.client.chat.completions.create(model="m-large", messages=context)
            return out.choices[0].message.content
"""

PLAYER = """
    from generator import Chooser


    class Player:
        def __init__(self, persona):
            self.chooser = Chooser()
            self.history = [{"role": "system", "content": "You are " + persona + ". Reply with your next move."}]

        def hear(self, text):
            self.history.append({"role": "user", "content": text})
            return self.chooser.next_move(self.history)
"""


def test_a_step_sending_a_copy_of_its_messages_forwards_them(tmp_path: Path) -> None:
    write_tree(tmp_path, {"generator.py": GENERATOR, "player.py": PLAYER})
    generator = sites_in(tmp_path, "generator.py")
    assert (line_of(GENERATOR, "def next_move(self, history):"), "wrapper") in generator
    player = sites_in(tmp_path, "player.py")
    assert (line_of(PLAYER, "self.chooser.next_move(self.history)"), "wrapper-call") in player
