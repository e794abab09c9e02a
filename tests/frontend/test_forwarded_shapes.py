"""A calling API forwards its caller's prompt also when it hands it on in another shape: a request object dumped to
the SDK's keyword dict by a helper (``prepare(req)`` returning ``req.model_dump()``), a slice of the caller's
messages (``msgs[1:cut]``) or two message runs joined (``history + new``). Each function on the way is a wrapper and
each call of it a wrapper-call; text the function writes around the value (a string literal added to it) still
makes the call the site."""

from __future__ import annotations

from pathlib import Path

from .trees import sites_in, write_tree


def test_request_object_dumped_by_a_helper(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "relay.py": """
                from openai import OpenAI


                def to_payload(req):
                    body = req.model_dump(exclude_none=True)
                    body.pop("user", None)
                    return body


                def send_chat(base_url, key, req):
                    client = OpenAI(api_key=key, base_url=base_url)
                    return client.chat.completions.create(**to_payload(req))


                def run(cfg, req):
                    return send_chat(cfg.url, cfg.key, req)
            """,
        },
    )
    found = sites_in(tmp_path, "relay.py")
    assert {(11, "wrapper"), (13, "request"), (17, "wrapper-call")} <= found  # run() has no caller: no API


def test_sliced_and_joined_message_runs(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "memo.py": """
                from openai import AsyncOpenAI

                client = AsyncOpenAI()
                OUTLINE = "Summarize the transcript in three parts: goals, events, open items."


                async def digest(messages):
                    text = "\\n".join(m["content"] for m in messages)
                    out = await client.chat.completions.create(
                        model="gpt-4o-mini",
                        messages=[{"role": "system", "content": OUTLINE}, {"role": "user", "content": text}],
                    )
                    return out.choices[0].message.content


                class Trimmer:
                    def __init__(self, keep):
                        self.keep = keep

                    async def shrink(self, older, newer):
                        return await self._evict(older, newer)

                    async def _evict(self, older_messages, newer_messages):
                        everything = older_messages + newer_messages
                        head = everything[1 : -self.keep]
                        note = await digest(head)
                        return [everything[0], {"role": "user", "content": note}] + everything[-self.keep :]


                class Bot:
                    def __init__(self):
                        self.trimmer = Trimmer(6)

                    async def overflow(self, history):
                        return await self.trimmer.shrink(history, [])
            """,
        },
    )
    found = sites_in(tmp_path, "memo.py")
    assert (8, "wrapper") in found and (21, "wrapper") in found  # digest and Trimmer.shrink
    assert (36, "wrapper-call") in found  # the bot's call of the trimmer


def test_text_added_to_the_value_is_a_template(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "ask.py": """
                from openai import OpenAI

                client = OpenAI()


                def complete(prompt):
                    return client.completions.create(model="gpt-3.5-turbo-instruct", prompt=prompt)


                def title_for(article):
                    return complete("Write a five-word title for this article:\\n" + article)


                def main(doc):
                    return title_for(doc)
            """,
        },
    )
    found = sites_in(tmp_path, "ask.py")
    assert (7, "wrapper") in found and (12, "wrapper-call") in found
    assert (11, "wrapper") not in found and (16, "wrapper-call") not in found


def test_joined_texts_and_added_messages_are_the_function_own_prompt(tmp_path: Path) -> None:
    """Two texts added (``context + review_request``) compose a prompt, and a message list with a message written in
    place (``req + [{"role": "user", "content": RETRY}]``) adds the function's own instruction: both calls are the
    sites, neither function is a wrapper."""
    write_tree(
        tmp_path,
        {
            "review.py": """
                from openai import OpenAI

                client = OpenAI()
                RETRY = "Your last answer repeated itself. Answer again, differently."


                def chat(messages):
                    return client.chat.completions.create(model="gpt-4o", messages=messages)


                def ask(text):
                    return chat([{"role": "user", "content": text}])


                def review(context, review_request):
                    return ask(context + review_request)


                def retry(req):
                    return chat(req + [{"role": "user", "content": RETRY}])


                def main(a, b, req):
                    return review(a, b), retry(req)
            """,
        },
    )
    found = sites_in(tmp_path, "review.py")
    assert (17, "wrapper-call") in found and (21, "wrapper-call") in found
    assert (16, "wrapper") not in found and (20, "wrapper") not in found


def test_agent_instructions_prepended_to_the_history_are_relayed(tmp_path: Path) -> None:
    """A system message whose content is a field of an object the caller hands in (an agent's instructions),
    prepended to the caller's history, adds no text of the function's own: the run loop that forwards the agent and
    the messages is the calling API. A module constant in that message is the function's own text: a template."""
    write_tree(
        tmp_path,
        {
            "hub.py": """
                from openai import OpenAI

                NUDGE = "Be brief."


                class Crew:
                    def __init__(self, client=None):
                        self.client = client or OpenAI()

                    def _complete(self, agent, history):
                        messages = [{"role": "system", "content": agent.instructions}] + history
                        return self.client.chat.completions.create(model=agent.model, messages=messages)

                    def run(self, agent, messages):
                        reply = self._complete(agent=agent, history=list(messages))
                        return reply.choices[0].message


                class Terse:
                    def __init__(self):
                        self.client = OpenAI()

                    def _complete(self, history):
                        messages = [{"role": "system", "content": NUDGE}] + history
                        return self.client.chat.completions.create(model="gpt-4o", messages=messages)

                    def run(self, history):
                        return self._complete(history)
            """,
            "main.py": """
                from hub import Crew, Terse


                class Persona:
                    def __init__(self, instructions):
                        self.instructions = instructions
                        self.model = "gpt-4o"


                def main():
                    crew = Crew()
                    print(crew.run(Persona("You only speak French."), [{"role": "user", "content": "Hi"}]))
                    print(Terse().run([{"role": "user", "content": "Hi"}]))
            """,
        },
    )
    found = sites_in(tmp_path, "hub.py")
    assert (15, "wrapper") in found  # Crew.run: forwards the agent and the messages
    assert (11, "wrapper") not in found  # Crew._complete: its internal step
    assert (26, "request") in found and (28, "wrapper") not in found  # Terse writes its own system message
    assert (13, "wrapper-call") in sites_in(tmp_path, "main.py")
