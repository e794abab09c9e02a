"""A module task function that writes its own instruction around the text it is handed and runs a local seq2seq model
on it, with the decoding settings taken from its parameters (``generate(ids, num_beams=n, num_return_sequences=n)``):
the settings carry no prompt, so the function writes its prompt rather than forwarding one: no wrapper, and its
callers' calls are no wrapper-calls (bench/corpus/README.md: task methods are no wrappers). A helper that hands the
prompt its caller wrote to the same engine, with the same settings, stays a wrapper."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import line_of, sites_in, write_tree

SOURCE = """
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    TOKENIZER = AutoTokenizer.from_pretrained("small-seq2seq")
    MODEL = AutoModelForSeq2SeqLM.from_pretrained("small-seq2seq")


    def quiz_items(passage, k=4):
        text = f"List questions a student could answer from this passage: {passage}"
        enc = TOKENIZER(text, return_tensors="pt", truncation=True)
        outs = MODEL.generate(enc.input_ids, max_length=48, num_beams=k, num_return_sequences=k, do_sample=False)
        return [TOKENIZER.decode(o, skip_special_tokens=True) for o in outs]


    def run_model(prompt, k=1):
        enc = TOKENIZER(prompt, return_tensors="pt")
        outs = MODEL.generate(enc.input_ids, max_length=48, num_beams=k, num_return_sequences=k)
        return TOKENIZER.decode(outs[0], skip_special_tokens=True)


    def build(passages):
        items = [quiz_items(p, 3) for p in passages]
        titles = [run_model("Give a three-word title for: " + p) for p in passages]
        return items, titles
"""


def test_decoding_settings_from_parameters_carry_no_prompt(tmp_path: Path) -> None:
    write_tree(tmp_path, {"quiz.py": SOURCE})
    found = sites_in(tmp_path, "quiz.py")
    assert (line_of(SOURCE, "def quiz_items("), str(SiteKind.WRAPPER)) not in found
    assert (line_of(SOURCE, "items = [quiz_items("), str(SiteKind.WRAPPER_CALL)) not in found
    assert (
        line_of(SOURCE, "outs = MODEL.generate(enc.input_ids, max_length=48, num_beams=k, num_return"),
        str(SiteKind.REQUEST),
    ) in found
    assert (line_of(SOURCE, "def run_model("), str(SiteKind.WRAPPER)) in found
    assert (line_of(SOURCE, "titles = [run_model("), str(SiteKind.WRAPPER_CALL)) in found
