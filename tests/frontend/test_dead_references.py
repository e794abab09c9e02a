"""Names that occur only where code never runs are no use: a call placed after an unconditional ``return`` in the
same block, a call inside a function nothing live calls (a method reached only from there is dead too), and a
mention in a log message's prose. A function named as a bare string (a dispatch key) or called from live code keeps
its sites."""

from __future__ import annotations

from pathlib import Path

from .trees import analysed_graph, write_tree

_PIPELINE = """
    from openai import OpenAI

    client = OpenAI()


    def ask(text):
        out = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
        return out.choices[0].message.content


    def deep_search(query):
        return ask("List three search queries for: " + query)


    def wide_search(query):
        return ask("Name the field of: " + query)


    def gather(query):
        hits = [query]
        return hits  # the deep pass is switched off for now
        hits.append(deep_search(query))
        return hits


    def survey(query):
        return wide_search(query)
"""

_REVIEW = """
    import logging

    from .pipeline import ask

    log = logging.getLogger(__name__)


    class Reviewer:
        def summarize(self, diff):
            return ask("Summarize this diff in one line: " + diff)

        def rank_issues(self, issues):
            try:
                return ask("Rank these issues by severity: " + issues)
            except ValueError as exc:
                log.error(f"rank_issues failed: {exc}")
                return issues

        def lookup(self, name):
            return getattr(self, name)


    def _detailed_checks(issues):
        return Reviewer().rank_issues(issues)


    def dispatch(kind, diff):
        return Reviewer().lookup("summarize")(diff)
"""

_APP = """
    from .pipeline import gather, survey
    from .review import dispatch


    def main(query):
        print(gather(query), survey(query), dispatch("s", query))
"""


def _found(tmp_path: Path) -> set[tuple[str, int]]:
    write_tree(
        tmp_path,
        {"tool/__init__.py": "", "tool/pipeline.py": _PIPELINE, "tool/review.py": _REVIEW, "tool/app.py": _APP},
    )
    return {(s.loc.path, s.loc.line) for s in analysed_graph(tmp_path).sites()}


def test_call_after_return_and_its_callees_are_dead(tmp_path: Path) -> None:
    found = _found(tmp_path)
    assert ("tool/pipeline.py", 13) not in found  # deep_search's call: reached only after ``return hits``
    assert ("tool/pipeline.py", 17) in found  # wide_search: survey calls it from live code
    assert ("tool/pipeline.py", 8) in found  # the request itself


def test_method_called_only_from_a_dead_function_is_dead(tmp_path: Path) -> None:
    found = _found(tmp_path)
    # rank_issues: called only by _detailed_checks, a private helper nothing calls; its name in a log message is no call
    assert ("tool/review.py", 15) not in found
    # summarize: named only as a bare string handed to getattr (a dispatch key): kept
    assert ("tool/review.py", 11) in found


def test_public_function_nothing_names_keeps_what_it_calls(tmp_path: Path) -> None:
    """A public module function no code names may be an entry point (a console script in pyproject.toml names it):
    the public method only it calls is not dead for that alone."""
    review = _REVIEW.replace("def _detailed_checks(", "def run_checks(")
    write_tree(
        tmp_path,
        {"tool/__init__.py": "", "tool/pipeline.py": _PIPELINE, "tool/review.py": review, "tool/app.py": _APP},
    )
    found = {(s.loc.path, s.loc.line) for s in analysed_graph(tmp_path).sites()}
    assert "def run_checks" in review
    assert ("tool/review.py", 15) in found  # rank_issues: reached from run_checks, which nothing in the tree names
