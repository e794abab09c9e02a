"""A provider method that assembles the message list from a template the caller hands it
(``msgs = provider.build_messages(template_str=ASK, params=p)`` then ``provider.complete(msgs)``), where what it
builds cannot be read statically (the template split into messages in a loop): the site's prompt is that template, its
``<$slot$>`` holes. The template may be written at the call, or reach a step object's ``self.template`` from the one
construction of its class, fed from a table of prompt files keyed by a module constant."""

from __future__ import annotations

from pathlib import Path

from slmc.passes.triage import multi_task_wrappers, triage_site
from tests.frontend.trees import analysed_graph, carried_text, wrapper_call_in, write_tree

BASE = """
    import abc


    class ChatModel(abc.ABC):
        @abc.abstractmethod
        def complete(self, messages, temperature=0.0):
            pass

        @abc.abstractmethod
        def build_messages(self, template_str=None, params=None):
            pass
"""

REMOTE = """
    import re

    from openai import OpenAI

    from kit.base import ChatModel


    class RemoteChatModel(ChatModel):
        def __init__(self):
            self.client = OpenAI()

        def complete(self, messages, temperature=0.0):
            reply = self.client.chat.completions.create(model="m", messages=messages, temperature=temperature)
            return reply.choices[0].message.content

        def _split_sections(self, template_str, params):
            parts = []
            for block in re.split(r"\\n\\n+", template_str):
                for key in re.findall(r"<\\$(.*?)\\$>", block):
                    block = block.replace(f"<${key}$>", str(params.get(key, "")))
                parts.append(block)
            return parts

        def build_messages(self, template_str=None, params=None):
            parts = self._split_sections(template_str, params)
            return [{"role": "system", "content": parts[0]}, {"role": "user", "content": "\\n\\n".join(parts[1:])}]
"""

SKILLS = '''
    from kit.base import ChatModel


    def find_event_frame(model: ChatModel, frames, event):
        ask = """
            You are given the frames of a clip, in order.

            Frames:
            <$frames$>

            At which frame does "<$event$>" happen? Answer with a single number only, counting from 0.
            """
        messages = model.build_messages(template_str=ask, params={"frames": frames, "event": event})
        answer = model.complete(messages)
        return answer
'''

PLANNER = """
    from typing import Any, Dict

    from kit import names
    from kit.base import ChatModel


    def read_text_file(path):
        with open(path, encoding="utf-8") as f:
            return f.read()


    class MailSorting:
        def __init__(self, template: str = None, llm_provider: ChatModel = None):
            self.template = template
            self.llm_provider = llm_provider

        def __call__(self, *args, input: Dict[str, Any] = None, **kwargs):
            message_prompts = self.llm_provider.build_messages(template_str=self.template, params=input)
            response = self.llm_provider.complete(message_prompts)
            return {"response": response}


    class Planner:
        def __init__(self, llm_provider: ChatModel = None, planner_params: Dict = None):
            self.llm_provider = llm_provider
            self.planner_params = planner_params
            self.templates = self._init_templates()
            self.sorting_ = MailSorting(template=self.templates[names.SORTING_MODULE], llm_provider=self.llm_provider)

        def _init_templates(self):
            templates = dict()
            for key, path in self.planner_params["prompt_paths"]["templates"].items():
                templates[key] = read_text_file(path)
            return templates

        def sort_mail(self, input=None):
            return self.sorting_(input=input)
"""

SORT_PROMPT = """You are an assistant that files incoming e-mail.

E-mail:
<$mail_text$>

Which folder does this e-mail belong to? Pick exactly one of: invoices, support, spam, other.

You should only respond in the format described below:
Folder:
one of the listed folders
"""


def _tree(root: Path, extra: dict[str, str]) -> None:
    write_tree(root, {"kit/__init__.py": "", "kit/base.py": BASE, "kit/remote.py": REMOTE, **extra})


def test_a_template_written_at_the_call_of_a_message_assembler_is_the_prompt(tmp_path: Path) -> None:
    """Failed before: the assembled list had no text (``{messages}``) and the site was triaged open-ended
    (BAAI-Agents/Cradle: the video-frame skill asking for one frame number, labelled narrow, came out unclear)."""
    _tree(tmp_path, {"kit/skills.py": SKILLS})
    graph = analysed_graph(tmp_path)
    site = wrapper_call_in(graph, "find_event_frame")
    text = carried_text(graph, site)
    assert "Answer with a single number only" in text and "<$event$>" not in text, text
    assert triage_site(graph, site, multi_task_wrappers(graph)).verdict.value == "narrow"


def test_a_step_built_once_reads_its_template_from_the_keyed_prompt_file(tmp_path: Path) -> None:
    """Failed before: ``self.template`` of the step object was no text (its class's ``__init__`` only stores the
    parameter), and ``self.templates[names.SORTING_MODULE]`` was no prompt file (only a literal key named one), so
    the site had nothing to triage (BAAI-Agents/Cradle: 3 information-gathering sites labelled narrow came out
    unclear)."""
    _tree(
        tmp_path,
        {
            "kit/names.py": 'SORTING_MODULE = "sort_mail"\n',
            "kit/planner.py": PLANNER,
            "res/shop/prompts/templates/sort_mail.prompt": SORT_PROMPT,
        },
    )
    graph = analysed_graph(tmp_path)
    site = wrapper_call_in(graph, "MailSorting.__call__")
    text = carried_text(graph, site)
    assert "Pick exactly one of: invoices, support, spam, other." in text, text
    assert triage_site(graph, site, multi_task_wrappers(graph)).verdict.value == "narrow"


def test_a_step_built_at_two_places_keeps_no_single_template(tmp_path: Path) -> None:
    """Built at two places, the step's template is whichever construction made the object: none is read for it."""
    planner = PLANNER.replace(
        "        def sort_mail(self, input=None):",
        "        def rebuild(self):\n"
        "            self.sorting_ = MailSorting(template=self.templates[names.SORTING_MODULE], llm_provider=None)\n\n"
        "        def sort_mail(self, input=None):",
    )
    _tree(
        tmp_path,
        {
            "kit/names.py": 'SORTING_MODULE = "sort_mail"\n',
            "kit/planner.py": planner,
            "res/shop/prompts/templates/sort_mail.prompt": SORT_PROMPT,
        },
    )
    graph = analysed_graph(tmp_path)
    site = wrapper_call_in(graph, "MailSorting.__call__")
    assert "Pick exactly one of" not in carried_text(graph, site)
