"""A small agent for the capture-vs-frontend test; `route` keeps its attribute-chain layout on purpose."""

import os

import openai

client = openai.OpenAI(base_url=os.environ.get("LLM_URL", "http://x/v1"), api_key="test", max_retries=0)


def classify(text):
    resp = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}], temperature=0
    )
    return resp.choices[0].message.content


# fmt: off
def route(text):
    return (
        client.chat
        .completions
        .create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": text}],
        )
    )
# fmt: on


def summarise(items):
    return [
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": i}]) for i in items
    ]


def ask_llm(prompt):
    return (
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": prompt}],
        )
        .choices[0]
        .message.content
    )


def main():
    classify("a")
    route("b")
    summarise(["c"])
    return ask_llm("d")


if __name__ == "__main__":
    main()
