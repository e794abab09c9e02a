"""An agent for the one-site-identity test: a task-specific request (``classify``), a generic wrapper (``ask``) that
two task functions call, and a call split over lines; run under capture and as OTel-style records."""

import os

import openai

client = openai.OpenAI(base_url=os.environ.get("LLM_URL", "http://x/v1"), api_key="test", max_retries=0)

TICKETS = ["my card was charged twice", "the app crashes on login", "where is my parcel"]


def classify(text):
    return (
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "system", "content": "Classify the support ticket as billing, bug or delivery. One word."},
                {"role": "user", "content": text},
            ],
        )
        .choices[0]
        .message.content
    )


def ask(system, user):
    return (
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "system", "content": system}, {"role": "user", "content": user}]
        )
        .choices[0]
        .message.content
    )


def summarise(ticket):
    return ask("Summarise the support ticket in one sentence for the on-call engineer.", ticket)


def translate(ticket):
    return ask("Rewrite the support ticket in plain words for the product team, without jargon.", ticket)


def main():
    for ticket in TICKETS:
        classify(ticket)
        summarise(ticket)
        translate(ticket)


if __name__ == "__main__":
    main()
