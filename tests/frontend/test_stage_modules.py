"""A model API that builds the whole request (``request = {"model": ..., "messages": ...}``) and hands it to a
streaming stage kept in a module of its own, which only that API calls: the stage is folded into the request it holds,
not a second wrapper, and the hand-over is no wrapper-call."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree


def test_stage_in_its_own_module_called_by_one_api_is_folded(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "chat/stages.py": """
                import litellm


                def stream_text(model, request):
                    for chunk in litellm.completion(stream=True, **request):
                        yield chunk.choices[0].delta.content or ""
            """,
            "chat/api.py": """
                from .stages import stream_text


                class Model:
                    def complete(self, messages):
                        request = {"model": "gpt-4o-mini", "messages": messages}
                        request["temperature"] = 0.2
                        return "".join(stream_text(self, request))
            """,
            "chat/use.py": """
                from .api import Model


                def main():
                    print(Model().complete([{"role": "user", "content": "Say hi in French."}]))
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "chat/api.py", 6).site == SiteKind.WRAPPER
    assert site_at(graph, "chat/use.py", 6).site == SiteKind.WRAPPER_CALL
    assert site_at(graph, "chat/stages.py", 6).site == SiteKind.REQUEST
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("chat/stages.py", 5) not in found
    assert ("chat/api.py", 9) not in found
