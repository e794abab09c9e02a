"""An OpenAI agent that logs the SDK's own objects: ``{"request": kwargs, "response": completion.model_dump()}``.

    python sdk_dump_agent.py OUT.jsonl          (calls $LLM_URL)

Four calls (plain, tool call, the tool result sent back with the SDK's message object in the history, a
``.stream()`` helper's final completion), then one response object alone, as a user who forgot the request would log.
"""

from __future__ import annotations

import json
import os
import sys

import openai

client = openai.OpenAI(base_url=os.environ["LLM_URL"], api_key="sk-local", max_retries=0)
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "Look an order up.",
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
        },
    }
]

with open(sys.argv[1], "w", encoding="utf-8") as out:

    def log(request: dict, response: object) -> None:
        out.write(json.dumps({"request": request, "response": response.model_dump()}) + "\n")

    plain = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Classify the ticket."},
            {"role": "user", "content": "refund please"},
        ],
        "temperature": 0,
    }
    first = client.chat.completions.create(**plain)
    log(plain, first)

    tool = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "find order 42"}], "tools": TOOLS}
    called = client.chat.completions.create(**tool)
    log(tool, called)

    message = called.choices[0].message
    result = {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "order 42: shipped"}
    follow = {**tool, "messages": [*tool["messages"], message.model_dump(), result]}
    log(follow, client.chat.completions.create(**follow))

    streamed = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "stream a haiku"}]}
    with client.chat.completions.stream(**streamed) as stream:
        log(streamed, stream.get_final_completion())

    out.write(json.dumps(first.model_dump()) + "\n")
