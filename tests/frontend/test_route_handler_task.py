"""A web route handler whose parameters are request fields (``question: str = Body(...)`` from FastAPI), which another
route calls directly with the fields of its own request: the handler serves that request (its task), so it is no
wrapper and the other route's call of it no wrapper-call; the model request inside it stays a request. The same
function with plain parameters forwards its caller's question to the model, so it is a wrapper and the call a
wrapper-call; a default that only looks like a field marker (``pathlib.Path(".")``) changes nothing."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import analysed_graph, write_tree

ROUTES = """
    import openai
    from fastapi import Body

    client = openai.OpenAI()


    async def answer(
        question: str = Body(..., description="what the user asked"),
        history: list = Body([], description="earlier turns"),
    ):
        turns = history + [{"role": "user", "content": question}]
        out = client.chat.completions.create(model="m", messages=turns)
        return out.choices[0].message.content


    async def answer_v1(payload: dict):
        return await answer(question=payload["messages"][-1], history=payload["messages"][:-1])
"""


def _lines(graph, kind: str) -> set[int]:
    return {s.loc.line for s in graph.sites() if str(s.site) == kind}


def test_route_handler_called_by_another_route_is_no_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"server/routes.py": ROUTES})
    graph = analysed_graph(tmp_path)
    assert 8 not in _lines(graph, "wrapper")  # answer: a route handler
    assert 18 not in _lines(graph, "wrapper-call")  # answer_v1 -> answer(...)
    assert 13 in _lines(graph, "request")  # the request inside the handler stays


def test_plain_parameters_forward_the_question(tmp_path: Path) -> None:
    tree = ROUTES.replace('Body(..., description="what the user asked")', '""').replace(
        'Body([], description="earlier turns")', "()"
    )
    write_tree(tmp_path, {"server/routes.py": tree})
    graph = analysed_graph(tmp_path)
    assert 8 in _lines(graph, "wrapper")
    assert 18 in _lines(graph, "wrapper-call")


def test_a_path_default_is_no_request_field(tmp_path: Path) -> None:
    tree = ROUTES.replace("from fastapi import Body", "from pathlib import Path").replace(
        'history: list = Body([], description="earlier turns")', 'where: Path = Path("."), history: list = ()'
    )
    tree = tree.replace('Body(..., description="what the user asked")', '""')
    write_tree(tmp_path, {"server/routes.py": tree})
    graph = analysed_graph(tmp_path)
    assert 8 in _lines(graph, "wrapper")
    assert 18 in _lines(graph, "wrapper-call")
