"""A request whose keyword arguments are a dict built first and then completed entry by entry
(``params["messages"] = messages`` before ``client.create(**params)``): the parameter written into the dict reaches
the request, so the function forwards its caller's prompt and its callers' calls are wrapper-calls."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree


def test_parameter_written_into_the_splatted_dict_is_forwarded(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "bot/llm.py": """
                import litellm


                class Backend:
                    def __init__(self, name):
                        self.name = name

                    def call(self, history, heat=None):
                        params = dict(model=self.name)
                        if heat is not None:
                            params["temperature"] = heat
                        params["messages"] = history
                        return litellm.completion(**params)

                    def once(self, history):
                        options = {"stream": False, "messages": history}
                        reply = self.call(**options)
                        return reply.choices[0].message.content
            """,
            "bot/use.py": """
                from bot.llm import Backend


                def title(text):
                    b = Backend("gpt-4o-mini")
                    return b.once([{"role": "user", "content": "Write a five-word title for: " + text}])


                def chat(turns):
                    return Backend("gpt-4o").call(turns, heat=0.7)
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "bot/llm.py", 9).site == SiteKind.WRAPPER
    assert site_at(graph, "bot/llm.py", 16).site == SiteKind.WRAPPER
    assert site_at(graph, "bot/use.py", 7).site == SiteKind.WRAPPER_CALL
    assert site_at(graph, "bot/use.py", 11).site == SiteKind.WRAPPER_CALL
