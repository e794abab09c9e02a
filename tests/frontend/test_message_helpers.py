"""Message-list helpers between a calling API and its request: a builder that assembles the list with ``.append``
and a converter that reshapes a (copied) list item by item keep the caller's prompt, so the function that hands its
prompt through them is a calling API even when only its own module's task functions call it."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree

_TREE = {
    "bot/__init__.py": "",
    "bot/backend.py": """
        from copy import deepcopy

        from openai import OpenAI

        _pool = {}


        def to_wire(raw_messages, model_name):
            wire = []
            for item in reversed(deepcopy(raw_messages)):
                wire.insert(0, {"role": item["role"], "content": item["content"]})
            return wire


        def chat_once(messages, model_name, key=None):
            client = _pool.get(key) or OpenAI(api_key=key)
            wire = to_wire(messages, model_name)
            out = client.chat.completions.create(model=model_name, messages=wire)
            return out.choices[0].message.content
    """,
    "bot/jobs.py": """
        import json

        from bot.backend import chat_once


        def assemble(user_text, system_text="", earlier=None):
            msgs = []
            if system_text:
                msgs.append({"role": "system", "content": system_text})
            msgs.extend(earlier or [])
            msgs.append({"role": "user", "content": user_text})
            return msgs


        def run_blocking(text, system_text="", account=None):
            model = "small-model" if account is None else account.model
            return chat_once(messages=assemble(user_text=text, system_text=system_text), model_name=model)


        def cron_for(request):
            ask = f"Turn this scheduling request into a cron expression. Reply with the expression only.\\n{request}"
            return run_blocking(ask)


        def worth_mailing(question, answer):
            ask = (
                "Does the answer below fully address the question? Reply in JSON with a yes/no "
                f"field named verdict.\\nQuestion: {question}\\nAnswer: {answer}"
            )
            return json.loads(run_blocking(ask))["verdict"] == "yes"


        def main(request, answer):
            return cron_for(request), worth_mailing(request, answer)
    """,
}


def test_builder_and_converter_keep_the_callers_prompt(tmp_path: Path) -> None:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    wrappers = {(s.loc.path, s.loc.line) for s in graph.sites(SiteKind.WRAPPER)}
    assert ("bot/jobs.py", 16) in wrappers  # run_blocking: only this module's tasks call it, each with its own prompt
    assert ("bot/backend.py", 16) in wrappers  # chat_once
    for line, words in ((23, "cron expression"), (31, "verdict")):
        site = site_at(graph, "bot/jobs.py", line)
        assert str(site.site) == "wrapper-call"
        prompt = graph.prompt_of(site.id)
        assert prompt is not None and words in " ".join(m.template() for m in prompt.messages)


def test_text_grown_with_plus_equals_is_authored_not_kept(tmp_path: Path) -> None:
    # a renderer that writes its own lines around the data it is given: the function calling it writes a task prompt
    tree = dict(_TREE)
    tree["bot/report.py"] = """
        from bot.jobs import run_blocking


        def render(notes, weather):
            body = ""
            for key, value in weather.items():
                body += f"{key}: {value}\\n"
            body += notes
            return body


        def review(notes, weather):
            return run_blocking(render(notes, weather))
    """
    tree["bot/cli.py"] = """
        from bot.report import review


        def nightly(notes):
            return review(notes, {"wind": "calm"})
    """
    write_tree(tmp_path, tree)
    graph = analysed_graph(tmp_path)
    wrappers = {(s.loc.path, s.loc.line) for s in graph.sites(SiteKind.WRAPPER)}
    assert ("bot/report.py", 13) not in wrappers  # review authors its prompt (through render)
    assert str(site_at(graph, "bot/report.py", 14).site) == "wrapper-call"
