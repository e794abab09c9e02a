"""Trip planner: a dispatcher routes each request to specialists, as in the paper's motivating story.

Async, and every LLM call goes through one helper, ``ask`` — the wrapper style of many agent codebases. The
dispatcher (a closed label set) and the flight/hotel extractors (JSON) are narrow; the itinerary writer is open-ended.
Run: python agent.py "Fly from Boston to Lisbon on 2026-05-03"   (LLM base URL from TRIP_LLM_URL)
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

from openai import AsyncOpenAI

MODEL = "gpt-4.1"
ROUTES = ("flights", "hotels", "itinerary")

_client = AsyncOpenAI(
    base_url=os.environ.get("TRIP_LLM_URL", "http://127.0.0.1:8766/v1"),
    api_key=os.environ.get("OPENAI_API_KEY", "sk-local-example"),
    max_retries=0,
)

DISPATCH = "You dispatch travel requests. Reply with one word: flights, hotels or itinerary."
FLIGHT = (
    "Extract the flight search from the request. Return JSON with keys origin, destination (city names) "
    'and date (YYYY-MM-DD or null).'
)
HOTEL = "Extract the hotel search from the request. Return JSON with keys city, nights (integer) and guests (integer)."
WRITER = "You are an enthusiastic travel writer. Write a short day-by-day itinerary for the request."


async def ask(system: str, user: str, *, json_mode: bool = False, max_tokens: int = 300, temperature: float = 0.0) -> str:
    """The one place that talks to the LLM."""
    extra = {"response_format": {"type": "json_object"}} if json_mode else {}
    resp = await _client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
        max_tokens=max_tokens,
        temperature=temperature,
        **extra,
    )
    return resp.choices[0].message.content or ""


async def dispatch(request: str) -> str:
    route = (await ask(DISPATCH, request, max_tokens=3)).strip().lower()
    return route if route in ROUTES else "itinerary"


async def find_flights(request: str) -> dict:
    query = json.loads(await ask(FLIGHT, request, json_mode=True, max_tokens=60))
    return {"type": "flights", **query}


async def find_hotels(request: str) -> dict:
    query = json.loads(await ask(HOTEL, request, json_mode=True, max_tokens=60))
    return {"type": "hotels", **query}


async def write_itinerary(request: str) -> dict:
    return {"type": "itinerary", "text": await ask(WRITER, request, temperature=0.8)}


SPECIALISTS = {"flights": find_flights, "hotels": find_hotels, "itinerary": write_itinerary}


async def plan(request: str) -> dict:
    route = await dispatch(request)
    return await SPECIALISTS[route](request)


async def plan_many(requests: list[str], concurrency: int = 8) -> list[dict]:
    sem = asyncio.Semaphore(concurrency)

    async def one(r: str) -> dict:
        async with sem:
            return await plan(r)

    return await asyncio.gather(*(one(r) for r in requests))


if __name__ == "__main__":
    for result in asyncio.run(plan_many(sys.argv[1:])):
        print(json.dumps(result))
