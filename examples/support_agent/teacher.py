"""Synthetic tickets and the rule-based teacher LLM the support example is traced and tested against.

The generator writes tickets whose truth is known (intent, order id, product, urgency); the teacher answers the agent's
prompts exactly as a strong LLM would on them, so the traces are realistic teacher outputs and the SLMs have something
real to learn: many phrasings map to few labels/fields. Stdlib only.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

PRODUCTS = ("AeroBook 14", "PixelPhone X", "SoundPods Pro", "HomeHub Mini", "TrailWatch 2", "InkJet 3000",
            "CineBox 4K", "ThermoMug", "CloudCam", "StreamStick")
PHRASES = {
    "refund": ("I want my money back for {p}", "please refund the {p} I returned", "requesting a refund on order {o}",
               "the {p} is not what I expected, I would like a refund", "can I get reimbursed for {p}",
               "return accepted but the refund for {o} never came"),
    "shipping": ("my {p} has not arrived yet", "where is my package for order {o}", "the tracking for {o} stopped updating",
                 "delivery of the {p} is late", "courier left the {p} at the wrong address", "order {o} still not shipped"),
    "technical": ("the {p} keeps crashing when I open the app", "my {p} shows an error code E42",
                  "the {p} will not turn on after the update", "bluetooth pairing fails on the {p}",
                  "the {p} firmware update froze", "screen of the {p} flickers constantly"),
    "account": ("I cannot log in to my account", "please reset my password", "my account was locked after a login attempt",
                "how do I change the email on my account", "two factor codes are not arriving for my login",
                "I want to delete my account"),
    "billing": ("I was charged twice for order {o}", "the invoice for {p} shows the wrong amount",
                "why is there an extra fee on my card statement", "my subscription payment failed",
                "I was billed after cancelling", "the payment for {o} went through two times"),
}
URGENCY_CUES = {"high": ("This is urgent!", "Please help ASAP.", "I need this fixed immediately."),
                "low": ("No rush, whenever you can.", "Just letting you know, not urgent."),
                "medium": ("", "Thanks.", "Could you look into it?")}
OPENERS = ("Hi,", "Hello team,", "Hey,", "Good morning,", "", "Dear support,")
QUEUE_OF = {"refund": "payments", "billing": "payments", "shipping": "logistics", "technical": "it",
            "account": "accounts"}
PRIORITY_OF = {"high": 1, "medium": 2, "low": 3}


def make_tickets(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` tickets with their truth; some carry contact details (PII the pipeline must scrub)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        intent = rng.choice(list(PHRASES))
        urgency = rng.choices(("low", "medium", "high"), weights=(2, 5, 3))[0]
        product = rng.choice(PRODUCTS)
        order = f"{rng.choice('ABCDEFGHJK')}{rng.choice('LMNPQRSTUV')}-{rng.randint(10000, 99999)}"
        phrase = rng.choice(PHRASES[intent])
        uses_order = "{o}" in phrase
        uses_product = "{p}" in phrase
        body = phrase.format(p=product, o=order)
        parts = [rng.choice(OPENERS), body[0].upper() + body[1:] + ".", rng.choice(URGENCY_CUES[urgency])]
        if not uses_order and intent in ("refund", "shipping", "billing") and rng.random() < 0.5:
            parts.append(f"Order number {order}.")
            uses_order = True
        if rng.random() < 0.3:
            parts.append(rng.choice((f"Reach me at {_email(rng)}.", f"Call me on {_phone(rng)}.")))
        text = " ".join(p for p in parts if p)
        out.append({"ticket": text, "intent": intent, "urgency": urgency,
                    "order_id": order if uses_order else None, "product": product if uses_product else None})
    return out


def _email(rng: random.Random) -> str:
    first = rng.choice(("ana", "li", "sam", "noor", "jo", "kai", "mia", "raj"))
    return f"{first}.{rng.randint(10, 99)}@{rng.choice(('example.com', 'mail.test', 'inbox.example'))}"


def _phone(rng: random.Random) -> str:
    return f"+1 415 555 {rng.randint(1000, 9999)}"


# ---- the teacher ---------------------------------------------------------------------------------------------------
_KEYWORDS = (
    ("refund", ("refund", "money back", "reimbursed")),
    ("billing", ("charged", "invoice", "fee", "payment", "billed")),
    ("shipping", ("arrived", "package", "tracking", "delivery", "courier", "shipped")),
    ("account", ("log in", "login", "password", "account")),
    ("technical", ("crash", "error", "turn on", "bluetooth", "firmware", "flicker")),
)
_ORDER = re.compile(r"\b[A-Z]{2}-\d{5}\b")


def intent_of(ticket: str) -> str:
    low = ticket.lower()
    for intent, words in _KEYWORDS:
        if any(w in low for w in words):
            return intent
    return "technical"


def urgency_of(ticket: str) -> str:
    low = ticket.lower()
    if any(w in low for w in ("no rush", "not urgent")):
        return "low"
    if any(w in low for w in ("urgent", "asap", "immediately")):
        return "high"
    return "medium"


def fields_of(ticket: str) -> dict[str, Any]:
    order = _ORDER.search(ticket)
    product = next((p for p in PRODUCTS if p in ticket), None)
    return {"order_id": order.group(0) if order else None, "product": product, "urgency": urgency_of(ticket)}


def teacher(request: dict[str, Any]) -> dict[str, Any]:
    """Answer one chat-completions request of the support agent."""
    messages = request.get("messages", [])
    system = next((m.get("content") or "" for m in messages if m.get("role") == "system"), "")
    user = next((m.get("content") or "" for m in reversed(messages) if m.get("role") == "user"), "")
    if system.startswith("You are a support triage assistant"):
        return {"content": intent_of(user)}
    if system.startswith("Extract fields"):
        return {"content": json.dumps(fields_of(user))}
    if request.get("tools"):
        intent = re.search(r"Intent: (\w+)", user)
        urgency = re.search(r"Urgency: (\w+)", user)
        queue = QUEUE_OF.get(intent.group(1) if intent else "", "it")
        priority = PRIORITY_OF.get(urgency.group(1) if urgency else "", 2)
        return {"tool_calls": [{"name": "route_ticket", "arguments": {"queue": queue, "priority": priority}}]}
    ticket = user.split("\n", 1)[-1]
    rng = random.Random(ticket)
    opener = rng.choice(("Thanks for reaching out!", "Sorry about the trouble.", "Thank you for your patience."))
    return {"content": f"{opener} We have logged your request and our team will follow up within "
                       f"{rng.choice(('a day', 'two days', 'a few hours'))}. {rng.choice(('Best,', 'Kind regards,'))} Support"}
