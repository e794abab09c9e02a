"""How fast is `slmc lint` next to just parsing the same files with libcst?

Generates a tree of Python files (most without LLM calls, some agent modules with clients and wrappers), then times:

* parse-only: read + ``libcst.parse_module`` of every file (the floor for a libcst-based linter),
* lint API:   ``slmc.lint.lint_paths`` in-process,
* lint CLI:   ``slmc lint DIR --no-cache`` in a subprocess (includes interpreter start-up): a tree never seen,
* lint CLI, warm: ``slmc lint DIR`` again on the unchanged tree with the result cache of a first run (the common case
  of a pre-commit hook); the cache lives in a temporary folder of this run,

* semgrep:    ``semgrep scan`` with one call-site rule (``client.chat.completions.create(...)``) in a subprocess, when
  semgrep is found (``--semgrep PATH``, else on PATH or next to this Python),
* cold start: ``slmc lint`` (the console script, else ``python -m slmc``) on one small file, next to a bare ``python``,

and prints seconds, files/s and the ratios lint / parse-only (target <= 1.5) and lint CLI / semgrep (target <= 1.0),
as wall time and as CPU time (user + system, children included: steadier on a shared machine). ``--path DIR`` times a
real tree instead. ``--profile`` prints the top functions of the in-process lint run.

    .venv/bin/python bench/lint_speed.py [--files 2000] [--path DIR] [--repeat 3] [--semgrep PATH] [--profile] [--compile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import resource
import shutil
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


SEMGREP_RULE = """rules:
  - id: llm-call-site
    languages: [python]
    severity: INFO
    message: LLM call site
    pattern: $CLIENT.chat.completions.create(...)
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_command(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall seconds, CPU seconds of the child, result) of one subprocess run."""
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=cwd)
    return time.perf_counter() - start, _children_cpu() - cpu, done


def time_parse_only(files: list[Path]) -> tuple[float, float]:
    import libcst

    start, cpu = time.perf_counter(), time.process_time()
    for path in files:
        try:
            libcst.parse_module(path.read_bytes())
        except Exception:  # a real tree may hold files libcst rejects; they still cost time
            pass
    return time.perf_counter() - start, time.process_time() - cpu


def time_lint_api(root: Path, profile: bool) -> tuple[float, int, float]:
    from slmc.lint import lint_paths

    profiler = cProfile.Profile() if profile else None
    start, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    report = lint_paths([root])
    if profiler:
        profiler.disable()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())
    return seconds, len(report.diagnostics), cpu


def slmc_command() -> list[str]:
    exe = Path(sys.executable).with_name("slmc")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "slmc"]


def time_lint_cli(root: Path, cache: Path | None = None) -> tuple[float, float]:
    """One ``slmc lint`` run: without the result cache, or with the cache in ``cache``."""
    flags = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    cmd = [*slmc_command(), "lint", str(root), "--output-format", "concise", "--exit-zero", *flags]
    wall, cpu, done = time_command(cmd)
    if done.returncode != 0:
        print(f"slmc lint CLI exited {done.returncode}: {done.stderr.strip()[:500]}")
    return wall, cpu


def find_semgrep(given: str | None) -> str | None:
    if given:
        return given
    here = Path(sys.executable).with_name("semgrep")
    return str(here) if here.exists() else shutil.which("semgrep")


def time_semgrep(semgrep: str, root: Path, rule: Path) -> tuple[float, float, int]:
    cmd = [semgrep, "scan", "--config", str(rule), "--metrics", "off", "--disable-version-check", "--json", "--quiet"]
    wall, cpu, done = time_command([*cmd, str(root)])
    try:
        import json

        found = len(json.loads(done.stdout).get("results", []))
    except ValueError:
        print(f"semgrep exited {done.returncode}: {done.stderr.strip()[:500]}")
        found = -1
    return wall, cpu, found


def time_cold_start(tmp: Path, repeat: int) -> tuple[float, float, float, float]:
    """Best (wall, CPU) of ``slmc lint`` on one small file, and of a bare ``python -c pass``."""
    small = tmp / "cold"
    small.mkdir()
    (small / "f.py").write_text("import os\n\n\ndef f(x):\n    return os.path.join(x, 'y')\n")
    # each run is a first run: an empty result cache of its own (its key is taken and the entry written)
    lint = [
        time_command([*slmc_command(), "lint", "f.py", "--cache-dir", str(tmp / f"cold-cache-{i}")], cwd=small)[:2]
        for i in range(repeat)
    ]
    bare = [time_command([sys.executable, "-c", "pass"], cwd=small)[:2] for _ in range(repeat)]
    return min(w for w, _ in lint), min(c for _, c in lint), min(w for w, _ in bare), min(c for _, c in bare)


def bytecode_cached() -> bool:
    """Whether the slmc that ``slmc lint`` imports has its compiled bytecode on disk: without it (a source tree run with
    ``PYTHONDONTWRITEBYTECODE=1``) every start compiles each module it imports first, which an installed package
    (compiled at install) never does."""
    import importlib.util

    import slmc.lint.api

    return Path(importlib.util.cache_from_source(slmc.lint.api.__file__)).exists()


def compile_bytecode() -> None:
    """Write the bytecode of the slmc package being timed (``python -m compileall``; ``__pycache__`` is ignored)."""
    import slmc

    package = Path(slmc.__file__).parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=False, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=2000, help="files to generate (default 2000)")
    parser.add_argument("--path", type=Path, help="time this tree instead of a generated one")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is reported")
    parser.add_argument("--profile", action="store_true", help="profile one in-process lint run")
    parser.add_argument("--no-cli", action="store_true", help="skip the subprocess CLI timing")
    parser.add_argument("--semgrep", help="the semgrep executable (default: on PATH or next to this Python)")
    parser.add_argument(
        "--compile", action="store_true", help="write slmc's bytecode first (the cold start of an installed package)"
    )
    args = parser.parse_args()
    if args.compile:
        compile_bytecode()

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

        parses = [time_parse_only(files) for _ in range(args.repeat)]
        parse, parse_cpu = min(w for w, _ in parses), min(c for _, c in parses)
        runs = [time_lint_api(root, profile=False) for _ in range(args.repeat)]
        lint, lint_cpu = min(r[0] for r in runs), min(r[2] for r in runs)
        findings = runs[0][1]
        clis = [] if args.no_cli else [time_lint_cli(root) for _ in range(max(1, args.repeat - 1))]
        cli = min((w for w, _ in clis), default=None)
        cli_cpu = min((c for _, c in clis), default=None)
        warm_cache = Path(tmp) / "lint-cache"
        if not args.no_cli:
            time_lint_cli(root, warm_cache)  # fills the cache
        warms = [] if args.no_cli else [time_lint_cli(root, warm_cache) for _ in range(max(1, args.repeat - 1))]
        warm = min((w for w, _ in warms), default=None)
        warm_cpu = min((c for _, c in warms), default=None)
        semgrep = find_semgrep(args.semgrep)
        sg = None
        if semgrep:
            rule = Path(tmp) / "rule.yaml"
            rule.write_text(SEMGREP_RULE)
            sgs = [time_semgrep(semgrep, root, rule) for _ in range(max(1, args.repeat - 1))]
            sg = (min(r[0] for r in sgs), min(r[1] for r in sgs), sgs[0][2])
        cold = time_cold_start(Path(tmp), max(3, args.repeat))

        def row(label: str, seconds: float, cpu: float) -> str:
            return (
                f"{label:<24} {seconds:8.3f} s   {len(files) / seconds:9.0f} files/s   {seconds / parse:5.2f}x parse"
                f"   cpu {cpu:8.3f} s"
            )

        print(row("libcst parse-only", parse, parse_cpu))
        print(row("slmc lint (API)", lint, lint_cpu) + f"   {findings} findings")
        if cli is not None and cli_cpu is not None:
            print(row("slmc lint (CLI)", cli, cli_cpu))
        if warm is not None and warm_cpu is not None:
            print(row("slmc lint (CLI, warm)", warm, warm_cpu))
        if sg is not None:
            print(row("semgrep, 1 rule (CLI)", sg[0], sg[1]) + f"   {sg[2]} results   ({semgrep})")
        verdict = "meets" if lint <= 1.5 * parse else "misses"
        print(
            f"ratio lint API / parse-only: {lint / parse:.2f} wall, {lint_cpu / parse_cpu:.2f} cpu ({verdict} <= 1.5x)"
        )
        if sg is not None and cli is not None and cli_cpu is not None:
            verdict = "meets" if cli <= sg[0] else "misses"
            print(f"ratio lint CLI / semgrep:    {cli / sg[0]:.2f} wall, {cli_cpu / sg[1]:.2f} cpu ({verdict} <= 1.0x)")
            if warm is not None and warm_cpu is not None:
                verdict = "meets" if warm <= sg[0] else "misses"
                print(
                    f"ratio lint CLI warm / semgrep: {warm / sg[0]:.2f} wall, {warm_cpu / sg[1]:.2f} cpu"
                    f" ({verdict} <= 1.0x; unchanged tree, result cache)"
                )
        elif not semgrep:
            print("semgrep: not found (pip install semgrep, or --semgrep PATH)")
        print(
            f"cold start, slmc lint on one small file: {cold[0]:.3f} s wall, {cold[1]:.3f} s cpu"
            f" (bare python: {cold[2]:.3f} s wall, {cold[3]:.3f} s cpu; target <= 0.15 s)"
        )
        if not bytecode_cached():
            print(
                "  (slmc's bytecode is not on disk: every start above compiled its modules first; --compile writes it)"
            )
        if args.profile:
            time_lint_api(root, profile=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
