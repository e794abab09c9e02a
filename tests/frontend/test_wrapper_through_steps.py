"""A wrapper reaching its request through internal steps of its own class whose parameters have other names
(``ask(prompt)`` -> ``self._send(prompt)`` -> ``create(messages=messages)``), or sending a batch of prompts one item
at a time (``generate(batch)`` -> ``[self._one(m) for m in batch]``, the batch normalised in place first): each
wrapper-call sends the caller's text, with no stray hole of the step's parameter (``{messages}``, which reads as a
conversation history) beside it. A list of prompts built by a comprehension (``prompts = [T.format(q=q) for q in
qs]``) holds prompts written by its element."""

from __future__ import annotations

from slmc.frontend import analyze_source
from slmc.ir import SiteKind

_SOURCE = """
import asyncio

from openai import AsyncOpenAI, OpenAI


class Bot:
    def __init__(self):
        self.client = OpenAI()

    def _send(self, messages):
        out = self.client.chat.completions.create(model="gpt-4o", messages=messages)
        return out.choices[0].message.content

    def ask(self, prompt):
        return self._send(prompt)

    def ask_many(self, prompts):
        return [self._send(p) for p in prompts]


def classify(bot, text):
    return bot.ask("Is this message spam? Answer yes or no.\\n" + text)


def classify_all(bot, texts):
    return bot.ask_many(["Is this message spam? Answer yes or no.\\n" + t for t in texts])


class Batcher:
    def __init__(self, config):
        self.client = AsyncOpenAI()
        self.model = config["model"]

    async def _one(self, messages, **params):
        out = await self.client.chat.completions.create(model=self.model, messages=messages, **params)
        return out.choices[0].message.content

    async def _all(self, batch, **params):
        jobs = [self._one(m, **params) for m in batch]
        return await asyncio.gather(*jobs)

    def generate(self, batch, **params):
        if isinstance(batch, str):
            batch = [batch]
        return asyncio.run(self._all(batch, **params))


VERDICT = "Claim: {claim}\\nIs the claim true? Answer True or False."


class Checker:
    def __init__(self, config):
        self.generator = Batcher(config)

    def check(self, claims):
        prompts = [VERDICT.format(claim=c) for c in claims]
        return self.generator.generate(prompts)
"""


def _prompts() -> dict[int, str]:
    graph, _ = analyze_source(_SOURCE, path="bots.py")
    out: dict[int, str] = {}
    for s in graph.sites():
        if s.site != SiteKind.WRAPPER_CALL:
            continue
        prompt = graph.prompt_of(s.id)
        out[s.loc.line] = " | ".join(m.template() for m in prompt.messages) if prompt else ""
    return out


def test_wrapper_call_through_a_renaming_step_sends_only_the_callers_text() -> None:
    prompts = _prompts()
    assert prompts[23] == "Is this message spam? Answer yes or no.\n{text}"
    assert prompts[27] == "Is this message spam? Answer yes or no.\n{t}"


def test_batch_sent_item_by_item_holds_the_comprehension_element() -> None:
    prompts = _prompts()
    assert prompts[58] == "Claim: {c}\nIs the claim true? Answer True or False."
