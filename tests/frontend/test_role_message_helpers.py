"""Role-named message helpers on a provider base (``self.system_message(text)``, abstract in the base, each provider
mixin returning ``{"role": ..., "content": text}``): a method sending ``[self.system_message("<instruction>"),
self.user_message(data)]`` writes its own task prompt around its caller's data, so it is no wrapper, and the
instruction is the prompt's system text. The base's abstract ``ask_model`` every provider implements stays the
wrapper; a method that only hands its caller's text on through the helpers still forwards."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, line_of, messages_at, sites_in, write_tree

BASE = """\
from abc import ABC, abstractmethod


class Assistant(ABC):
    @abstractmethod
    def system_message(self, message):
        pass

    @abstractmethod
    def user_message(self, message):
        pass

    @abstractmethod
    def ask_model(self, prompt, **kwargs):
        pass

    def title_for(self, report):
        return self.ask_model(
            [
                self.system_message("Read the report the user gives you and answer with a title of at most eight words."),
                self.user_message(report),
            ]
        )

    def relay(self, instruction, text):
        return self.ask_model([self.system_message(instruction), self.user_message(text)])
"""

PROVIDER = """\
from openai import OpenAI

from pkg.base import Assistant


class OpenAIAssistant(Assistant):
    def __init__(self):
        self.client = OpenAI()

    def system_message(self, message):
        return {"role": "system", "content": message}

    def user_message(self, message):
        return {"role": "user", "content": message}

    def ask_model(self, prompt, **kwargs):
        out = self.client.chat.completions.create(model="gpt-4o-mini", messages=prompt)
        return out.choices[0].message.content
"""

APP = """\
from pkg.provider import OpenAIAssistant

bot = OpenAIAssistant()


def name_file(path):
    return bot.title_for(open(path).read())


def name_page(page):
    return bot.title_for(page.body)


def relay_typed():
    return bot.relay(input("instruction: "), input("text: "))


def relay_piped(lines):
    return bot.relay(lines[0], "\\n".join(lines[1:]))
"""


def _tree(tmp_path: Path) -> Path:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/base.py": BASE, "pkg/provider.py": PROVIDER, "app.py": APP})
    return tmp_path


def test_task_method_writing_its_instruction_through_role_helpers_is_no_wrapper(tmp_path: Path) -> None:
    found = sites_in(_tree(tmp_path), "pkg/base.py")
    assert (line_of(BASE, "def title_for"), "wrapper") not in found
    assert (line_of(BASE, "def ask_model"), "wrapper") in found
    assert (line_of(BASE, "def relay"), "wrapper") in found  # the look-alike: it writes nothing, it forwards


def test_role_helper_text_is_the_prompt_of_the_call(tmp_path: Path) -> None:
    graph = analysed_graph(_tree(tmp_path))
    messages = messages_at(graph, "pkg/base.py", line_of(BASE, "return self.ask_model("))
    assert messages[0][0] == "system"
    assert "title of at most eight words" in messages[0][1]


QUERY_BASE = """\
from abc import ABC, abstractmethod


class QueryWriter(ABC):
    @abstractmethod
    def system_message(self, message):
        pass

    @abstractmethod
    def user_message(self, message):
        pass

    @abstractmethod
    def ask_model(self, prompt, **kwargs):
        pass

    def with_tables(self, intro, tables):
        for table in tables:
            intro += table + "\\\\n"
        return intro

    def build_prompt(self, intro, question, tables):
        if intro is None:
            intro = "You write queries. "
        intro = self.with_tables(intro, tables)
        intro += (
            "Rules: answer with one valid query and nothing else. "
            "Use only the tables listed above and never invent a column. "
        )
        return [self.system_message(intro), self.user_message(question)]

    def query_for(self, question, tables, intro=None):
        prompt = self.build_prompt(intro, question, tables)
        return self.ask_model(prompt)
"""

QUERY_APP = """\
from pkg.querying import QueryWriter


def first(writer: QueryWriter, question):
    return writer.query_for(question, ["orders(id, total)"])


def second(writer: QueryWriter, question, tables):
    return writer.query_for(question, tables, intro="Be careful. ")
"""


def test_builder_gathering_its_instructions_by_augmented_assignment_writes_the_prompt(tmp_path: Path) -> None:
    provider = PROVIDER.replace("pkg.base import Assistant", "pkg.querying import QueryWriter")
    provider = provider.replace("(Assistant)", "(QueryWriter)")
    write_tree(
        tmp_path,
        {"pkg/__init__.py": "", "pkg/querying.py": QUERY_BASE, "pkg/provider.py": provider, "app.py": QUERY_APP},
    )
    found = sites_in(tmp_path, "pkg/querying.py")
    assert (line_of(QUERY_BASE, "def query_for"), "wrapper") not in found
    assert (line_of(QUERY_BASE, "def ask_model"), "wrapper") in found
