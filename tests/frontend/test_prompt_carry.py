"""Prompts carried to the site as a person reads them: framework configs, message lists built in pieces, loaders
behind helpers, prompt-builder methods and wrapper hops; then triaged on that text. Small synthetic trees."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import Verdict
from slmc.passes.triage import multi_task_wrappers, triage_site

from .trees import analysed_graph as _graph
from .trees import carried_text as _text
from .trees import site_at as _site
from .trees import write_tree as _write


def test_crewai_task_prompt_from_yaml_config_and_its_agent(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "crew/config/tasks.yaml": """
                code_task:
                  description: >
                    Create the game described here: {game}
                  expected_output: >
                    The full python code of the game, and nothing else.
                label_task:
                  description: >
                    Sort the bug report {report} into one of the following queues: ui, backend, docs.
                  expected_output: >
                    Only the queue name.
            """,
            "crew/config/agents.yaml": """
                engineer:
                  role: Senior Software Engineer
                  goal: Build software as asked
                  backstory: You write careful python.
            """,
            "crew/crew.py": """
                from crewai import Agent, Crew, Task
                from crewai.project import CrewBase, agent, task


                @CrewBase
                class GameCrew:
                    agents_config = "config/agents.yaml"
                    tasks_config = "config/tasks.yaml"

                    @agent
                    def engineer(self) -> Agent:
                        return Agent(config=self.agents_config["engineer"], verbose=True)

                    @task
                    def code_task(self) -> Task:
                        return Task(config=self.tasks_config["code_task"], agent=self.engineer())

                    @task
                    def label_task(self) -> Task:
                        return Task(config=self.tasks_config["label_task"], agent=self.engineer())
            """,
        },
    )
    graph = _graph(tmp_path)
    code = _site(graph, "crew/crew.py", 17)
    text = _text(graph, code)
    assert "full python code" in text and "Senior Software Engineer" in text
    assert triage_site(graph, code).verdict == Verdict.OPEN_ENDED
    label = _site(graph, "crew/crew.py", 21)
    assert "one of the following queues" in _text(graph, label)
    assert triage_site(graph, label).verdict == Verdict.NARROW


def test_crewai_task_with_agent_in_a_local(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "main.py": """
                from crewai import Agent, Task

                writer = Agent(role="Novelist", goal="Write gripping fiction", backstory="Award-winning author.")
                chapter = Task(description="Write a long chapter of the story about {hero}.", expected_output="The chapter.", agent=writer)
            """
        },
    )
    graph = _graph(tmp_path)
    site = _site(graph, "main.py", 5)
    assert "Novelist" in _text(graph, site) and "long chapter" in _text(graph, site)
    assert triage_site(graph, site).verdict == Verdict.OPEN_ENDED


def test_messages_built_by_list_concatenation(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "agent.py": """
                from langchain_core.messages import SystemMessage
                from langchain_openai import ChatOpenAI

                PROMPT = "Extract the dates and amounts from the conversation. Return only the extracted values."
                llm = ChatOpenAI(model="gpt-4o")


                def extract(history):
                    messages = [SystemMessage(content=PROMPT)] + history
                    return llm.invoke(messages)
            """
        },
    )
    graph = _graph(tmp_path)
    site = _site(graph, "agent.py", 11)
    prompt = graph.prompt_of(site.id)
    assert prompt is not None and [m.role for m in prompt.messages] == ["system", "user"]
    assert "Extract the dates" in prompt.messages[0].static_text()
    assert triage_site(graph, site).verdict == Verdict.NARROW


def test_loader_reaching_the_file_through_a_helper(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "bot/prompts/grader.txt": "Grade the answer on a scale of 1 to 5. Output the number only.\n",
            "bot/utils.py": """
                def load_text(*paths):
                    with open("/".join(paths)) as fh:
                        return fh.read()
            """,
            "bot/prompts/__init__.py": """
                import pkg_resources
                import bot.utils as U


                def load_prompt(name):
                    root = pkg_resources.resource_filename("bot", "")
                    return U.load_text(f"{root}/prompts/{name}.txt")
            """,
            "bot/agent.py": """
                from openai import OpenAI
                from bot.prompts import load_prompt

                client = OpenAI()


                def grade(answer):
                    messages = [{"role": "system", "content": load_prompt("grader")}, {"role": "user", "content": answer}]
                    return client.chat.completions.create(model="gpt-4o", messages=messages)
            """,
        },
    )
    graph = _graph(tmp_path)
    site = _site(graph, "bot/agent.py", 10)
    assert "scale of 1 to 5" in _text(graph, site)
    assert triage_site(graph, site).verdict == Verdict.NARROW


def test_prompt_builder_methods_are_read(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "agent.py": """
                from langchain_core.messages import HumanMessage, SystemMessage
                from langchain_openai import ChatOpenAI


                class Curriculum:
                    def __init__(self):
                        self.llm = ChatOpenAI(model="gpt-4o")

                    def render_system_message(self):
                        return SystemMessage(content="Write a detailed essay about the given topic, in several paragraphs.")

                    def render_human_message(self, topic):
                        return HumanMessage(content=f"Topic: {topic}")

                    def essay(self, topic):
                        messages = [self.render_system_message(), self.render_human_message(topic)]
                        return self.llm.invoke(messages).content
            """
        },
    )
    graph = _graph(tmp_path)
    site = _site(graph, "agent.py", 18)
    assert "detailed essay" in _text(graph, site)
    assert triage_site(graph, site).verdict == Verdict.OPEN_ENDED


def test_retry_and_backup_engine_make_one_task_not_an_orchestrator(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "llm.py": """
                from openai import OpenAI

                client = OpenAI()


                def get_completions(messages, use_backup=True):
                    try:
                        return client.chat.completions.create(model="gpt-4o", messages=messages)
                    except Exception:
                        if use_backup:
                            return get_completions(messages, use_backup=False)
                        raise


                def get_completion(messages):
                    return get_completions(messages)
            """,
            "judge.py": """
                from llm import get_completion


                def judge(task):
                    prompt = [{"role": "system", "content": "Decide whether the task can be executed. Answer yes or no."},
                              {"role": "user", "content": task}]
                    return get_completion(prompt)
            """,
            "flow.py": """
                from llm import get_completion


                def handle(ticket):
                    kind = get_completion([{"role": "system", "content": "Classify the ticket as bug or question."}, *ticket])
                    reply = get_completion([{"role": "system", "content": "Write a friendly reply to the customer."}, *ticket])
                    return kind, reply


                def main():
                    handle([{"role": "user", "content": "printer on fire"}])
            """,
        },
    )
    graph = _graph(tmp_path)
    multi = multi_task_wrappers(graph)
    site = _site(graph, "judge.py", 8)
    assert "Answer yes or no" in _text(graph, site)
    t = triage_site(graph, site, multi)
    assert t.verdict == Verdict.NARROW, t
    # an orchestrator authoring two different prompts is still several tasks
    (call,) = [s for s in graph.sites() if s.loc.path == "flow.py" and s.function == "main"]
    assert call.target in multi
    assert triage_site(graph, call, multi).verdict == Verdict.UNCLEAR


def test_a_run_of_an_agent_that_makes_many_calls_is_an_open_agent_loop(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "agents.py": """
                from openai import OpenAI


                class ToolAgent:
                    def __init__(self, tools):
                        self.client = OpenAI()
                        self.tools = tools

                    def plan(self, messages):
                        msgs = [{"role": "system", "content": "Make a step by step plan for the task."}, *messages]
                        return self.client.chat.completions.create(model="gpt-4o", messages=msgs)

                    def act(self, messages):
                        msgs = [{"role": "system", "content": "Pick the next tool to call."}, *messages]
                        return self.client.chat.completions.create(model="gpt-4o", messages=msgs, tools=self.tools)

                    def run(self, messages):
                        self.plan(messages)
                        return self.act(messages)
            """,
            "main.py": """
                from agents import ToolAgent

                agent = ToolAgent(tools=[])
                agent.run([{"role": "user", "content": "What is the weather in Paris?"}])
            """,
        },
    )
    graph = _graph(tmp_path)
    multi = multi_task_wrappers(graph)
    site = _site(graph, "main.py", 5)
    assert site.target in multi
    t = triage_site(graph, site, multi)
    assert t.verdict == Verdict.OPEN_ENDED and any("agent loop" in r for r in t.reasons), t


def test_prompt_filled_from_the_caller_of_a_non_wrapper_function(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "llm.py": """
                from openai import OpenAI

                client = OpenAI()


                def ask(prompt):
                    r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
                    return r.choices[0].message.content
            """,
            "writer.py": """
                from llm import ask

                TEMPLATE = "Write the complete python module implementing {spec}. Return the whole file."


                class WriteCode:
                    def write_code(self, prompt):
                        return ask(prompt)

                    def run(self, spec):
                        prompt = TEMPLATE.format(spec=spec)
                        return self.write_code(prompt)
            """,
            "other.py": """
                from llm import ask


                def label(text):
                    return ask(f"Classify the text as spam or ham. Answer with only the label.\\n{text}")
            """,
        },
    )
    graph = _graph(tmp_path)
    site = _site(graph, "writer.py", 9)
    assert "complete python module" in _text(graph, site)
    assert triage_site(graph, site).verdict == Verdict.OPEN_ENDED
    assert triage_site(graph, _site(graph, "other.py", 6)).verdict == Verdict.NARROW


def test_caller_prompt_kept_when_the_wrapper_rebuilds_its_messages(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "base_llm.py": """
                from openai import AsyncOpenAI


                class LLM:
                    def __init__(self):
                        self.client = AsyncOpenAI()

                    def _user_msg(self, msg):
                        return {"role": "user", "content": msg}

                    def compress(self, messages):
                        return messages[-20:]

                    async def completion_text(self, messages, stream=False):
                        r = await self.client.chat.completions.create(model="gpt-4o", messages=messages, stream=stream)
                        return r.choices[0].message.content

                    async def aask(self, msg, system_msgs=None, stream=None):
                        message = [{"role": "system", "content": s} for s in (system_msgs or [])]
                        message.append(self._user_msg(msg))
                        compressed = self.compress(message)
                        return await self.completion_text(compressed, stream=stream)
            """,
            "actions.py": """
                from base_llm import LLM


                class ExtractReadme:
                    def __init__(self):
                        self.llm = LLM()

                    async def install(self, readme):
                        return await self.llm.aask(
                            readme,
                            system_msgs=["You are a tool that extracts the install commands from a README.", "Return only the commands."],
                            stream=False,
                        )
            """,
        },
    )
    graph = _graph(tmp_path)
    site = _site(graph, "actions.py", 10)
    text = _text(graph, site)
    assert "extracts the install commands" in text
    assert triage_site(graph, site).verdict == Verdict.NARROW


def test_loader_reading_the_file_named_by_its_second_parameter(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "server/persona/templates/poignancy_v1.txt": (
                "Here is a brief description of !<INPUT 0>!.\n"
                "On the scale of 1 to 10, rate the poignancy of the event: !<INPUT 1>!\nRate (return a number):"
            ),
            "server/persona/gpt.py": """
                import openai


                def generate_prompt(curr_input, prompt_lib_file):
                    f = open(prompt_lib_file, "r")
                    prompt = f.read()
                    f.close()
                    for count, i in enumerate(curr_input):
                        prompt = prompt.replace(f"!<INPUT {count}>!", i)
                    return prompt.strip()


                def safe_generate_response(prompt, params):
                    return openai.Completion.create(engine=params["engine"], prompt=prompt)


                def run_gpt_prompt_poignancy(persona, event):
                    prompt_template = "persona/templates/poignancy_v1.txt"
                    prompt = generate_prompt([persona, event], prompt_template)
                    return safe_generate_response(prompt, {"engine": "text-davinci-003"})


                def run_other(persona):
                    return safe_generate_response(f"Write a long story about {persona}.", {"engine": "text-davinci-003"})
            """,
        },
    )
    graph = _graph(tmp_path)
    site = _site(graph, "server/persona/gpt.py", 21)
    assert "rate the poignancy" in _text(graph, site)
    assert triage_site(graph, site).verdict == Verdict.NARROW


def test_message_helper_taking_the_role_and_the_text(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "agent.py": """
                from openai import OpenAI

                client = OpenAI()


                def format_chat_message(role, message, image_urls=None):
                    if image_urls:
                        return {"role": role, "content": [{"type": "text", "text": message}]}
                    return {"role": role, "content": message}


                def summarize(chat):
                    prompt = [
                        format_chat_message("system", "Summarize the conversation below under the headings Errors and Preferences."),
                        format_chat_message("user", chat),
                    ]
                    return client.chat.completions.create(model="gpt-4o", messages=prompt)
            """
        },
    )
    graph = _graph(tmp_path)
    site = _site(graph, "agent.py", 18)
    prompt = graph.prompt_of(site.id)
    assert prompt is not None and [m.role for m in prompt.messages] == ["system", "user"]
    assert "under the headings Errors" in prompt.messages[0].static_text()
    assert triage_site(graph, site).verdict == Verdict.NARROW


def test_wrapper_call_through_an_abstract_chain_sends_its_own_arguments(tmp_path: Path) -> None:
    """The wrapper's prompt is lost below it (a compressed message list handed to an abstract provider method): the
    call still sends what it passes to the wrapper's prompt parameters, and is triaged on that text."""
    _write(
        tmp_path,
        {
            "llm/base.py": """
                from abc import ABC, abstractmethod


                class BaseLLM(ABC):
                    @abstractmethod
                    async def _achat(self, messages):
                        \"\"\"provider call\"\"\"

                    async def acompletion_text(self, messages, stream=False):
                        return await self._achat(messages)

                    async def aask(self, msg, system_msgs=None, stream=None):
                        message = [{"role": "system", "content": s} for s in (system_msgs or ["You are helpful."])]
                        message.append({"role": "user", "content": msg})
                        compressed = self.compress(message)
                        return await self.acompletion_text(compressed, stream=stream)

                    def compress(self, messages):
                        return messages[-20:]
            """,
            "llm/openai_llm.py": """
                from openai import AsyncOpenAI

                from llm.base import BaseLLM


                class OpenAILLM(BaseLLM):
                    def __init__(self):
                        self.client = AsyncOpenAI()

                    async def _achat(self, messages):
                        rsp = await self.client.chat.completions.create(model="gpt-4o", messages=messages)
                        return rsp.choices[0].message.content
            """,
            "actions/readme.py": """
                from llm.openai_llm import OpenAILLM

                DETECT = "Detect the language of the requirement below. Answer with only the language name.\\n{req}"


                class ExtractReadme:
                    def __init__(self):
                        self.llm = OpenAILLM()

                    async def summary(self, readme):
                        return await self.llm.aask(
                            readme,
                            system_msgs=["You are a tool that summarizes the given README file.", "Return it only."],
                        )

                    async def language(self, req):
                        return await self.llm.aask(DETECT.format(req=req))
            """,
        },
    )
    graph = _graph(tmp_path)
    summary, language = _site(graph, "actions/readme.py", 12), _site(graph, "actions/readme.py", 18)
    assert "summarizes the given README file" in _text(graph, summary)
    assert "Detect the language of the requirement" in _text(graph, language)
    assert triage_site(graph, language).verdict == Verdict.NARROW


def test_prompt_read_next_to_the_caller_and_rewritten_in_place(tmp_path: Path) -> None:
    """``read_prompt(__file__, "write_code.txt")`` reads a file next to the caller; ``prompt = prompt.replace(...)``
    rewrites that text in place: the site's prompt is the file's text with the replaced slots as holes."""
    _write(
        tmp_path,
        {
            "helper/prompt_reader.py": """
                from pathlib import Path


                class PromptReader:
                    @staticmethod
                    def read_tools_prompt(current_file: str, prompt_file: str) -> str:
                        file_path = str(Path(current_file).resolve().parent) + "/prompts/" + prompt_file
                        f = open(file_path, "r")
                        file_content = f.read()
                        f.close()
                        return file_content
            """,
            "tools/code/prompts/write_code.txt": "Write the complete python code for {code_description}.\n",
            "tools/code/prompts/label.txt": "Classify the ticket into one of the following queues: {queues}.\n",
            "tools/code/tool.py": """
                from openai import OpenAI

                from helper.prompt_reader import PromptReader

                client = OpenAI()


                def write_code(code_description):
                    prompt = PromptReader.read_tools_prompt(__file__, "write_code.txt")
                    prompt = prompt.replace("{code_description}", code_description)
                    return client.chat.completions.create(model="m", messages=[{"role": "system", "content": prompt}])


                def route(ticket):
                    prompt = PromptReader.read_tools_prompt(__file__, "label.txt").replace("{queues}", "a, b, c")
                    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
            """,
        },
    )
    graph = _graph(tmp_path)
    code, route = _site(graph, "tools/code/tool.py", 12), _site(graph, "tools/code/tool.py", 17)
    prompt = graph.prompt_of(code.id)
    assert (
        prompt is not None
        and prompt.messages[0].template() == "Write the complete python code for {code_description}.\n"
    )
    assert "one of the following queues: a, b, c." in _text(graph, route)
    assert triage_site(graph, code).verdict == Verdict.OPEN_ENDED
    assert triage_site(graph, route).verdict == Verdict.NARROW


def test_message_objects_built_by_factories_and_str_like_prompts(tmp_path: Path) -> None:
    """``make_user_message(content=prompt)`` / ``UserMessage(PROMPT)`` handed to an agent's step, a prompt object
    wrapping one literal (``Prompt("...")``) rewritten by ``.format``, a message list passed through a helper and a
    text in a ``system_msgs`` list: the text a person reads at the call."""
    _write(
        tmp_path,
        {
            "bot/core.py": """
                from openai import OpenAI

                client = OpenAI()

                PICK = "Sort the request into one of the following queues: billing, tech, other. Output the queue only."
                PERSONA = "You are {who}. Reply in the user's language."


                class Prompt(str):
                    pass


                class Note:
                    def __init__(self, role, content):
                        self.role = role
                        self.content = content

                    @classmethod
                    def make_user_message(cls, role_name, content):
                        return cls("user", content)


                class UserMessage(Note):
                    def __init__(self, content):
                        super().__init__("user", content)


                class BaseAgent:
                    def step(self, input_message):
                        r = client.chat.completions.create(
                            model="m", messages=[{"role": "user", "content": input_message.content}]
                        )
                        return r.choices[0].message.content


                class CheckAgent(BaseAgent):
                    def enough(self, question, answer):
                        prompt = Prompt("Can the ANSWER settle the QUESTION? Reply yes or no.\\n{question}\\n{answer}")
                        prompt = prompt.format(question=question, answer=answer)
                        msg = Note.make_user_message(role_name="User", content=prompt)
                        return self.step(msg)


                class StoryAgent(BaseAgent):
                    def tell(self, topic):
                        return self.step(Note.make_user_message(role_name="User", content=f"Tell a story on {topic}."))


                class Gateway:
                    def tidy(self, messages):
                        out = []
                        for m in messages:
                            out.append({"role": m.role, "content": m.content})
                        return out

                    def ask(self, msg, system_msgs=None):
                        messages = [{"role": "system", "content": s} for s in system_msgs or []] + msg
                        return client.chat.completions.create(model="m", messages=messages)


                class Desk:
                    def __init__(self):
                        self.llm = Gateway()

                    def route(self, memory):
                        return self.llm.ask(
                            self.llm.tidy(memory + [UserMessage(PICK)]), system_msgs=[PERSONA.format(who="a router")]
                        )

                    def chat(self, memory):
                        return self.llm.ask(self.llm.tidy(memory), system_msgs=[PERSONA.format(who="a friend")])
            """,
        },
    )
    graph = _graph(tmp_path)
    enough = next(s for s in graph.sites() if s.function == "CheckAgent.enough")
    assert "Can the ANSWER settle the QUESTION? Reply yes or no." in _text(graph, enough)
    assert triage_site(graph, enough).verdict == Verdict.NARROW
    route = next(s for s in graph.sites() if s.function == "Desk.route")
    text = _text(graph, route)
    assert "one of the following queues: billing, tech, other" in text, text
    assert triage_site(graph, route).verdict == Verdict.NARROW


def test_a_repeated_text_is_read_once(tmp_path: Path) -> None:
    """``(f"..." "=") * 40`` (a banner line, or a text repeated by a misplaced bracket) is still the text."""
    _write(
        tmp_path,
        {
            "talk.py": """
                from openai import OpenAI

                client = OpenAI()


                def say(me, you, history):
                    head = (f"You are {me}, talking face-to-face with {you}.\\n" "=") * 40
                    prompt = head + f"\\nSo far:\\n{history}\\nNow reply as {me}."
                    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
            """,
        },
    )
    graph = _graph(tmp_path)
    site = next(s for s in graph.sites() if s.function == "say")
    assert "talking face-to-face with" in _text(graph, site)
    assert triage_site(graph, site).verdict == Verdict.OPEN_ENDED


def test_an_http_request_sends_its_inputs_field_not_its_url(tmp_path: Path) -> None:
    """A raw HTTP call to a hosted model: the prompt is the body's ``inputs`` (text-generation endpoints), never the
    URL passed positionally."""
    _write(
        tmp_path,
        {
            "hosted.py": """
                import json

                import requests

                URL = "http://localhost:8080/generate"  # a text-generation server


                def ping(headers):
                    data = json.dumps({"inputs": "ping"})
                    return requests.post(URL, headers=headers, data=data).json()


                def tag(text, headers):
                    body = {"inputs": f"Label the sentiment of the review as positive or negative: {text}"}
                    return requests.post(URL, headers=headers, json=body).json()
            """,
        },
    )
    graph = _graph(tmp_path)
    ping = next(s for s in graph.sites() if s.function == "ping")
    tag = next(s for s in graph.sites() if s.function == "tag")
    prompt = graph.prompt_of(ping.id)
    assert prompt is not None and [m.static_text() for m in prompt.messages] == ["ping"]
    assert "localhost" not in _text(graph, tag) and "Label the sentiment" in _text(graph, tag)
    assert triage_site(graph, ping).verdict == Verdict.NARROW


def test_a_local_assigned_twice_is_read_at_each_use(tmp_path: Path) -> None:
    """``template = "a.txt"; prompt = fill(template)`` ... ``template = "b.txt"; prompt = fill(template)``: each call
    sends the text assigned last above it (a first try and its fallback with another template)."""
    _write(
        tmp_path,
        {
            "prompts/short_v2.txt": "Give the mood of the note below in one word.\n!<INPUT 0>!\n",
            "prompts/short_v1.txt": "Name the mood of the note below with a single word.\n!<INPUT 0>!\n",
            "gen.py": """
                from openai import OpenAI

                client = OpenAI()


                def fill(inputs, path):
                    with open("prompts/" + path) as f:
                        text = f.read()
                    for i, x in enumerate(inputs):
                        text = text.replace(f"!<INPUT {i}>!", x)
                    return text


                def ask(prompt):
                    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])


                def mood(note):
                    template = "short_v2.txt"
                    prompt = fill([note], template)
                    first = ask(prompt)
                    if first:
                        return first
                    template = "short_v1.txt"
                    prompt = fill([note], template)
                    return ask(prompt)
            """,
        },
    )
    graph = _graph(tmp_path)
    first, second = sorted((s for s in graph.sites() if s.function == "mood"), key=lambda s: s.loc.line)
    assert "Give the mood" in _text(graph, first) and "Name the mood" not in _text(graph, first)
    assert "Name the mood" in _text(graph, second) and "Give the mood" not in _text(graph, second)
    assert triage_site(graph, second).verdict == Verdict.NARROW


def test_a_chain_fed_by_an_input_map_keeps_its_prompt(tmp_path: Path) -> None:
    """``RunnableMap(inputs) | prompt | model | parser``: the map fills the prompt's slots; the prompt is still what
    the model is sent."""
    _write(
        tmp_path,
        {
            "sql.py": """
                from operator import itemgetter

                from langchain_core.output_parsers import StrOutputParser
                from langchain_core.prompts import ChatPromptTemplate
                from langchain_core.runnables import RunnableMap
                from langchain_openai import ChatOpenAI


                def to_sql(question, schema):
                    template = "Given the tables below, write one SQL query for the question.\\n{schema}\\nQ: {question}"
                    prompt = ChatPromptTemplate.from_template(template)
                    model = ChatOpenAI(model="m", temperature=0)
                    inputs = {"schema": lambda _: schema, "question": itemgetter("question")}
                    chain = RunnableMap(inputs) | prompt | model.bind(stop=["\\nResult:"]) | StrOutputParser()
                    return chain.invoke({"question": question})
            """,
        },
    )
    graph = _graph(tmp_path)
    site = next(s for s in graph.sites() if s.function == "to_sql")
    assert "write one SQL query for the question" in _text(graph, site)
    assert triage_site(graph, site).verdict == Verdict.NARROW


def test_a_prompt_object_set_in_init_and_formatted_again_in_a_method(tmp_path: Path) -> None:
    """``self.prompt = Prompt("... {goal} ... {items}").format(goal=goal)`` in ``__init__``, then
    ``self.prompt.format(items=items)`` in the method that sends it: the text with both slots filled."""
    _write(
        tmp_path,
        {
            "order.py": """
                from openai import OpenAI

                client = OpenAI()


                class Prompt(str):
                    pass


                class Agent:
                    def step(self, text):
                        r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])
                        return r.choices[0].message.content


                class SortAgent(Agent):
                    def __init__(self, goal):
                        template = Prompt("Sort these items by how much they help {goal}: {items}. One item per line.")
                        self.sort_prompt = template.format(goal=goal)

                    def run(self, items):
                        prompt = self.sort_prompt.format(items=items)
                        return self.step(prompt)


                class ChatAgent(Agent):
                    def run(self, line):
                        return self.step(f"Chat with the user about: {line}")
            """,
        },
    )
    graph = _graph(tmp_path)
    site = next(s for s in graph.sites() if s.function == "SortAgent.run")
    text = _text(graph, site)
    assert "Sort these items by how much they help" in text and "One item per line." in text, text


def test_a_wrapper_converting_the_callers_message_list_adds_no_conversation(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "llm.py": """
                from langchain_community.adapters.openai import convert_openai_messages
                from langchain_openai import ChatOpenAI


                async def ask_model(prompt, model):
                    converted = convert_openai_messages(prompt)
                    answer = await ChatOpenAI(model=model).ainvoke(converted)
                    return answer.content
            """,
            "editor.py": """
                from llm import ask_model


                async def retitle(headers, rules):
                    prompt = [
                        {"role": "system", "content": "You rename section headers and keep the JSON keys."},
                        {"role": "user", "content": f"Rename these headers by the rules. Rules: {rules} Headers: {headers}"},
                    ]
                    return await ask_model(prompt, "gpt-4o-mini")
            """,
        },
    )
    graph = _graph(tmp_path)
    site = _site(graph, "editor.py", 10)
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    holes = [p.text for m in prompt.messages if len(m.parts) == 1 for p in m.parts if p.hole]
    assert "converted" not in holes  # the converted list is the caller's two messages, not a history
    assert "rename section headers" in _text(graph, site)
    assert not any("conversation history" in r for r in triage_site(graph, site).reasons)
