"""A method call on an object of unknown type is resolved to the tree's one method of that name; a class that only a
test defines (a stand-in with its own mocked model call) is no object the running code is ever handed, so the
application's call is not a call of it. The same call resolves when the application itself defines the method."""

from __future__ import annotations

from pathlib import Path

from frontend.trees import line_of, sites_in, write_tree

APP = """
    def tidy(record):
        return record.ask_model_with(f"Rewrite this note in plain words: {record.text}")
"""

TEST_STANDIN = """
    import openai


    class FakeRecord:
        def __init__(self, text):
            self.text = text
            self.client = openai.OpenAI()

        def ask_model_with(self, prompt):
            out = self.client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
            return out.choices[0].message.content


    def test_tidy():
        from app.records import tidy

        assert tidy(FakeRecord("x")) is not None
"""

APP_MODEL = """
    import openai


    class Record:
        def __init__(self, text):
            self.text = text
            self.client = openai.OpenAI()

        def ask_model_with(self, prompt):
            out = self.client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
            return out.choices[0].message.content
"""


def test_untyped_call_does_not_reach_a_class_only_a_test_defines(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/records.py": APP, "tests/test_records.py": TEST_STANDIN})
    assert not sites_in(tmp_path, "app/records.py")


def test_untyped_call_reaches_the_applications_own_method(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/records.py": APP, "app/model.py": APP_MODEL, "tests/test_records.py": TEST_STANDIN})
    assert (line_of(APP, "ask_model_with"), "wrapper-call") in sites_in(tmp_path, "app/records.py")
