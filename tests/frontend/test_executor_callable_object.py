"""An object whose ``__call__`` reaches a model handed to an executor (``pool.submit(grader, text)``) or a thread
(``Thread(target=grader, args=...)``): the executor calls the object, so the submit is a call of its ``__call__``."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, write_tree


def test_object_with_call_handed_to_an_executor_is_called(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "grade/__init__.py": "",
            "grade/grader.py": """
                import openai


                class Grader:
                    def __init__(self):
                        self.client = openai.OpenAI()

                    def __call__(self, essay):
                        out = self.client.chat.completions.create(
                            model="grader",
                            messages=[{"role": "user", "content": "Grade A-F, one letter only:\\n" + essay}],
                        )
                        return out.choices[0].message.content


                grader = Grader()
            """,
            "grade/batch.py": """
                from concurrent.futures import ThreadPoolExecutor

                from grade.grader import grader


                def grade_all(essays):
                    with ThreadPoolExecutor(max_workers=4) as pool:
                        futures = [pool.submit(grader, e) for e in essays]
                    return [f.result() for f in futures]


                def grade_one(essay):
                    return grader(essay)
            """,
        },
    )
    found = {(s.loc.path, s.loc.line, str(s.site)) for s in analysed_graph(tmp_path).sites()}
    assert ("grade/batch.py", 9, str(SiteKind.WRAPPER_CALL)) in found, found
    assert ("grade/batch.py", 14, str(SiteKind.WRAPPER_CALL)) in found, found
