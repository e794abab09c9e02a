"""A function that only the implementation of a calling API calls and that calls that API back (``talk`` shows a
conversation by running ``screen_loop``, which reads the user's lines and calls ``talk(..., show=False)`` for each)
is a layer the API runs its own calls through, not a calling API: its call back into the API is the site, the call
into it is none. A helper that other code calls, and that forwards into the API, stays a wrapper."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree


def test_display_loop_reentering_its_api_is_no_wrapper(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "bot/core.py": """
                import litellm

                from .screen import screen_loop


                class Bot:
                    def __init__(self):
                        self.history = []

                    def talk(self, text, show=True):
                        if show:
                            return screen_loop(self, text)
                        self.history.append(text)
                        reply = litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
                        return reply.choices[0].message.content
            """,
            "bot/screen.py": """
                def screen_loop(bot, text):
                    while True:
                        if not text:
                            text = input("> ")
                        print(bot.talk(text, show=False))
                        text = None
            """,
            "bot/relay.py": """
                def relay(bot, question):
                    text = question.strip()
                    return bot.talk(text, show=False)
            """,
            "bot/cli.py": """
                from .core import Bot
                from .relay import relay


                def main():
                    bot = Bot()
                    bot.talk(input("first line: "))
                    print(relay(bot, input("question: ")))
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "bot/core.py", 11).site == SiteKind.WRAPPER  # talk: the calling API
    assert site_at(graph, "bot/screen.py", 6).site == SiteKind.WRAPPER_CALL  # the loop's call back into it
    assert site_at(graph, "bot/cli.py", 8).site == SiteKind.WRAPPER_CALL
    assert site_at(graph, "bot/relay.py", 2).site == SiteKind.WRAPPER  # other code calls it: an API
    assert site_at(graph, "bot/cli.py", 9).site == SiteKind.WRAPPER_CALL
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("bot/screen.py", 2) not in found  # screen_loop: a layer of talk, no wrapper
    assert ("bot/core.py", 13) not in found  # talk's call into its own display loop is no site
