"""A module helper that runs a local model on the prompt its caller hands it (a chat CLI's ``reply(prompt, model,
tok, device)``): the prompt tokenized (``tok([prompt]).input_ids`` or ``enc = tok(prompt)`` read as
``enc["input_ids"]``), turned into a tensor (``torch.as_tensor(ids).to(device)``) and handed to ``generate``. The helper forwards its caller's prompt: a wrapper (CALLSITES.md: local
engines count; a function other code uses to reach the model), and the chat loop's call of it is a wrapper-call. The
look-alike: a helper that writes its own instruction around the text it is handed is a task function, no wrapper."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import line_of, sites_in, write_tree

ENGINE = """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer


    def load(path):
        return AutoModelForCausalLM.from_pretrained(path), AutoTokenizer.from_pretrained(path)


    def reply(prompt, model, tok, device):
        ids = tok([prompt]).input_ids
        out = model.generate(torch.as_tensor(ids).to(device), max_new_tokens=128)
        return tok.decode(out[0][len(ids[0]):])


    def encoded_reply(prompt, model, tok):
        enc = tok(prompt, return_tensors="pt")
        out = model.generate(enc["input_ids"], max_new_tokens=64)
        return tok.decode(out[0])


    def headline(text, model, tok):
        enc = tok("Write a short headline for this article: " + text, return_tensors="pt")
        out = model.generate(enc.input_ids, max_new_tokens=16)
        return tok.decode(out[0])
"""

LOOP = """
    from engine import encoded_reply, load, reply


    def chat(path, device):
        model, tok = load(path)
        while True:
            said = input("you: ")
            turn = "### USER: " + said + " ### ASSISTANT:"
            print(reply(turn, model, tok, device))
            print(encoded_reply(turn, model, tok))
"""


def test_helper_handing_the_encoded_prompt_to_a_local_engine_is_a_wrapper(tmp_path: Path) -> None:
    write_tree(tmp_path, {"engine.py": ENGINE, "loop.py": LOOP})
    engine = sites_in(tmp_path, "engine.py")
    wrapper = str(SiteKind.WRAPPER)
    for sig in ("def reply(", "def encoded_reply("):
        assert (line_of(ENGINE, sig), wrapper) in engine, (sig, sorted(engine))
    assert (line_of(ENGINE, "def headline("), wrapper) not in engine
    loop = sites_in(tmp_path, "loop.py")
    call = str(SiteKind.WRAPPER_CALL)
    for text in ("print(reply(", "print(encoded_reply("):
        assert (line_of(LOOP, text), call) in loop, (text, sorted(loop))
