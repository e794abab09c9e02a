"""A local engine's ``generate`` is sent what the tokenizer encoded (CALLSITES.md: local engines count, and a
request's prompt is what it sends): ``enc = tokenizer(text, return_tensors="pt").to(device)`` then
``model.generate(**enc)``; the encoding read as ``enc.input_ids`` or ``enc["input_ids"]``; a batch sliced out of a
list of prompts (``batch = texts[i : i + n]`` then ``batch = tokenizer(batch)``), the list built by a comprehension
whose element writes each prompt; ``processor(text=..., images=...)`` of a vision model."""

from __future__ import annotations

from slmc.frontend import analyze_source

_SOURCE = """
from transformers import AutoModelForSeq2SeqLM, AutoProcessor, AutoTokenizer, LlavaForConditionalGeneration


class Compressor:
    def __init__(self, path):
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForSeq2SeqLM.from_pretrained(path)

    def compress(self, pairs, batch_size=4):
        texts = ["Question: {q}\\\\nPassages: {d}\\\\nShort summary:".format(q=q, d=d) for q, d in pairs]
        out = []
        for i in range(0, len(texts), batch_size):
            batch = texts[i : i + batch_size]
            batch = self.tokenizer(batch, return_tensors="pt", padding=True).to("cuda")
            ids = self.model.generate(**batch, max_length=128)
            out += self.tokenizer.batch_decode(ids, skip_special_tokens=True)
        return out

    def route(self, question):
        enc = self.tokenizer("Which tool fits this question? " + question, return_tensors="pt")
        ids = self.model.generate(enc.input_ids, max_new_tokens=4)
        return self.tokenizer.decode(ids[0])

    def grade(self, answer):
        enc = self.tokenizer("Grade this answer from 1 to 5: " + answer, return_tensors="pt")
        ids = self.model.generate(input_ids=enc["input_ids"], max_new_tokens=2)
        return self.tokenizer.decode(ids[0])


class Captioner:
    def __init__(self, path):
        self.processor = AutoProcessor.from_pretrained(path)
        self.model = LlavaForConditionalGeneration.from_pretrained(path)

    def caption(self, image):
        inputs = self.processor(text="<image>\\\\nList the objects in the picture.", images=image, return_tensors="pt")
        ids = self.model.generate(**inputs, max_new_tokens=64)
        return self.processor.decode(ids[0])
"""


def test_generate_is_sent_what_the_tokenizer_encoded() -> None:
    graph, _ = analyze_source(_SOURCE, path="local.py")
    prompts = {}
    for s in graph.sites():
        prompt = graph.prompt_of(s.id)
        prompts[s.loc.line] = " | ".join(m.template() for m in prompt.messages) if prompt else ""
    assert prompts[16] == "Question: {q}\\nPassages: {d}\\nShort summary:"
    assert prompts[22] == "Which tool fits this question? {question}"
    assert prompts[27] == "Grade this answer from 1 to 5: {answer}"
    assert prompts[38] == "<image>\\nList the objects in the picture."
