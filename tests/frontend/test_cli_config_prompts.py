"""Prompts kept in a YAML config whose path is a command-line option's default (``parser.add_argument("--config",
default="configs/main.yaml")``, ``config = yaml.load(open(args.config))``), read into module constants; a stage
function fills a ``{{slot}}`` template from it with a helper that replaces slots in the text it is handed and returns
it, builds the message list around a few-shot list loaded at run time (``messages.insert(0, system)``,
``messages.append(user)``) and hands a whole request payload (``model`` + ``messages``) to a transport. The
wrapper-call's prompt is what that payload's ``messages`` hold: the config's system text, then the loaded list, then
the filled template."""

from __future__ import annotations

import json
from pathlib import Path

from frontend.trees import analysed_graph, site_at, write_tree

CONFIG = """
    prompt:
      sort: "Sort the ticket {{ticket}} into one of billing, bugs or other. Reply with the category only."
    system:
      sort: "Stage 1: ticket sorting for the support desk."
"""

DESK = """
    import argparse
    import json
    import requests  # an openai-compatible server
    import yaml

    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=str, default="configs/main.yaml")
    parser.add_argument("--mode", type=str, default="cli")
    args = parser.parse_args()
    config = yaml.load(open(args.config, "r"), Loader=yaml.FullLoader)
    SORT_PROMPT = config["prompt"]["sort"]
    SORT_SYSTEM = config["system"]["sort"]
    SHOTS = open("shots.json").read()


    def fill(text, slots):
        for key, value in slots.items():
            text = text.replace("{{" + key + "}}", str(value))
        return text


    def send(data):
        url = data.pop("api_endpoint")
        return requests.post(url, json=data).json()["choices"][0]["message"]["content"]


    def sort_ticket(ticket, api_endpoint):
        messages = json.loads(SHOTS)
        messages.insert(0, {"role": "system", "content": SORT_SYSTEM})
        messages.append({"role": "user", "content": fill(SORT_PROMPT, {"ticket": ticket})})
        data = {"model": "desk-model", "messages": messages, "temperature": 0, "api_endpoint": api_endpoint}
        return send(data)


    def chat(messages, api_endpoint):
        return send({"model": "desk-model", "messages": messages, "api_endpoint": api_endpoint})


    def main():
        print(sort_ticket(input(), "http://localhost:9000/v1/chat/completions"))
        print(chat([{"role": "user", "content": input()}], "http://localhost:9000/v1/chat/completions"))
"""


def _tree(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"desk/configs/main.yaml": CONFIG, "desk/app.py": DESK},
    )
    (tmp_path / "desk" / "shots.json").write_text(json.dumps([{"role": "user", "content": "x"}]), encoding="utf-8")


def test_stage_prompt_from_the_default_config(tmp_path: Path) -> None:
    _tree(tmp_path)
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "desk/app.py", 33)  # send(data) in sort_ticket
    prompt = graph.prompt_of(site.id)
    assert prompt is not None
    roles = [m.role for m in prompt.messages]
    texts = [m.static_text() for m in prompt.messages]
    assert roles[0] == "system" and "ticket sorting" in texts[0]
    assert roles[-1] == "user" and "Reply with the category only." in texts[-1]
    assert "{{ticket}}" not in texts[-1]  # the slot is a hole, filled by the caller's data


def test_no_default_no_config_text(tmp_path: Path) -> None:
    _tree(tmp_path)
    app = tmp_path / "desk" / "app.py"
    app.write_text(app.read_text().replace('default="configs/main.yaml"', "required=True"), encoding="utf-8")
    graph = analysed_graph(tmp_path)
    site = site_at(graph, "desk/app.py", 33)
    prompt = graph.prompt_of(site.id)
    texts = " ".join(m.static_text() for m in prompt.messages) if prompt is not None else ""
    assert "ticket sorting" not in texts
