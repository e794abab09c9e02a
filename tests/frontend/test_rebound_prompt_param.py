"""A task function whose prompt parameter is bound anew to the message list a builder writes around it
(``question = build_messages(question, passage)``) before it calls the project's callable completer with that list
and the model its caller names (``completer(model=model, messages=question)``): the caller's text is data of the
prompt the function writes, and the model name is a setting, so nothing is forwarded. A data-generation script calling
it through a helper and a nested closure (``def answer_one(passage, question): return answer(...)`` inside the
stage function) therefore has no wrapper: neither the helper nor the closure is one and their calls are no
wrapper-calls (bench/corpus/README.md: task functions are no wrappers). The completer's call in the task function is
the prompt site. A function that sends its parameter as it is (``messages=messages``) stays a wrapper."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import line_of, sites_in, write_tree

COMPLETER = """
    import openai


    class Completer:
        def __init__(self, client):
            self.create = client.chat.completions.create
            self.calls = 0

        def __call__(self, *args, **kwargs):
            self.calls += 1
            return self.create(*args, **kwargs)


    def relay(completer, messages, model):
        return completer(model=model, messages=messages).choices[0].message.content


    def make_completer():
        return Completer(openai.OpenAI())
"""

GENERATE = """
    from completer import Completer, make_completer, relay

    TEMPLATE = "Answer the question using only the passage, reasoning step by step.\\\\nPassage: {p}\\\\nQuestion: {q}"


    def build_messages(question, passage):
        return [
            {"role": "system", "content": "You answer questions about a passage."},
            {"role": "user", "content": TEMPLATE.format(p=passage, q=question)},
        ]


    def build_plain(question, passage):
        messages = []
        messages.append({"role": "system", "content": "You answer questions about a passage."})
        messages.append({"role": "user", "content": TEMPLATE.format(p=passage, q=question)})
        return messages


    def answer(completer: Completer, question, passage, kind="plain", model=None):
        question = build_plain(question, passage) if kind == "plain" else build_messages(question, passage)
        reply = completer(model=model, messages=question, temperature=0)
        return reply.choices[0].message.content


    def make_record(completer: Completer, passage, question, model=None):
        record = {"passage": passage, "question": question}
        record["answer"] = answer(completer, question, passage, model=model)
        return record


    def run_stage(passages, questions, model):
        completer = make_completer()

        def answer_all(items, *args, **kwargs):
            def answer_one(passage, question):
                return make_record(passage=passage, question=question, *args, **kwargs)

            return [answer_one(p, q) for p, q in items]

        return answer_all(zip(passages, questions), completer=completer, model=model)


    def chat_turn(history, model):
        return relay(make_completer(), history, model)
"""


def test_prompt_param_bound_anew_by_a_builder_is_not_forwarded(tmp_path: Path) -> None:
    write_tree(tmp_path, {"completer.py": COMPLETER, "generate.py": GENERATE})
    found = sites_in(tmp_path, "generate.py")
    wrapper, call = str(SiteKind.WRAPPER), str(SiteKind.WRAPPER_CALL)
    assert (line_of(GENERATE, "reply = completer(model=model"), call) in found
    for sig in ("def answer(", "def make_record(", "def answer_all(", "def answer_one("):
        assert (line_of(GENERATE, sig), wrapper) not in found, (sig, sorted(found))
    for text in ('record["answer"] = answer(', "return make_record(", "return [answer_one(", "return answer_all("):
        assert (line_of(GENERATE, text), call) not in found, (text, sorted(found))
    assert (line_of(GENERATE, "return relay("), call) in found
