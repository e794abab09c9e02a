"""Two things a small tool-calling script or a search over task objects shows the triage:

* ``json.loads(tool_call["function"]["arguments"])`` parses the arguments of a tool the model called, not the answer's
  text, so it is no evidence of a closed answer (an agent loop over a run-time tool list reads open-ended);
* ``task.value_prompt_wrap(x, y)`` on an untyped object: the one method of that name in the tree builds the prompt;
"""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind, Verdict
from slmc.passes.triage import triage_site

from .test_setting_args import _MAIN, _TASKS  # the same puzzle task objects and script
from .trees import analysed_graph, carried_text, site_at, write_tree

_LOOP = """
    import json

    import litellm


    def run_agent(question, tools, execute):
        system = "You have access to the following functions. Think step by step, call them as needed."
        context = [{"role": "system", "content": system}, {"role": "user", "content": question}]
        for _ in range(5):
            reply = litellm.completion(model="gpt-4o", messages=context, tools=tools, tool_choice="auto")
            message = reply["choices"][0]["message"]
            context.append(message)
            calls = message.get("tool_calls") or []
            if not calls:
                return message["content"]
            for call in calls:
                args = json.loads(call["function"]["arguments"])
                context.append({"role": "tool", "tool_call_id": call["id"], "content": str(execute(call, args))})
        return None


    def pick_color(text):
        reply = litellm.completion(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Name the color in this text as JSON {\\"color\\": ...}: " + text}],
        )
        return json.loads(reply["choices"][0]["message"]["content"])
"""


def test_tool_call_arguments_are_no_answer_parse(tmp_path: Path) -> None:
    write_tree(tmp_path, {"loop.py": _LOOP})
    graph = analysed_graph(tmp_path)
    step = site_at(graph, "loop.py", 11)
    assert "json.loads" not in step.consumers
    assert triage_site(graph, step).verdict == Verdict.OPEN_ENDED
    assert "json.loads" in site_at(graph, "loop.py", 24).consumers  # the answer itself parsed: still counted


_SEARCH = """
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt, n=1, stop=None):
        msgs = [{"role": "user", "content": prompt}]
        return client.chat.completions.create(model="gpt-4o", messages=msgs, n=n, stop=stop)


    def score(task, x, y, n_samples, stop):
        return ask(task.score_prompt_wrap(x, y), n=n_samples, stop=stop)


    def search(task, x, width, stop):
        return [score(task, x, str(i), width, stop) for i in range(width)]
"""


def test_duck_typed_prompt_builder_gives_the_prompt(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/tasks.py": _TASKS, "app/search.py": _SEARCH, "app/main.py": _MAIN})
    graph = analysed_graph(tmp_path)
    call = site_at(graph, "app/search.py", 13)
    assert call.site == SiteKind.WRAPPER_CALL
    assert "sure, likely or impossible" in carried_text(graph, call)
