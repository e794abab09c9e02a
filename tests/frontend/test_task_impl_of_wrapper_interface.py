"""An interface method (``Judge.verdict(user_input, response)``) that is a calling API because one implementation sends
its caller's text as it is; another implementation fills both values into a judging template of its own. That one is
a task, not a wrapper, even though its parameter is named like a request (``user_input``): it writes the prompt it
sends. The look-alike implementation that writes only a system prompt and hands ``user_input`` on as the user turn
stays a wrapper."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, write_tree

JUDGES = """
    from abc import abstractmethod

    import openai

    client = openai.OpenAI()
    FAITHFUL = (
        "Decide whether the answer is supported by the question's facts. Reply yes or no.\\n"
        "Question: {question}\\nAnswer: {answer}"
    )


    def ask(prompt):
        out = client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
        return out.choices[0].message.content


    class Judge:
        @abstractmethod
        def verdict(self, user_input: str, response: str) -> str: ...


    class EchoJudge(Judge):
        def verdict(self, user_input: str, response: str) -> str:
            return ask(user_input)


    class FaithJudge(Judge):
        def verdict(self, user_input: str, response: str) -> str:
            text = FAITHFUL.format(question=user_input, answer=response)
            return ask(text)


    def evaluate(judge: Judge, rows):
        return [judge.verdict(r["q"], r["a"]) for r in rows]
"""


def _wrappers(graph) -> set[int]:
    return {s.loc.line for s in graph.sites() if str(s.site) == "wrapper"}


def test_template_filling_implementation_is_a_task(tmp_path: Path) -> None:
    write_tree(tmp_path, {"judges.py": JUDGES})
    wrappers = _wrappers(analysed_graph(tmp_path))
    assert {13, 20, 24}.issubset(wrappers)  # ask, Judge.verdict, EchoJudge.verdict
    assert 29 not in wrappers  # FaithJudge.verdict writes its own judging prompt


def test_system_prompt_beside_the_callers_turn_stays_a_wrapper(tmp_path: Path) -> None:
    tree = JUDGES.replace(
        "text = FAITHFUL.format(question=user_input, answer=response)\n            return ask(text)",
        'out = client.chat.completions.create(model="m", messages=[{"role": "system", "content": FAITHFUL},'
        ' {"role": "user", "content": user_input}])\n            return out.choices[0].message.content',
    )
    write_tree(tmp_path, {"judges.py": tree})
    assert 29 in _wrappers(analysed_graph(tmp_path))
