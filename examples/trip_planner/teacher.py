"""Synthetic travel requests with known truth, and the rule-based teacher LLM of the trip-planner example."""

from __future__ import annotations

import json
import random
import re
from typing import Any

CITIES = ("Boston", "Lisbon", "Tokyo", "Nairobi", "Lima", "Oslo", "Seoul", "Denver", "Porto", "Cairo", "Quito",
          "Hanoi", "Austin", "Dublin", "Perth", "Zurich")
FLIGHT_FORMS = ("Fly from {a} to {b} on {d}", "I need a flight {a} to {b} on {d}", "Book me a plane ticket from {a} to {b}",
                "Any flights from {a} to {b} leaving {d}?", "Get me from {a} to {b} by air on {d}",
                "Cheapest flight {a} -> {b}, departing {d}")
HOTEL_FORMS = ("Find a hotel in {c} for {n} nights for {g} guests", "I need a room in {c}, {n} nights, {g} people",
               "Book accommodation in {c} for {g} adults for {n} nights", "Hotel in {c}: {n} nights, {g} guests please",
               "Where can {g} of us stay in {c} for {n} nights?")
TRIP_FORMS = ("Plan a {n}-day trip to {c}", "What should I do during {n} days in {c}?",
              "Suggest an itinerary for {n} days in {c} with kids", "Make me a relaxed {n} day plan for {c}")


def make_requests(n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        kind = rng.choices(("flights", "hotels", "itinerary"), weights=(4, 4, 2))[0]
        if kind == "flights":
            a, b = rng.sample(CITIES, 2)
            form = rng.choice(FLIGHT_FORMS)
            d = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if "{d}" in form else None
            out.append({"request": form.format(a=a, b=b, d=d), "route": kind,
                        "truth": {"origin": a, "destination": b, "date": d}})
        elif kind == "hotels":
            c, nights, guests = rng.choice(CITIES), rng.randint(1, 14), rng.randint(1, 6)
            out.append({"request": rng.choice(HOTEL_FORMS).format(c=c, n=nights, g=guests), "route": kind,
                        "truth": {"city": c, "nights": nights, "guests": guests}})
        else:
            c, days = rng.choice(CITIES), rng.randint(2, 7)
            out.append({"request": rng.choice(TRIP_FORMS).format(c=c, n=days), "route": kind, "truth": {"city": c}})
    return out


def route_of(request: str) -> str:
    low = request.lower()
    if any(w in low for w in ("fly", "flight", "plane", "by air")):
        return "flights"
    if any(w in low for w in ("hotel", "room", "accommodation", "stay")):
        return "hotels"
    return "itinerary"


def flight_of(request: str) -> dict[str, Any]:
    found = [c for c in sorted(CITIES, key=request.find) if c in request]
    date = re.search(r"\d{4}-\d{2}-\d{2}", request)
    return {"origin": found[0] if found else None, "destination": found[1] if len(found) > 1 else None,
            "date": date.group(0) if date else None}


def hotel_of(request: str) -> dict[str, Any]:
    city = next((c for c in CITIES if c in request), None)
    nights = re.search(r"(\d+) nights", request)
    guests = re.search(r"(\d+) (?:guests|people|adults|of us)", request)
    return {"city": city, "nights": int(nights.group(1)) if nights else None,
            "guests": int(guests.group(1)) if guests else None}


def teacher(request: dict[str, Any]) -> dict[str, Any]:
    messages = request.get("messages", [])
    system = next((m.get("content") or "" for m in messages if m.get("role") == "system"), "")
    user = next((m.get("content") or "" for m in reversed(messages) if m.get("role") == "user"), "")
    if system.startswith("You dispatch"):
        return {"content": route_of(user)}
    if system.startswith("Extract the flight"):
        return {"content": json.dumps(flight_of(user))}
    if system.startswith("Extract the hotel"):
        return {"content": json.dumps(hotel_of(user))}
    rng = random.Random(user)
    city = next((c for c in CITIES if c in user), "the city")
    days = [f"Day {i + 1}: {rng.choice(('museums', 'a food tour', 'the old town', 'a day hike', 'the markets'))} in {city}."
            for i in range(rng.randint(2, 4))]
    return {"content": " ".join(days)}
