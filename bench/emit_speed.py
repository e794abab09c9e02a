"""Emit speed: libcst rewriting throughput on a large synthetic agent, and bundle writing time per target.

Usage: .venv/bin/python bench/emit_speed.py [--functions 500]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from slmc.codegen.bundle import write_bundle
from slmc.codegen.rewrite import SiteRewrite, rewrite_source
from slmc.ir.nodes import SiteKind

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from emit.graphs import support_workspace


def synthetic_agent(functions: int) -> tuple[str, dict[str, SiteRewrite]]:
    """``functions`` functions, each with one multi-line request and one wrapper-call; every other one accepted."""
    lines = ['"""Synthetic agent."""', "", "import openai", "", "client = openai.OpenAI()", ""]
    sites: dict[str, SiteRewrite] = {}
    for i in range(functions):
        lines += ["", "", f"def step_{i}(text):"]
        line = len(lines) + 1
        lines += [
            "    resp = client.chat.completions.create(",
            '        model="gpt-4o",  # teacher',
            '        messages=[{"role": "user", "content": text}],',
            "    )",
        ]
        call_line = len(lines) + 1
        lines += ["    return ask_llm(resp.choices[0].message.content)"]
        if i % 2 == 0:
            sid = f"llm:step_{i}@agent.py:{line}"
            sites[sid] = SiteRewrite(sid, SiteKind.REQUEST, "openai.chat", "chat.completions.create")
            wid = f"llm:step_{i}@agent.py:{call_line}"
            sites[wid] = SiteRewrite(wid, SiteKind.WRAPPER_CALL, "text", "ask_llm")
    return "\n".join(lines) + "\n", sites


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--functions", type=int, default=500)
    args = parser.parse_args()

    code, sites = synthetic_agent(args.functions)
    n_lines = code.count("\n")
    start = time.perf_counter()
    new, changes = rewrite_source(code, "agent.py", sites)
    first = time.perf_counter() - start
    start = time.perf_counter()
    again, _ = rewrite_source(new, "agent.py", sites)
    second = time.perf_counter() - start
    wrapped = sum(c.action == "wrapped" for c in changes)
    assert again == new and wrapped == len(sites)
    print(f"rewrite: {n_lines} lines, {wrapped} sites wrapped in {first:.2f}s ({n_lines / first:,.0f} lines/s)")
    print(f"rewrite again (idempotence check): {second:.2f}s, output unchanged")

    for target, extra in (
        ("vllm", {}),
        ("tensorrt-llm", {}),
        ("tensorrt-llm", {"engine": True}),
        ("llamacpp", {}),
        ("hf", {}),
    ):
        with tempfile.TemporaryDirectory() as tmp:
            graph, options = support_workspace(Path(tmp))
            runs = []
            for _ in range(5):
                start = time.perf_counter()
                result = write_bundle(graph, {**options, "target_options": extra}, Path(tmp) / "bundle", target)
                runs.append(time.perf_counter() - start)
            label = target + (" (engine)" if extra else "")
            print(f"bundle {label:<22} {len(result.files):>2} files, median {sorted(runs)[2] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
