"""A caller's prompt handed on inside an object of a generic class parametrised where it is built
(``Job[str](messages=[... prompt])``, the ``Task[result_type](instructions=...)`` shape of AI-function libraries):
the construction keeps the prompt as ``Job(...)`` does, so the function building it forwards its caller's prompt."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, site_at, write_tree

_LLM = """
from typing import Any, Generic, TypeVar

from openai import OpenAI

T = TypeVar("T")
client = OpenAI()


class Job(Generic[T]):
    def __init__(self, messages: list[dict[str, str]], result_type: Any = str) -> None:
        self.messages = messages
        self.result_type = result_type


def run_job(job: Job[Any]) -> str:
    reply = client.chat.completions.create(model="gpt-4o", messages=job.messages)
    return reply.choices[0].message.content or ""


def ask(question: str, result_type: Any = str) -> str:
    job = Job[result_type](messages=[{"role": "user", "content": question}], result_type=result_type)
    return run_job(job)
"""

_APP = """
from kit.llm import Job, ask, run_job


def haiku() -> str:
    return ask("Write a haiku about the sea")


def colour() -> str:
    return run_job(Job(messages=[{"role": "user", "content": "Name a colour"}]))
"""


def test_a_prompt_kept_by_a_parametrised_generic_construction_is_forwarded(tmp_path: Path) -> None:
    write_tree(tmp_path, {"kit/__init__.py": "", "kit/llm.py": _LLM, "kit/app.py": _APP})
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "kit/llm.py", line_of(_LLM, "def ask(")).site == SiteKind.WRAPPER
    assert site_at(graph, "kit/app.py", line_of(_APP, 'ask("Write')).site == SiteKind.WRAPPER_CALL
    # the plain construction was already followed
    assert site_at(graph, "kit/llm.py", line_of(_LLM, "def run_job(")).site == SiteKind.WRAPPER
