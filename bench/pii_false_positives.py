"""False positives of the PII detectors on ordinary text: Banking77 and SNIPS (shared/data), which hold no PII except
the artists' names in SNIPS AddToPlaylist (annotated as ``artist``: those are real person names, counted apart).

Prints, per data set, how many texts get any placeholder, an ADDRESS placeholder and a NAME placeholder, and for
SNIPS how many NAME spans fall on an annotated artist (right) or elsewhere (wrong), with a few examples of each.

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

from slmc.passes.pii.detectors import find_spans  # noqa: E402


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = next((p for p in (ROOT.parent / "shared" / "data", Path("/work/shared/data")) if p.is_dir()), None)
    parser.add_argument("--data", type=Path, default=default or ROOT.parent / "shared" / "data")
    parser.add_argument("--examples", type=int, default=8)
    args = parser.parse_args()
    if not (args.data / "banking77").is_dir():
        print(f"no shared data at {args.data}", file=sys.stderr)
        return 2
    measure("Banking77", banking77(args.data), args.examples)
    measure("SNIPS", snips(args.data), args.examples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
