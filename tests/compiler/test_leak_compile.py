"""Full-pipeline leak test: ``slmc compile`` (the CLI, in a subprocess) on the support example with 300+ planted PII
and secret values of 20+ kinds — in user prompts, system prompts, answers and tool arguments, split across two
messages, and base64-encoded — then every file slmc wrote (bundle, report, stage cache, datasets, eval rows, models,
logs: the out folder and ``.<out>.slmc-cache``) and the CLI's own output are searched for each value, its JSON-escaped
and compact forms and its base64 forms: none may be found. No written file may hold the build folder's absolute path.

The training budget is one second per task on ``scratch:tiny`` (CPU): the compile takes about 30 s.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.curation import planted

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "support_agent"
RECORDS = 160  # 40 per site of the example

PLAIN = {  # kind: (generator, count); written as a sentence in a prompt, a system prompt, an answer or a tool argument
    "card": (planted.card, 20),
    "email": (planted.email, 20),
    "phone": (planted.phone, 20),
    "ssn": (planted.ssn, 10),
    "nino": (planted.nino, 10),
    "ipv4": (planted.ipv4, 10),
    "ipv6": (planted.ipv6, 8),
    "jwt": (planted.jwt, 8),
    "bearer": (planted.bearer, 8),
    "pem": (planted.pem, 4),
    "person": (planted.person, 10),
    "person_nocue": (planted.person_nocue, 20),
    "iban": (planted.iban, 20),
    "api_key": (planted.api_key, 20),
    "url": (lambda rng: planted.url_with_credentials(rng)[0], 10),
    "password": (lambda rng: planted._b62(rng, 10) + "#7", 8),
    "address_en": (planted.address_en, 15),
    "address_eu": (planted.address_eu, 15),
    "po_box": (planted.po_box, 6),
    "city_zip": (planted.city_zip, 8),
    "uk_postcode": (planted.uk_postcode, 6),
}
SPLIT = {"split_key": 10, "split_card": 8, "split_pem": 3, "split_password": 6}
ENCODED = {"b64_email": (planted.email, 8), "b64_key": (planted.api_key, 6), "b64_card": (planted.card, 5)}
TEMPLATES = {
    "person": ["My name is {v} and I need help.", "Regards,\n{v}", "Customer: {v}"],
    "person_nocue": ["Please pass this to {v} today.", "{v} asked about it.", "I spoke with {v} yesterday."],
    "bearer": ["The API returned 401 with header Authorization: Bearer {v}"],
    "password": ["my password: {v}", "the login password is {v}"],
    "url": ["The connection string is {v}", "DSN={v}"],
    "address_en": ["Ship it to {v} please.", "I moved to {v}, update it."],
    "address_eu": ["Ship it to {v} please.", "New address: {v}."],
    "po_box": ["Send the papers to {v}."],
    "city_zip": ["We are in {v} now."],
    "uk_postcode": ["Postcode {v}, near the station."],
}
DEFAULT = ["Please use {v} for this.", "It is {v}.", "My details ({v}) changed.", "{v}"]


def _plant(rng: random.Random) -> tuple[list[tuple[str, str]], list[tuple[str, str, str, str]], list[tuple[str, str]]]:
    """(plain (kind, value)), (split (kind, value, first part text, second part text)), (encoded (kind, value))."""
    plain = [(k, gen(rng)) for k, (gen, n) in PLAIN.items() for _ in range(n)]
    split: list[tuple[str, str, str, str]] = []
    for _ in range(SPLIT["split_key"]):
        key = planted.api_key(rng)
        cut = rng.randint(6, len(key) - 6)
        split.append(("split_key", key, f"my api key is {key[:cut]}", f"{key[cut:]} thanks"))
    for _ in range(SPLIT["split_card"]):
        digits = planted.luhn_complete("4" + "".join(rng.choice("0123456789") for _ in range(14)))
        card = " ".join(digits[i : i + 4] for i in range(0, 16, 4))
        split.append(("split_card", card, f"my card number is {card[:9]}", f"{card[10:]} expiring 12/29"))
    for _ in range(SPLIT["split_pem"]):
        pem = planted.pem(rng)
        cut = pem.index("\n", 40) + 1
        split.append(("split_pem", pem, "here is the key:\n" + pem[:cut], pem[cut:]))
    for _ in range(SPLIT["split_password"]):
        pw = planted._b62(rng, 11) + "!4"
        split.append(("split_password", pw, "and my password is", pw))
    encoded = [(k, gen(rng)) for k, (gen, n) in ENCODED.items() for _ in range(n)]
    return plain, split, encoded


def _b64(value: str) -> set[str]:
    raw = value.encode()
    return {base64.b64encode(raw).decode().rstrip("="), base64.urlsafe_b64encode(raw).decode().rstrip("=")}


def _sentence(kind: str, value: str, rng: random.Random) -> str:
    return rng.choice(TEMPLATES.get(kind, DEFAULT)).format(v=value)


def _build_traces(path: Path, rng: random.Random) -> dict[str, list[str]]:
    """The example's first RECORDS traces with the values planted; returns {kind: [forms to search for]}."""
    plain, split, encoded = _plant(rng)
    lines = (EXAMPLE / "traces.jsonl").read_text(encoding="utf-8").splitlines()[:RECORDS]
    records = [json.loads(line) for line in lines]
    forms: dict[str, list[str]] = {}

    def note(kind: str, value: str, *extra: str) -> None:
        forms.setdefault(kind, []).extend([value, *extra])

    queue = list(plain)
    rng.shuffle(queue)
    specials: list[tuple[str, object]] = [("split", s) for s in split] + [("b64", e) for e in encoded]
    rng.shuffle(specials)
    for i, rec in enumerate(records):
        user = next(m for m in rec["messages"] if m["role"] == "user")
        system = next(m for m in rec["messages"] if m["role"] == "system")
        if queue:  # one value in the user prompt
            kind, value = queue.pop()
            user["content"] += " " + _sentence(kind, value, rng)
            note(kind, value)
        if queue:  # one by the site's shape: system prompt, answer or tool arguments
            kind, value = queue.pop()
            site = rec["site_id"]
            if "route" in site:
                rec["tool_calls"][0]["arguments"]["note"] = _sentence(kind, value, rng)
            elif "draft_reply" in site:
                rec["output"] += " " + _sentence(kind, value, rng)
            elif "extract" in site:  # the answer copies the value from the ticket, as extraction does
                user["content"] += " " + _sentence(kind, value, rng)
                answer = json.loads(rec["output"])
                answer["contact"] = value
                rec["output"] = json.dumps(answer)
            else:
                system["content"] += " Escalations: " + _sentence(kind, value, rng)
            note(kind, value)
        if i < len(specials):
            how, item = specials[i]
            if how == "split":
                kind, value, first, second = item  # type: ignore[misc]
                at = rec["messages"].index(user)
                user["content"] += "\n" + first
                rec["messages"].insert(at + 1, {"role": "user", "content": second})
                note(kind, value, *(p for p in value.split() if len(p) >= 10 and "-----" not in p))
            else:
                kind, value = item  # type: ignore[misc]
                hidden = value if rng.random() < 0.5 else f"contact: {value}"
                blob = base64.b64encode(hidden.encode()).decode()
                user["content"] += f" (base64: {blob})"
                note(kind, value, *_b64(hidden))
    assert not queue, f"{len(queue)} values left: more records needed"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return forms


def _variants(kind: str, value: str) -> set[str]:
    out = {value, json.dumps(value)[1:-1], *_b64(value)}
    if kind in ("card", "iban", "nino", "split_card", "b64_card"):
        out.add(value.replace(" ", "").replace("-", ""))
    if kind == "url":
        out.add(value.split("://", 1)[1].split("@", 1)[0])
    if kind in ("pem", "split_pem"):
        out.update(line for line in value.splitlines() if "-----" not in line)
    return {v for v in out if len(v) >= 6}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("leak-compile").resolve()
    agent = tmp / "agent"
    agent.mkdir()
    shutil.copy(EXAMPLE / "agent.py", agent / "agent.py")
    traces = tmp / "traces.jsonl"
    forms = _build_traces(traces, random.Random(20261203))
    out = tmp / "build"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLMC_")}
    env.update(PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    cmd = [
        *(sys.executable, "-m", "slmc", "compile", str(agent / "agent.py"), "--traces", str(traces)),
        *("--out", str(out), "--target", "hf", "--cpu-only", "--train-budget", "1", "--no-progress"),
        *("--gate-target", "0.6"),  # 160 calls: at 0.95 no held-out set could clear the gate and nothing would train
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=tmp)
    assert proc.returncode == 0, proc.stderr[-3000:]
    written = sorted(p for p in tmp.rglob("*") if p.is_file() and p not in (traces, agent / "agent.py"))
    return {"tmp": tmp, "out": out, "forms": forms, "files": written, "console": proc.stdout + proc.stderr}


def test_enough_values_of_enough_kinds_in_every_place(compiled: dict) -> None:
    forms = compiled["forms"]
    values = sum(PLAIN[k][1] for k in PLAIN) + sum(SPLIT.values()) + sum(n for _, n in ENCODED.values())
    assert values >= 300 and len(forms) >= 20
    names = {p.name for p in compiled["files"]}
    assert {"slmc-manifest.yaml", "report.html", "analysis.json", "report.md", "README.md"} <= names
    folders = {part for p in compiled["files"] for part in p.relative_to(compiled["tmp"]).parts}
    assert {"build", ".build.slmc-cache", "datasets", "eval"} <= folders  # bundle, stage cache, datasets, eval rows
    assert any(p.name == "traces.jsonl" for p in compiled["files"])  # the scrubbed trace copy of the stage cache


def _search(files: list[Path], kinds: dict[str, str], scratch: Path, tmp: Path) -> list[tuple[str, str, str]]:
    """(kind, form, file) for every planted form found in ``files``: ``grep -F`` (all one-line forms at once, binary
    files read as text), and the multi-line forms (whole PEM blocks) in Python."""
    found: list[tuple[str, str, str]] = []
    patterns = scratch / "patterns.txt"
    patterns.write_text("\n".join(f for f in kinds if "\n" not in f) + "\n", encoding="utf-8")
    grep = subprocess.run(
        ["grep", "-F", "-o", "-a", "-H", "--null", "-f", str(patterns), *map(str, files)], capture_output=True
    )
    assert grep.returncode in (0, 1), grep.stderr.decode(errors="replace")
    for line in grep.stdout.decode("utf-8", errors="replace").splitlines():
        name, _, form = line.partition("\0")
        found.append((kinds.get(form, "?"), form, str(Path(name).relative_to(tmp))))
    multi_line = [f.encode() for f in kinds if "\n" in f]
    for p in files:
        blob = p.read_bytes()
        found += [(kinds[f.decode()], f.decode(), str(p.relative_to(tmp))) for f in multi_line if f in blob]
    return found


def test_no_planted_value_in_any_file_slmc_wrote(compiled: dict, tmp_path: Path) -> None:
    tmp, files = compiled["tmp"], compiled["files"]
    assert sum(p.stat().st_size for p in files) > 100_000, "the compile wrote (almost) nothing: the test proves nothing"
    kinds = {form: kind for kind, values in compiled["forms"].items() for v in values for form in _variants(kind, v)}
    assert len(kinds) >= 600
    # the search itself works: it finds the values in the planted input
    assert len({form for _, form, _ in _search([tmp / "traces.jsonl"], kinds, tmp_path, tmp)}) >= 250
    found = _search(files, kinds, tmp_path, tmp)
    found += [(kind, form, "<console>") for form, kind in kinds.items() if form in compiled["console"]]
    by_kind = Counter(kind for kind, _, _ in found)
    assert not found, f"{len(found)} planted forms found, by kind {dict(by_kind)}: {found[:10]}"


def test_no_written_file_holds_the_absolute_build_path(compiled: dict) -> None:
    prefixes = {str(compiled["tmp"]).encode(), os.path.realpath(compiled["tmp"]).encode()}
    holding = [
        str(p.relative_to(compiled["tmp"]))
        for p in compiled["files"]
        if any(prefix in p.read_bytes() for prefix in prefixes)
    ]
    assert holding == []
