"""False positives of the PII detectors on ordinary text: Banking77 and SNIPS (shared/data), which hold no PII except
the artists' names in SNIPS AddToPlaylist (annotated as ``artist``: those are real person names, counted apart).

Prints, per data set, how many texts get any placeholder, an ADDRESS placeholder and a NAME placeholder, and for
SNIPS how many NAME spans fall on an annotated artist (right) or elsewhere (wrong), with a few examples of each.
Then the recall per kind on planted values (``tests/curation/planted.py``) written into a few sentence shapes: the
share whose whole value lies inside one detected span (a value split across two messages or base64-encoded is
covered by the leak test, ``tests/compiler/test_leak_compile.py``).

    .venv/bin/python bench/pii_false_positives.py [--data ../shared/data] [--examples 8]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slmc.pii.detectors import find_spans  # noqa: E402


def banking77(folder: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    out = []
    for name in ("train.csv", "test.csv"):
        with (folder / "banking77" / name).open(encoding="utf-8", newline="") as fh:
            out.extend((row["text"], []) for row in csv.DictReader(fh))
    return out


def snips(folder: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    out = []
    for path in sorted((folder / "snips").glob("*.json")):
        data = json.loads(path.read_bytes().decode("utf-8", errors="replace"))
        for rows in data.values():
            for row in rows:
                text, entities = "", []
                for part in row["data"]:
                    if part.get("entity"):
                        entities.append((len(text), len(text) + len(part["text"]), part["entity"]))
                    text += part["text"]
                out.append((text, entities))
    return out


def measure(name: str, rows: list[tuple[str, list[tuple[int, int, str]]]], examples: int) -> None:
    t0 = time.perf_counter()
    texts = {"any": 0, "ADDRESS": 0, "NAME": 0}
    kinds: Counter[str] = Counter()
    on_artist = off_artist = 0
    shown: dict[str, list[str]] = {"ADDRESS": [], "NAME (not an artist)": [], "NAME (artist)": []}
    for text, entities in rows:
        spans = find_spans(text)
        if spans:
            texts["any"] += 1
        seen = set()
        for s in spans:
            kinds[s.kind] += 1
            seen.add(s.kind)
            value = text[s.start : s.end]
            if s.kind == "ADDRESS" and len(shown["ADDRESS"]) < examples:
                shown["ADDRESS"].append(f"{value!r} in {text!r}")
            if s.kind == "NAME":
                artist = any(e == "artist" and a < s.end and s.start < b for a, b, e in entities)
                on_artist += artist
                off_artist += not artist
                bucket = "NAME (artist)" if artist else "NAME (not an artist)"
                if len(shown[bucket]) < examples:
                    shown[bucket].append(f"{value!r} in {text!r}")
        for kind in ("ADDRESS", "NAME"):
            texts[kind] += kind in seen
    seconds = time.perf_counter() - t0
    print(
        f"{name}: {len(rows)} texts ({len(rows) / seconds:,.0f}/s); with any placeholder {texts['any']}, "
        f"with ADDRESS {texts['ADDRESS']}, with NAME {texts['NAME']}; spans by kind {dict(sorted(kinds.items()))}"
    )
    if name.startswith("SNIPS"):
        print(f"  NAME spans on an annotated artist: {on_artist}; elsewhere: {off_artist}")
    for bucket, lines in shown.items():
        for line in lines:
            print(f"  {bucket}: {line}")


OTHER_FIRST = (
    "Chidi Wei Mei Yuki Sipho Bao Hiroshi Priya Arjun Olga Dmitri Ines Joaquim Abena Lars Tomasz Thandiwe "
    "Hamid Linh Zainab Eoin Katarzyna Giulia Sanna Juha Kofi Amara Nnamdi Tariq Anouk"
)
OTHER_LAST = (
    "Nakamura Petrova Kowalczyk Rahimi Takahashi Ivanova Suzuki Tran Adeyemi Novak Eriksen Castillo Popescu "
    "Osei Mwangi Bianchi Jensen Horvat Mahlangu Quispe Achterberg Szabo"
)


def recall(n: int) -> None:
    import random

    from tests.curation import planted

    rng = random.Random(17)
    kinds = {
        "card": planted.card, "email": planted.email, "phone": planted.phone, "ssn": planted.ssn,
        "nino": planted.nino, "iban": planted.iban, "ipv4": planted.ipv4, "ipv6": planted.ipv6,
        "api_key": planted.api_key, "jwt": planted.jwt, "pem": planted.pem,
        "url_credentials": lambda r: planted.url_with_credentials(r)[0],
        "address_en": planted.address_en, "address_eu": planted.address_eu, "po_box": planted.po_box,
        "city_zip": planted.city_zip, "uk_postcode": planted.uk_postcode, "person_nocue": planted.person_nocue,
    }  # fmt: skip
    firsts = OTHER_FIRST.split()
    lasts = OTHER_LAST.split()
    kinds["person_other"] = lambda r: f"{r.choice(firsts)} {r.choice(lasts)}"  # names chosen apart from the lists
    shapes = ["Please use {v} for this.", "{v}", "It is {v}, thanks.", "Ship it to {v} please.", "I spoke with {v}."]
    print(f"recall per kind ({n} values each, {len(shapes)} sentence shapes):")
    for kind, gen in kinds.items():
        hit = total = 0
        for _ in range(n):
            value = gen(rng)
            for shape in shapes:
                text = shape.format(v=value)
                secret = value.split("://", 1)[1].split("@", 1)[0] if kind == "url_credentials" else value
                at = text.index(secret)
                total += 1
                hit += any(s.start <= at and at + len(secret) <= s.end for s in find_spans(text))
        print(f"  {kind:16s} {hit / total:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = next((p for p in (ROOT.parent / "shared" / "data", Path("/work/shared/data")) if p.is_dir()), None)
    parser.add_argument("--data", type=Path, default=default or ROOT.parent / "shared" / "data")
    parser.add_argument("--examples", type=int, default=8)
    parser.add_argument("--recall", type=int, default=100, help="planted values per kind for the recall figures")
    args = parser.parse_args()
    if not (args.data / "banking77").is_dir():
        print(f"no shared data at {args.data}", file=sys.stderr)
        return 2
    measure("Banking77", banking77(args.data), args.examples)
    measure("SNIPS", snips(args.data), args.examples)
    recall(args.recall)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
