"""Support-ticket agent: classifies a ticket, extracts its fields, routes it with a tool call, drafts a reply.

Written the way many production agents are: one OpenAI client, one function per LLM step, the answers parsed and
checked by ordinary code. Three steps are narrow (a closed label set, a JSON object, a tool call); the reply is
open-ended. Run: python agent.py tickets.txt   (one ticket per line; LLM base URL from SUPPORT_LLM_URL)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from openai import OpenAI

MODEL = "gpt-4o-2024-08-06"
INTENTS = ("refund", "shipping", "technical", "account", "billing")
QUEUES = ("payments", "logistics", "it", "accounts")

client = OpenAI(
    base_url=os.environ.get("SUPPORT_LLM_URL", "http://127.0.0.1:8765/v1"),
    api_key=os.environ.get("OPENAI_API_KEY", "sk-local-example"),
    max_retries=0,
)

CLASSIFY_PROMPT = (
    "You are a support triage assistant. Classify the customer ticket into exactly one of: "
    "refund, shipping, technical, account, billing. Answer with the label only."
)

EXTRACT_PROMPT = (
    "Extract fields from the customer ticket. Return a JSON object with keys "
    '"order_id" (string like "AB-12345", or null), "product" (string or null) and '
    '"urgency" (one of "low", "medium", "high").'
)

ROUTE_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "route_ticket",
            "description": "Send the ticket to a work queue with a priority (1 = most urgent).",
            "parameters": {
                "type": "object",
                "properties": {
                    "queue": {"type": "string", "enum": list(QUEUES)},
                    "priority": {"type": "integer", "minimum": 1, "maximum": 3},
                },
                "required": ["queue", "priority"],
            },
        },
    }
]


def classify(ticket: str) -> str:
    resp = client.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": CLASSIFY_PROMPT},
            {"role": "user", "content": ticket},
        ],
        temperature=0,
        max_tokens=5,
    )
    label = (resp.choices[0].message.content or "").strip().lower()
    return label if label in INTENTS else "other"


def extract_fields(ticket: str) -> dict:
    resp = client.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": EXTRACT_PROMPT},
            {"role": "user", "content": ticket},
        ],
        response_format={"type": "json_object"},
        temperature=0,
        max_tokens=80,
    )
    fields = json.loads(resp.choices[0].message.content or "{}")
    return {"order_id": fields.get("order_id"), "product": fields.get("product"), "urgency": fields.get("urgency")}


def route(ticket: str, intent: str, urgency: str | None) -> dict:
    resp = client.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": "Route the ticket to a queue by calling route_ticket."},
            {"role": "user", "content": f"Intent: {intent}\nUrgency: {urgency}\nTicket: {ticket}"},
        ],
        tools=ROUTE_TOOLS,
        tool_choice={"type": "function", "function": {"name": "route_ticket"}},
        temperature=0,
    )
    call = resp.choices[0].message.tool_calls[0]
    args = json.loads(call.function.arguments)
    if args.get("queue") not in QUEUES:
        raise ValueError(f"unknown queue {args.get('queue')!r}")
    return args


def draft_reply(ticket: str, intent: str, routing: dict) -> str:
    resp = client.chat.completions.create(
        model=MODEL,
        messages=[
            {
                "role": "system",
                "content": "You are a friendly, empathetic support agent. Write a short helpful reply to the "
                "customer that explains what happens next.",
            },
            {"role": "user", "content": f"Ticket ({intent}, queue {routing['queue']}):\n{ticket}"},
        ],
        temperature=0.7,
    )
    return resp.choices[0].message.content or ""


def handle(ticket: str) -> dict:
    intent = classify(ticket)
    fields = extract_fields(ticket)
    routing = route(ticket, intent, fields["urgency"])
    reply = draft_reply(ticket, intent, routing)
    return {"intent": intent, **fields, **routing, "reply": reply}


def main(argv: list[str]) -> int:
    text = Path(argv[1]).read_text(encoding="utf-8") if len(argv) > 1 else sys.stdin.read()
    lines = text.splitlines()
    for ticket in filter(None, (line.strip() for line in lines)):
        print(json.dumps(handle(ticket)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
