"""A task method that adds its own turn to a conversation *object* before sending it: ``ctx.history.add_message(
Message(role="user", content=await template.render(task=ctx.task)))`` then ``service.get_reply(ctx.history,
settings)``. The history lives in an attribute of the context object the method is handed (or in a local), the turn
is added with the object's ``add_message`` rather than a list's ``append``, and its text comes from a template class of
the tree built around a configuration object holding the text (``PromptTemplate(template_config=TemplateConfig(
template=self.survey_prompt))``) and rendered with ``await``. The method writes the prompt it sends around the data it
is handed: a task, no wrapper; neither is the body-less interface method it implements, and the runner's call of it
is no wrapper-call. A method adding only its caller's text to the history it sends stays the caller's calling API."""

from __future__ import annotations

from pathlib import Path

from tests.frontend.trees import analysed_graph, carried_text, line_of, site_at, write_tree

_SERVICE = """
    from abc import ABC, abstractmethod
    from openai import AsyncOpenAI


    class History:
        def __init__(self, messages=None):
            self.messages = list(messages or [])

        def add_message(self, message):
            self.messages.append(message)


    class Message:
        def __init__(self, role, content):
            self.role = role
            self.content = content


    class ChatService(ABC):
        async def get_replies(self, history, settings):
            return await self._inner_replies(history, settings)

        async def get_reply(self, history, settings):
            replies = await self.get_replies(history, settings)
            return replies[0]

        @abstractmethod
        async def _inner_replies(self, history, settings):
            ...


    class OpenAIService(ChatService):
        def __init__(self):
            self.client = AsyncOpenAI()

        async def _inner_replies(self, history, settings):
            out = await self.client.chat.completions.create(model=settings.model, messages=history.messages)
            return [c.message.content for c in out.choices]
"""

_PLANNER = """
    from abc import ABC, abstractmethod

    from service import History, Message

    SURVEY = \"\"\"Below is a request. Before working on it, list the facts that are given in it, the facts to look up and
    where, the facts to derive, and your educated guesses, under four headings and nothing else.

    Request: {{$task}}
    \"\"\"


    class TemplateConfig:
        def __init__(self, template):
            self.template = template


    class PromptTemplate:
        def __init__(self, template_config):
            self.template_config = template_config

        async def render(self, **values):
            text = self.template_config.template
            for k, v in values.items():
                text = text.replace("{{$" + k + "}}", str(v))
            return text


    class Context:
        def __init__(self, task):
            self.task = task
            self.history = History()


    class PlannerBase(ABC):
        @abstractmethod
        async def survey(self, ctx: Context):
            ...


    class StandardPlanner(PlannerBase):
        survey_prompt: str = SURVEY
        plan_prompt: str = "Now write a short numbered plan for {{$task}}, one step a line."

        def __init__(self, service, settings):
            self.service = service
            self.settings = settings

        async def survey(self, ctx: Context):
            template = PromptTemplate(template_config=TemplateConfig(template=self.survey_prompt))
            ctx.history.add_message(Message(role="user", content=await template.render(task=ctx.task)))
            facts = await self.service.get_reply(ctx.history, self.settings)
            ctx.history.add_message(facts)
            template = PromptTemplate(template_config=TemplateConfig(template=self.plan_prompt))
            ctx.history.add_message(Message(role="user", content=await template.render(task=ctx.task)))
            plan = await self.service.get_reply(ctx.history, self.settings)
            return facts, plan


    class Runner:
        def __init__(self, planner: PlannerBase, ctx):
            self.planner = planner
            self.ctx = ctx

        async def start(self):
            return await self.planner.survey(self.ctx)
"""

_LOCAL = """
    from service import History

    NAMING = "Read the file listing below and propose one short, lower-case name for the folder holding it.\\n{listing}"


    class Namer:
        def __init__(self, service, settings):
            self.service = service
            self.settings = settings

        async def folder_name(self, listing):
            history = History()
            history.add_message({"role": "user", "content": NAMING.format(listing=listing)})
            return await self.service.get_reply(history, self.settings)


    class Organiser:
        def __init__(self, namer: Namer):
            self.namer = namer

        async def tidy(self, listing):
            return await self.namer.folder_name(listing)
"""

_CHAT = """
    from service import History, Message


    class Chat:
        def __init__(self, service, settings):
            self.service = service
            self.settings = settings
            self.history = History()

        async def say(self, text):
            self.history.add_message(Message(role="user", content=text))
            return await self.service.get_reply(self.history, self.settings)


    async def greet(chat: Chat, name):
        return await chat.say(f"Say hello to {name}.")
"""


def _graph(tmp_path: Path):
    write_tree(tmp_path, {"service.py": _SERVICE, "planner.py": _PLANNER, "namer.py": _LOCAL, "chat.py": _CHAT})
    return analysed_graph(tmp_path)


def _kinds(graph, path: str) -> set[tuple[int, str]]:
    return {(s.loc.line, str(s.site)) for s in graph.sites() if s.loc.path == path}


def test_turn_added_to_a_held_history_makes_a_task_not_a_wrapper(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    kinds = _kinds(graph, "planner.py")
    assert not [k for k in kinds if k[1] == "wrapper"], kinds  # neither the interface nor its implementation
    assert (line_of(_PLANNER, "return await self.planner.survey(self.ctx)"), "wrapper-call") not in kinds
    send = line_of(_PLANNER, "facts = await self.service.get_reply(ctx.history, self.settings)")
    assert (send, "wrapper-call") in kinds
    assert "facts to look up" in carried_text(graph, site_at(graph, "planner.py", send))
    # the second send carries the turn added for it (the template local rebound for it), not the question before it
    again = line_of(_PLANNER, "plan = await self.service.get_reply(ctx.history, self.settings)")
    assert (again, "wrapper-call") in kinds
    text = carried_text(graph, site_at(graph, "planner.py", again))
    assert "numbered plan" in text and "facts to look up" not in text


def test_turn_added_to_a_local_history_object_makes_a_task(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    kinds = _kinds(graph, "namer.py")
    assert (line_of(_LOCAL, "async def folder_name(self, listing):"), "wrapper") not in kinds
    assert (line_of(_LOCAL, "return await self.namer.folder_name(listing)"), "wrapper-call") not in kinds
    assert (line_of(_LOCAL, "return await self.service.get_reply(history, self.settings)"), "wrapper-call") in kinds


def test_history_holding_only_the_callers_text_stays_a_wrapper(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    kinds = _kinds(graph, "chat.py")
    assert (line_of(_CHAT, "async def say(self, text):"), "wrapper") in kinds
    assert (line_of(_CHAT, 'return await chat.say(f"Say hello to {name}.")'), "wrapper-call") in kinds
