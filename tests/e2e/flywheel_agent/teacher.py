"""Synthetic traffic and the rule-based teacher LLM of the flywheel agent. Stdlib only; no personal data.

``messages(n, seed)`` draws customer messages about refunds, shipping and accounts; ``messages(n, seed,
drifted=True)`` draws the traffic after the shift: half of it asks to cancel a subscription (a topic the agent's
traces never saw), in phrasings of its own. ``reviews(n, seed)`` draws product reviews. ``teacher`` answers the
agent's two prompts as a strong LLM would.
"""

from __future__ import annotations

import random
from typing import Any

ITEMS = (
    "blender",
    "desk lamp",
    "backpack",
    "kettle",
    "headphones",
    "yoga mat",
    "coffee grinder",
    "rain jacket",
    "phone case",
    "toaster",
    "water bottle",
    "keyboard",
)
TOPICS = {
    "refund": (
        "I want my money back for the {i}",
        "please refund the {i} I sent back",
        "the {i} broke after a day, I would like a refund",
        "when will my refund for the {i} arrive",
        "can I get reimbursed for the {i}",
        "I returned the {i} last week and still have no refund",
    ),
    "shipping": (
        "my {i} has not arrived yet",
        "where is the parcel with my {i}",
        "the tracking for my {i} stopped",
        "delivery of the {i} is two weeks late",
        "the courier left my {i} at the wrong door",
        "my {i} order still has not shipped",
    ),
    "account": (
        "I cannot log in to my account",
        "please reset my password",
        "my account got locked",
        "how do I change the email on my account",
        "the login code never reaches my phone",
        "I want to update the name on my account",
    ),
}
CANCEL = (
    "please cancel my {p} subscription",
    "stop my {p} plan from renewing",
    "I want to end my {p} membership",
    "cancel the {p} subscription before the next charge",
    "do not renew my {p} plan, I am done",
    "how do I terminate my {p} membership",
)
PLANS = ("monthly", "yearly", "premium", "family", "student", "basic")
OPENERS = ("Hi,", "Hello,", "Hey there,", "Good morning,", "", "Dear team,")
CLOSERS = ("Thanks.", "Thank you!", "Cheers.", "", "Regards.", "Appreciate it.")
TONES = {
    "positive": (
        "the {i} works great, love it",
        "excellent {i}, would buy again",
        "very happy with this {i}",
        "the {i} exceeded my expectations",
        "solid {i}, five stars",
    ),
    "negative": (
        "the {i} stopped working, awful",
        "terrible {i}, do not buy",
        "very disappointed with this {i}",
        "the {i} feels cheap and broke fast",
        "worst {i} I have owned",
    ),
}


def _wrap(rng: random.Random, body: str) -> str:
    return " ".join(p for p in (rng.choice(OPENERS), body[0].upper() + body[1:] + ".", rng.choice(CLOSERS)) if p)


def messages(n: int, seed: int = 0, *, drifted: bool = False) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if drifted and rng.random() < 0.5:
            body = rng.choice(CANCEL).format(p=rng.choice(PLANS))
        else:
            body = rng.choice(TOPICS[rng.choice(list(TOPICS))]).format(i=rng.choice(ITEMS))
        out.append(_wrap(rng, body))
    return out


def reviews(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [_wrap(rng, rng.choice(TONES[rng.choice(list(TONES))]).format(i=rng.choice(ITEMS))) for _ in range(n)]


_TOPIC_WORDS = (
    ("cancel", ("cancel", "renew", "end my", "terminate")),
    ("refund", ("refund", "money back", "reimbursed")),
    ("shipping", ("arrived", "parcel", "tracking", "delivery", "courier", "shipped")),
    ("account", ("log in", "login", "password", "account")),
)
_NEGATIVE = ("stopped", "awful", "terrible", "disappointed", "cheap", "worst")


def topic_of(message: str) -> str:
    low = message.lower()
    return next((topic for topic, words in _TOPIC_WORDS if any(w in low for w in words)), "account")


def tone_of(review: str) -> str:
    return "negative" if any(w in review.lower() for w in _NEGATIVE) else "positive"


def teacher(request: dict[str, Any]) -> dict[str, Any]:
    """Answer one chat-completions request of the flywheel agent."""
    msgs = request.get("messages", [])
    system = next((m.get("content") or "" for m in msgs if m.get("role") == "system"), "")
    user = next((m.get("content") or "" for m in reversed(msgs) if m.get("role") == "user"), "")
    if system.startswith("You route customer messages"):
        return {"content": topic_of(user)}
    return {"content": tone_of(user)}
