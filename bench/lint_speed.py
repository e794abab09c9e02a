"""How fast is `slmc lint` next to just parsing the same files with libcst?

Generates a tree of Python files (most without LLM calls, some agent modules with clients and wrappers), then times:

* parse-only: read + ``libcst.parse_module`` of every file (the floor for a libcst-based linter),
* lint API:   ``slmc.lint.lint_paths`` in-process,
* lint CLI:   ``slmc lint DIR`` in a subprocess (includes interpreter start-up),

and prints seconds, files/s and the ratio lint / parse-only (target <= 1.5). ``--path DIR`` times a real tree instead.
``--profile`` prints the top functions of the in-process lint run.

    .venv/bin/python bench/lint_speed.py [--files 2000] [--path DIR] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLAIN_MODULE = '''"""Utilities for {name}."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)


@dataclasses.dataclass
class {cls}:
    name: str
    size: int = 0
    tags: tuple[str, ...] = ()

    def grow(self, by: int) -> {cls}:
        return dataclasses.replace(self, size=self.size + by)

    def describe(self) -> str:
        return f"{{self.name}} ({{self.size}}) [{{', '.join(self.tags)}}]"


def total(items: Iterable[{cls}]) -> int:
    out = 0
    for item in items:
        if item.size < 0:
            log.warning("negative size in %s", item.name)
            continue
        out += item.size
    return out


def by_tag(items: Iterable[{cls}]) -> dict[str, list[{cls}]]:
    groups: dict[str, list[{cls}]] = {{}}
    for item in items:
        for tag in item.tags:
            groups.setdefault(tag, []).append(item)
    return groups
'''

EXTRA_FUNCTION = '''

def helper_{i}(values: list[int], limit: int = {limit}) -> list[int]:
    """Keep values under the limit, sorted."""
    kept = [v for v in values if v < limit]
    kept.sort()
    if len(kept) > 10:
        return kept[:10]
    return kept
'''

AGENT_MODULE = '''"""Agent step {name}."""

from __future__ import annotations

import json

from openai import OpenAI

client = OpenAI()
LABELS = ("billing", "shipping", "technical")


def ask_llm(prompt: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o-2024-08-06",
        messages=[{{"role": "user", "content": prompt}}],
        temperature=0,
    )
    return resp.choices[0].message.content or ""


def classify_{i}(ticket: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o",
        messages=[
            {{"role": "system", "content": "Classify the ticket into exactly one of: billing, shipping, technical."}},
            {{"role": "user", "content": ticket}},
        ],
        temperature=0,
        max_tokens=4,
    )
    label = (resp.choices[0].message.content or "").strip()
    return label if label in LABELS else "other"


def extract_{i}(ticket: str) -> dict:
    resp = client.chat.completions.create(
        model="gpt-4o-2024-08-06",
        messages=[{{"role": "user", "content": f"Extract the order id as JSON: {{ticket}}"}}],
        response_format={{"type": "json_object"}},
    )
    return json.loads(resp.choices[0].message.content or "{{}}")


def reply_{i}(ticket: str) -> str:
    urgent = ask_llm(f"Answer yes or no: is this urgent? {{ticket}}")
    return ask_llm(f"Write a friendly reply (urgent={{urgent}}): {{ticket}}")
'''


def generate_tree(root: Path, files: int, agent_share: float = 0.08, seed: int = 0) -> int:
    """Write ``files`` Python modules under ``root`` in nested packages; returns the number of agent modules."""
    rng = random.Random(seed)
    agents = 0
    for i in range(files):
        package = root / f"pkg{i % 20}" / f"sub{(i // 20) % 10}"
        package.mkdir(parents=True, exist_ok=True)
        if rng.random() < agent_share:
            text = AGENT_MODULE.format(name=f"agent{i}", i=i)
            agents += 1
        else:
            text = PLAIN_MODULE.format(name=f"module{i}", cls=f"Item{i}")
            text += "".join(EXTRA_FUNCTION.format(i=k, limit=rng.randint(5, 500)) for k in range(rng.randint(0, 6)))
        (package / f"mod_{i}.py").write_text(text)
    return agents


def python_files(root: Path) -> list[Path]:
    from slmc.compiler.config import load_config
    from slmc.lint.api import discover_files

    return [f.path for f in discover_files([root], load_config([root])) if not f.problem]


def time_parse_only(files: list[Path]) -> float:
    import libcst

    start = time.perf_counter()
    for path in files:
        try:
            libcst.parse_module(path.read_bytes())
        except Exception:  # a real tree may hold files libcst rejects; they still cost time
            pass
    return time.perf_counter() - start


def time_lint_api(root: Path, profile: bool) -> tuple[float, int]:
    from slmc.lint import lint_paths

    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    report = lint_paths([root])
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())
    return seconds, len(report.diagnostics)


def time_lint_cli(root: Path) -> float:
    exe = Path(sys.executable).with_name("slmc")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "slmc.compiler.cli"]
    start = time.perf_counter()
    done = subprocess.run(
        [*cmd, "lint", str(root), "--output-format", "concise", "--exit-zero"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        print(f"slmc lint CLI exited {done.returncode}: {done.stderr.strip()[:500]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=2000, help="files to generate (default 2000)")
    parser.add_argument("--path", type=Path, help="time this tree instead of a generated one")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is reported")
    parser.add_argument("--profile", action="store_true", help="profile one in-process lint run")
    parser.add_argument("--no-cli", action="store_true", help="skip the subprocess CLI timing")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="slmc-lint-bench-") as tmp:
        if args.path:
            root = args.path.resolve()
            print(f"tree: {root}")
        else:
            root = Path(tmp) / "tree"
            agents = generate_tree(root, args.files)
            print(f"tree: {args.files} generated files ({agents} agent modules) in {root}")
        files = python_files(root)
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        print(f"files: {len(files)} Python files, {size_mb:.1f} MB")

        parse = min(time_parse_only(files) for _ in range(args.repeat))
        runs = [time_lint_api(root, profile=False) for _ in range(args.repeat)]
        lint = min(s for s, _ in runs)
        findings = runs[0][1]
        cli = None if args.no_cli else min(time_lint_cli(root) for _ in range(max(1, args.repeat - 1)))

        def row(label: str, seconds: float) -> str:
            return f"{label:<24} {seconds:8.3f} s   {len(files) / seconds:9.0f} files/s   {seconds / parse:5.2f}x parse"

        print(row("libcst parse-only", parse))
        print(row("slmc lint (API)", lint) + f"   {findings} findings")
        if cli is not None:
            print(row("slmc lint (CLI)", cli))
        verdict = "meets" if lint <= 1.5 * parse else "misses"
        print(f"ratio lint API / parse-only: {lint / parse:.2f} ({verdict} the <= 1.5x target)")
        if args.profile:
            time_lint_api(root, profile=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
