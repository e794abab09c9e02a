"""A function that hands a wrapper a message list it writes itself is a task function, not a wrapper, however many
places call it (bench/corpus/README.md, task methods): a list of ``(role, text)`` tuples whose system text is the
object's own (``self.review_prompt``, set from a method returning a literal), or a LangChain prompt template it builds
with text of its own (``ChatPromptTemplate.from_messages([...]).partial(...)``, turned into messages with
``format_messages``). Only its caller's data fills them."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, line_of, write_tree

_MODEL = """
    from openai import OpenAI

    _client = OpenAI()


    def ask_model(messages):
        turns = [{"role": r if r != "human" else "user", "content": c} for r, c in messages]
        out = _client.chat.completions.create(model="gpt-4o", messages=turns)
        return out.choices[0].message.content


    def ask_formatted(messages):
        turns = [{"role": m.type, "content": m.content} for m in messages]
        out = _client.chat.completions.create(model="gpt-4o", messages=turns)
        return out.choices[0].message.content
"""

_REVIEW = """
    from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

    from .model import ask_formatted, ask_model


    class Reviewer:
        def __init__(self):
            self.review_prompt = self._review_prompt()

        def _review_prompt(self) -> str:
            return (
                "You look back on a past pricing decision now that its result is known. "
                "Write two sentences: whether it was right, and one lesson for the next one."
            )

        def review(self, decision: str, outcome: float) -> str:
            messages = [("system", self.review_prompt), ("human", f"Outcome: {outcome}\\n\\nDecision:\\n{decision}")]
            return ask_model(messages)


    def make_mood_reader():
        def mood_reader(state):
            prompt = ChatPromptTemplate.from_messages(
                [
                    ("system", "You read the mood of customer reviews for {product} and rate it from 0 to 10 with a reason."),
                    MessagesPlaceholder(variable_name="messages"),
                ]
            )
            prompt = prompt.partial(product=state["product"])
            formatted = prompt.format_messages(messages=state["messages"])
            return ask_formatted(formatted)

        return mood_reader
"""

_USE = """
    from .review import Reviewer, make_mood_reader


    class Nightly:
        def run(self, decisions):
            return [Reviewer().review(d, 0.1) for d in decisions]


    class Weekly:
        def run(self, decisions):
            return [Reviewer().review(d, 0.5) for d in decisions]


    def read_moods(states):
        reader = make_mood_reader()
        return [reader(s) for s in states]


    def read_mood_once(state):
        return make_mood_reader()(state)
"""


def test_functions_writing_their_message_lists_are_no_wrappers(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {"shop/__init__.py": "", "shop/model.py": _MODEL, "shop/review.py": _REVIEW, "shop/use.py": _USE}
    )
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    review = "shop/review.py"
    assert found[(review, line_of(_REVIEW, "return ask_model(messages)"))] == "wrapper-call"
    assert found[(review, line_of(_REVIEW, "return ask_formatted(formatted)"))] == "wrapper-call"
    assert (review, line_of(_REVIEW, "def review(")) not in found
    assert (review, line_of(_REVIEW, "def mood_reader(")) not in found
    use = "shop/use.py"
    assert not [k for k in found if k[0] == use], found


_HELPER = """
    from openai import OpenAI


    class Llm:
        def __init__(self):
            self.client = OpenAI()

        def run(self, messages):
            out = self.client.chat.completions.create(model="gpt-4o", messages=messages)
            return out.choices[0].message.content


    class Assistant:
        def __init__(self, llm: Llm):
            self.llm = llm

        def chat(self, text: str) -> str:
            messages = [
                {"role": "system", "content": "You are a helpful AI assistant."},
                {"role": "user", "content": text},
            ]
            return self.llm.run(messages)
"""

_PAGES = """
    from .helper import Assistant, Llm


    def describe(page: str) -> str:
        return Assistant(Llm()).chat(f"List the links a reader would click first on this page:\\n{page}")
"""


def test_a_list_sending_a_parameter_as_a_turn_forwards_it(tmp_path: Path) -> None:
    """The message list is the method's, but its user turn is the method's parameter as it is (the system line only a
    persona): the caller writes the task, so the method is a wrapper and the caller's call a wrapper-call."""
    write_tree(tmp_path, {"web/__init__.py": "", "web/helper.py": _HELPER, "web/pages.py": _PAGES})
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line): str(s.site) for s in graph.sites()}
    assert found.get(("web/helper.py", line_of(_HELPER, "def chat("))) == "wrapper", found
    assert found.get(("web/pages.py", line_of(_PAGES, "return Assistant("))) == "wrapper-call", found
