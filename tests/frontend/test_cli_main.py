"""A command-line entry ``main(argv)`` that parses its argument list with argparse and sends one option to a
model wrapper is no calling API itself: the options of a command line are no prompt a caller hands in, so other
code calling ``main()`` makes no wrapper-call. The wrapper-call inside ``main`` stays."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree


def test_main_parsing_argv_is_no_wrapper(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "tool/llm.py": """
                import litellm


                def ask(question):
                    msgs = [{"role": "user", "content": question}]
                    return litellm.completion(model="gpt-4o-mini", messages=msgs)
            """,
            "tool/cli.py": """
                import argparse

                from tool.llm import ask


                def main(argv=None):
                    parser = argparse.ArgumentParser()
                    parser.add_argument("--question", default="Which planet is largest? Answer in one word.")
                    args = parser.parse_args(argv)
                    print(ask(args.question))
            """,
            "tool/app.py": """
                from tool.cli import main


                def launch():
                    main(["--question", "Which ocean is deepest?"])
            """,
            "tool/__main__.py": """
                from tool.cli import main

                main()
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "tool/llm.py", 5).site == SiteKind.WRAPPER
    assert site_at(graph, "tool/cli.py", 11).site == SiteKind.WRAPPER_CALL
    found = {(s.loc.path, s.loc.line) for s in graph.sites()}
    assert ("tool/cli.py", 7) not in found
    assert ("tool/app.py", 6) not in found
    assert ("tool/__main__.py", 4) not in found
