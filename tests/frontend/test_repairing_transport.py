"""A module function posting the request its caller built to a model endpoint is that caller's transport, folded into
the request it holds. When it also re-sends the answer under an instruction of its own (a JSON-fixing round), it does
more than carry what it is handed: it is the callers' calling API, and their call of it a wrapper-call."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, line_of, write_tree

_CALLER = """
    import json

    from .post import send_plan


    def plan_trip(endpoint, city):
        body = json.dumps({"model": "m-large", "messages": [{"role": "user", "content": "Plan a day in " + city}]})
        return send_plan(endpoint, body)


    def main():
        print(plan_trip("https://api.example.org/v1/chat/completions", "Lyon"))
"""

_FIXING = """
    import json

    import requests


    def send_plan(endpoint, body):
        answer = requests.post(endpoint, data=body).json()["choices"][0]["message"]["content"]
        try:
            return json.loads(answer)
        except ValueError:
            retry = json.loads(body)
            fix = "Rewrite the text below as strict JSON. Keep every key and value, add nothing: " + answer
            retry["messages"][0]["content"] = fix
            retry = json.dumps(retry)
            fixed = requests.post(endpoint, data=retry).json()
            return json.loads(fixed["choices"][0]["message"]["content"])
"""

_PLAIN = """
    import requests


    def send_plan(endpoint, body):
        answer = requests.post(endpoint, data=body).json()
        return answer["choices"][0]["message"]["content"]
"""


def _kinds(tmp_path: Path, post: str) -> dict[tuple[str, int], str]:
    write_tree(tmp_path, {"trip/plan.py": _CALLER, "trip/post.py": post})
    return {(s.loc.path, s.loc.line): str(s.site) for s in analysed_graph(tmp_path).sites()}


def test_poster_with_a_repair_round_of_its_own_is_a_wrapper(tmp_path: Path) -> None:
    found = _kinds(tmp_path, _FIXING)
    assert found[("trip/post.py", line_of(_FIXING, "def send_plan"))] == SiteKind.WRAPPER
    assert found[("trip/plan.py", line_of(_CALLER, "return send_plan("))] == SiteKind.WRAPPER_CALL
    assert found[("trip/post.py", line_of(_FIXING, "fixed = requests.post("))] == SiteKind.REQUEST


def test_plain_poster_stays_the_callers_transport(tmp_path: Path) -> None:
    found = _kinds(tmp_path, _PLAIN)
    assert ("trip/post.py", line_of(_PLAIN, "def send_plan")) not in found
    assert ("trip/plan.py", line_of(_CALLER, "return send_plan(")) not in found
    assert found[("trip/post.py", line_of(_PLAIN, "answer = requests.post("))] == SiteKind.REQUEST
