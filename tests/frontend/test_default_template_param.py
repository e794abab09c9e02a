"""A task function whose template arrives as a parameter defaulting to the module's template text
(``def score(question, passage, model, score_prompt: str = SCORE_PROMPT, **model_params)``) and that fills that
template's slots itself (``score_prompt.format(passage=passage, question=question)``) writes its own task around the
data it is handed: it is no wrapper, and the calls of it are no wrapper-calls, even though it also hands its caller's
request settings (``**model_params``) on to the model. The call inside it is the prompt site. A template parameter
with no default of the function's own stays its caller's prompt, forwarded."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, site_at, write_tree

_LLM = """
    from abc import ABC, abstractmethod

    import litellm


    class Completion(ABC):
        @abstractmethod
        async def complete_async(self, messages, **kwargs):
            \"\"\"Send the messages.\"\"\"


    class LiteCompletion(Completion):
        def __init__(self, model_name):
            self.model_name = model_name

        async def complete_async(self, messages, **kwargs):
            out = await litellm.acompletion(model=self.model_name, messages=messages, **kwargs)
            return out.choices[0].message.content


    class MessagesBuilder:
        def __init__(self):
            self.items = []

        def add_system_message(self, text):
            self.items.append({"role": "system", "content": text})
            return self

        def add_user_message(self, text):
            self.items.append({"role": "user", "content": text})
            return self

        def build(self):
            return list(self.items)
"""

_PROMPTS = '''
    SCORE_PROMPT = """You are judging how relevant a passage is to a question.
    Passage: {passage}
    Question: {question}
    Answer in JSON with one key "score" holding an integer from 0 to 10 and nothing else."""

    STRICT_PROMPT = """Rate strictly whether the passage answers the question; a partial answer scores low.
    Passage: {passage}
    Question: {question}
    Reply with JSON {{"score": <0-10>}} only."""
'''

_SCORING = """
    from typing import TYPE_CHECKING

    from .llm import MessagesBuilder
    from .prompts import SCORE_PROMPT

    if TYPE_CHECKING:
        from .llm import Completion


    async def score_passage(question, passage, model: "Completion", {template}, repeats: int = 1, **model_params):
        builder = (
            MessagesBuilder()
            .add_system_message(score_prompt.format(passage=passage, question=question))
            .add_user_message(question)
        )
        scores = []
        for _ in range(repeats):
            reply = await model.complete_async(messages=builder.build(), response_format_json_object=True, **model_params)
            scores.append(reply)
        return scores
"""

_PICKER = """
    from .llm import Completion
    from .prompts import SCORE_PROMPT
    from .scoring import score_passage


    class Picker:
        def __init__(self, model: Completion, passages, score_prompt: str = SCORE_PROMPT):
            self.model = model
            self.passages = passages
            self.score_prompt = score_prompt

        async def pick(self, question):
            out = []
            for p in self.passages:
                out.append(
                    await score_passage(question=question, passage=p, model=self.model, score_prompt=self.score_prompt)
                )
            return out
"""

_MAIN = """
    import asyncio

    from .llm import LiteCompletion
    from .picker import Picker


    def run(question, passages):
        picker = Picker(LiteCompletion("gpt-4o-mini"), passages)
        return asyncio.run(picker.pick(question))
"""


def _tree(tmp_path: Path, template: str, picker: str = _PICKER) -> str:
    scoring = _SCORING.format(template=template)
    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/llm.py": _LLM,
            "app/prompts.py": _PROMPTS,
            "app/scoring.py": scoring,
            "app/picker.py": picker,
            "app/main.py": _MAIN,
        },
    )
    return scoring


def test_a_template_parameter_defaulting_to_own_text_is_a_task(tmp_path: Path) -> None:
    scoring = _tree(tmp_path, "score_prompt: str = SCORE_PROMPT")
    graph = analysed_graph(tmp_path)
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("app/scoring.py", line_of(scoring, "async def score_passage")) not in found  # a task function
    assert ("app/picker.py", line_of(_PICKER, "await score_passage(")) not in found  # no wrapper-call of it
    site = site_at(graph, "app/scoring.py", line_of(scoring, "model.complete_async("))
    assert site.site == SiteKind.WRAPPER_CALL


def test_a_template_parameter_without_a_default_is_the_callers(tmp_path: Path) -> None:
    scoring = _tree(tmp_path, "score_prompt: str, *")
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "app/scoring.py", line_of(scoring, "async def score_passage")).site == SiteKind.WRAPPER


def test_a_template_the_callers_swap_for_their_own_is_theirs(tmp_path: Path) -> None:
    # the one caller hands its own text for the template (``score_prompt=self.score_prompt`` holding STRICT_PROMPT):
    # the caller writes the task, the function fills what it is handed: a wrapper, its call a wrapper-call
    picker = _PICKER.replace("import SCORE_PROMPT", "import STRICT_PROMPT").replace(
        "score_prompt: str = SCORE_PROMPT", "score_prompt: str = STRICT_PROMPT"
    )
    scoring = _tree(tmp_path, "score_prompt: str = SCORE_PROMPT", picker)
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "app/scoring.py", line_of(scoring, "async def score_passage")).site == SiteKind.WRAPPER
    assert site_at(graph, "app/picker.py", line_of(picker, "await score_passage(")).site == SiteKind.WRAPPER_CALL


_RELAY = '''
    from typing import TYPE_CHECKING

    if TYPE_CHECKING:
        from .llm import Completion

    RETRY_PROMPT = """Your last answer held no tool call in the required format. The tools are {tools}.
    Describe what was wrong, then call one of the tools again with its arguments copied over."""


    async def next_call(model: "Completion", user_message: str, tools: list, retry_prompt: str = RETRY_PROMPT):
        reply = await model.complete_async(messages=[{"role": "user", "content": user_message}])
        if "<call>" not in reply:
            user_message = retry_prompt.format(tools=", ".join(tools))
            return None, user_message
        return reply, None
'''

_RELAY_USER = """
    from .llm import LiteCompletion
    from .relay import next_call


    async def ask(question):
        return await next_call(LiteCompletion("gpt-4o-mini"), "Find the file that defines " + question, ["search"])
"""


def test_a_template_filled_only_after_the_send_does_not_make_a_task(tmp_path: Path) -> None:
    # the send hands on the caller's message; the default template is filled afterwards for the next turn
    write_tree(
        tmp_path,
        {"app/__init__.py": "", "app/llm.py": _LLM, "app/relay.py": _RELAY, "app/user.py": _RELAY_USER},
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "app/relay.py", line_of(_RELAY, "async def next_call")).site == SiteKind.WRAPPER
    assert site_at(graph, "app/user.py", line_of(_RELAY_USER, "await next_call(")).site == SiteKind.WRAPPER_CALL
