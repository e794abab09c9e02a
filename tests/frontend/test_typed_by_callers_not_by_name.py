"""An untyped ``obj.method(...)`` (a script's ``def demo(chat): chat.ask_all([...])``) whose callers hand over an
object built by the tree (``chat = make_chat()``, a factory returning the base type) is a typed call, even when the
method's name also picks the same interface by name alone. Only a call typed by the name and nothing else is left out
of the uses that make a method a calling API (``counter.tally(...)`` on a parameter nobody fills); a call whose
object the callers type counts, so the base class's multi-question method that two scripts call is a wrapper."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

CHAT = """
    from abc import ABC, abstractmethod

    from openai import AsyncOpenAI


    class BaseChat(ABC):
        def _user(self, text):
            return {"role": "user", "content": text}

        def _assistant(self, text):
            return {"role": "assistant", "content": text}

        async def ask_all(self, prompts, temperature=0.2):
            history = []
            for msg in prompts:
                asked = self._user(msg)
                history.append(asked)
                answer = await self.complete_text(history, temperature=temperature)
                history.append(self._assistant(answer))
            return [h["content"] for h in history if h["role"] == "assistant"]

        async def tally(self, prompts, temperature=0.2):
            history = [self._user(m) for m in prompts]
            answer = await self.complete_text(history, temperature=temperature)
            return len(answer.split())

        async def complete_text(self, history, temperature=0.2):
            out = await self._chat(history, temperature)
            return out.choices[0].message.content

        @abstractmethod
        async def _chat(self, history, temperature): ...


    class OpenAIChat(BaseChat):
        def __init__(self):
            self.client = AsyncOpenAI()

        async def _chat(self, history, temperature):
            return await self.client.chat.completions.create(model="gpt-4o-mini", messages=history, temperature=temperature)


    def make_chat() -> BaseChat:
        return OpenAIChat()
"""

DEMO = """
    import asyncio

    from app.chat import make_chat


    async def demo(chat):
        print(await chat.ask_all(["hi", "count to three"]))
        print(await chat.complete_text([{"role": "user", "content": "count from one to five"}]))


    async def main():
        chat = make_chat()
        await demo(chat)


    if __name__ == "__main__":
        asyncio.run(main())
"""

QUIZ = """
    import asyncio

    from app.chat import make_chat


    async def quiz(chat, topic):
        return await chat.ask_all([f"Ask me a question about {topic}", "Now give the answer"])


    if __name__ == "__main__":
        print(asyncio.run(quiz(make_chat(), "rivers")))
"""

LOOSE = """
    async def count_words(counter):
        return await counter.tally(["say something"])


    async def count_more(counter):
        return await counter.tally(["say something else", "and more"])
"""


def _tree(root: Path) -> None:
    write_tree(
        root,
        {
            "app/__init__.py": "",
            "app/chat.py": CHAT,
            "examples/demo.py": DEMO,
            "examples/quiz.py": QUIZ,
            "examples/loose.py": LOOSE,
        },
    )


def test_method_called_on_objects_the_callers_build_is_a_wrapper(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = sites_in(tmp_path, "app/chat.py")
    assert (line_of(CHAT, "async def ask_all("), "wrapper") in found
    assert (line_of(QUIZ, "return await chat.ask_all("), "wrapper-call") in sites_in(tmp_path, "examples/quiz.py")


def test_method_reached_only_by_its_name_is_no_wrapper(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert (line_of(CHAT, "async def tally("), "wrapper") not in sites_in(tmp_path, "app/chat.py")
    assert sites_in(tmp_path, "examples/loose.py") == set()
