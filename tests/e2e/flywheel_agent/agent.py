"""A small helpdesk agent for the flywheel test (tests/e2e/test_flywheel.py): two independent LLM steps.

``triage(message)`` names the topic of a customer's message in one word; ``rate(review)`` labels a product review's
tone. Each is a closed label set a classifier head learns in seconds. LLM base URL from ``FLYWHEEL_LLM_URL``.
"""

from __future__ import annotations

import os

from openai import OpenAI

MODEL = "gpt-4o-mini-2024-07-18"

client = OpenAI(
    base_url=os.environ.get("FLYWHEEL_LLM_URL", "http://127.0.0.1:8765/v1"),
    api_key=os.environ.get("OPENAI_API_KEY", "sk-local-example"),
    max_retries=0,
)

TOPIC_PROMPT = "You route customer messages. Name the topic of the message in one lowercase word."
TONE_PROMPT = "Read the product review and say whether its tone is positive or negative. One word."


def triage(message: str) -> str:
    resp = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "system", "content": TOPIC_PROMPT}, {"role": "user", "content": message}],
        temperature=0,
        max_tokens=4,
    )
    return (resp.choices[0].message.content or "").strip().lower()


def rate(review: str) -> str:
    resp = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "system", "content": TONE_PROMPT}, {"role": "user", "content": review}],
        temperature=0,
        max_tokens=4,
    )
    return (resp.choices[0].message.content or "").strip().lower()
