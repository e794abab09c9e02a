"""Loaded by name at run time; the client is whatever the host passes, the method looked up by a built name."""

import functools

# "chat.completions.create", known only when it runs: no static analysis can name the member it reaches
PATH = bytes([99, 104, 97, 116, 46, 99, 111, 109, 112, 108, 101, 116, 105, 111, 110, 115, 46, 99, 114, 101, 97, 116, 101]).decode()


def triage(llm, ticket):
    request = functools.reduce(getattr, PATH.split("."), llm)
    answer = request(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Triage the support ticket. Answer with one word: urgent, normal or low."},
            {"role": "user", "content": ticket},
        ],
        temperature=0,
    )
    return answer.choices[0].message.content


def ask(llm, system, user):
    request = functools.reduce(getattr, PATH.split("."), llm)
    return (
        request(
            model="gpt-4o-mini", messages=[{"role": "system", "content": system}, {"role": "user", "content": user}]
        )
        .choices[0]
        .message.content
    )


def classify(llm, text):
    return ask(llm, "Classify the complaint as one of: delivery, billing, product. Answer with the label only.", text)


def summarise(llm, text):
    return ask(llm, "Summarise the customer's message in one sentence for the support log.", text)
