"""Frontend figures: recall/precision over the fixture expectations, and speed next to libcst parse-only.

* accuracy: every ``# expect:`` item of ``tests/frontend/fixtures`` is a labelled site (``expect: none`` lines are
  labelled negatives); prints recall and precision of the found sites, per site kind, and how many extra field checks
  (model, labels, consumers, prompt, ...) hold.
* speed: a tree of ``--files`` real Python files (standard-library modules as the plain code, the fixture agents as
  the LLM modules, ``--agent-share`` of the files), timed as libcst parse-only vs ``analyze_paths``; prints the ratio
  (target <= 1.5) and where the frontend spends its time.

    .venv/bin/python bench/frontend_bench.py [--files 2000] [--agent-share 0.1] [--skip-speed]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import shutil
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from pathlib import Path

import libcst as cst

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from frontend.expectations import check_extras, expectations, fixture_cases, found  # noqa: E402

from slmc.frontend import analyze_paths  # noqa: E402


def accuracy() -> None:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    checks = failed_checks = negatives = 0
    for case in fixture_cases():
        root = case if case.is_dir() else case.parent
        graph, _ = analyze_paths([case], root=root)
        expected, nneg = expectations(case)
        negatives += nneg
        want = {(e.path, e.line, e.key): e for e in expected}
        got = found(graph)
        for key in set(want) | set(got):
            kind = key[2][0]
            if key in want and key in got:
                tp[kind] += 1
                checks += len(want[key].extras)
                failed_checks += len(check_extras(graph, got[key], want[key].extras))
            elif key in got:
                fp[kind] += 1
            else:
                fn[kind] += 1
    print(
        f"fixtures: {len(fixture_cases())} cases, {sum(tp.values()) + sum(fn.values())} labelled sites, {negatives} labelled negatives"
    )
    for kind in sorted(set(tp) | set(fp) | set(fn)):
        r = tp[kind] / max(tp[kind] + fn[kind], 1)
        p = tp[kind] / max(tp[kind] + fp[kind], 1)
        print(f"  {kind:15s} recall {r:6.1%}  precision {p:6.1%}  (tp {tp[kind]}, fn {fn[kind]}, fp {fp[kind]})")
    t, f, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    print(f"  {'all':15s} recall {t / max(t + n, 1):6.1%}  precision {t / max(t + f, 1):6.1%}")
    print(f"  field checks: {checks - failed_checks}/{checks} hold")


def build_tree(root: Path, files: int, agent_share: float, seed: int = 0) -> tuple[int, int]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    plain = [p for p in sorted(stdlib.glob("*.py")) if p.stat().st_size < 60_000]
    agents = [p for p in sorted((REPO / "tests/frontend/fixtures").rglob("*.py"))]
    rng = random.Random(seed)
    n_agents = 0
    for i in range(files):
        folder = root / f"pkg{i // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        if rng.random() < agent_share:
            src, n_agents = rng.choice(agents), n_agents + 1
        else:
            src = plain[i % len(plain)]
        shutil.copyfile(src, folder / f"m{i}.py")
    return files, n_agents


def speed(files: int, agent_share: float, profile: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="slmc-frontend-bench-") as tmp:
        root = Path(tmp)
        total, agents = build_tree(root, files, agent_share)
        paths = sorted(root.rglob("*.py"))
        size = sum(p.stat().st_size for p in paths)
        print(f"tree: {total} files ({agents} agent modules), {size / 1e6:.1f} MB")
        t = time.perf_counter()
        for p in paths:
            try:
                cst.parse_module(p.read_text(encoding="utf-8", errors="replace"))
            except cst.ParserSyntaxError:
                pass
        parse_s = time.perf_counter() - t
        prof = cProfile.Profile() if profile else None
        t = time.perf_counter()
        if prof:
            prof.enable()
        graph, diags = analyze_paths([root], root=root)
        if prof:
            prof.disable()
        frontend_s = time.perf_counter() - t
        kinds = Counter(str(s.site) for s in graph.sites())
        print(f"libcst parse-only   {parse_s:8.2f} s  {total / parse_s:7.0f} files/s")
        print(
            f"analyze_paths       {frontend_s:8.2f} s  {total / frontend_s:7.0f} files/s  {dict(kinds)}  {len(diags)} diagnostics"
        )
        print(f"ratio frontend / parse-only: {frontend_s / parse_s:.2f} (target <= 1.5)")
        if prof:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(40)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--agent-share", type=float, default=0.1)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    accuracy()
    if not args.skip_speed:
        speed(args.files, args.agent_share, args.profile)


if __name__ == "__main__":
    main()
