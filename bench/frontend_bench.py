"""Frontend figures: recall/precision over the fixture expectations, and speed next to libcst parse-only.

* accuracy: every ``# expect:`` item of ``tests/frontend/fixtures`` is a labelled site (``expect: none`` lines are
  labelled negatives); prints recall and precision of the found sites, per site kind, and how many extra field checks
  (model, labels, consumers, prompt, ...) hold.
* speed: a tree of ``--files`` real Python files (standard-library modules as the plain code, the fixture agents as
  the LLM modules, ``--agent-share`` of the files), timed as libcst parse-only vs ``analyze_paths``; prints the ratio
  (target <= 1.5) and where the frontend spends its time.

* corpus (``--corpus``): the hand-labelled real repositories of ``bench/corpus`` (labels by
  ``../shared/design/CALLSITES.md``; trees re-created in a cache folder outside the project, ``--cache``, exported
  from bare mirrors with ``--mirror`` when missing). Per repository and overall: call recall, wrapper recall,
  precision inside the labelled scope (look-alikes included), triage agreement on sites labelled narrow /
  open-ended with the confusion matrix, the case-study figure (share of labelled sites narrow by the labels vs by
  slmc), crashes / internal errors over the WHOLE tree and the time per repository.

    .venv/bin/python bench/frontend_bench.py [--files 2000] [--agent-share 0.1] [--skip-speed]
    .venv/bin/python bench/frontend_bench.py --corpus [--cache ~/.cache/slmc/corpus] [--mirror /work/.mirror] [--repo X]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import hashlib
import os
import pstats
import random
import shutil
import subprocess
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


# ---- the real-agent corpus -------------------------------------------------------------------------------------------
CORPUS = REPO / "bench" / "corpus"
CALL_KINDS = ("request", "wrapper-call", "framework-task")
VERDICTS = ("narrow", "open-ended", "unclear")


def corpus_repos(only: list[str] | None) -> list[dict[str, str]]:
    with open(CORPUS / "repos.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("repo")]
    return [r for r in rows if not only or r["repo"] in only or r["repo"].split("/")[-1] in only]


def corpus_labels(repo: str) -> list[dict[str, str]]:
    path = CORPUS / "labels" / (repo.replace("/", "__") + ".csv")
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r.get("path")]


def tree_for(repo: str, commit: str, cache: Path, mirror: Path | None) -> Path | None:
    """The exported tree of ``repo`` at ``commit`` in the cache; exported from a bare mirror when missing."""
    tree = cache / repo.replace("/", "__")
    if tree.is_dir() and any(tree.iterdir()):
        return tree
    if mirror is None:
        return None
    candidates = [p.parent for p in (mirror / repo.replace("/", "+")).rglob("HEAD") if (p.parent / "objects").is_dir()]
    if not candidates:
        return None
    tree.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "--git-dir", str(candidates[0]), "archive", commit], capture_output=True, check=False
    )
    if archive.returncode == 0:
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        return tree
    # snapshots may lack some blobs (large binaries): export blob by blob, skipping the missing ones
    written = export_present_blobs(candidates[0], commit, tree)
    print(
        f"{repo}: git archive failed ({archive.stderr.decode(errors='replace').strip().splitlines()[0]}); "
        f"exported {written} files blob by blob, skipping blobs missing from the mirror"
    )
    return tree if written else None


def export_present_blobs(git_dir: Path, commit: str, tree: Path) -> int:
    """Write every regular-file blob of ``commit`` that the mirror holds under ``tree``; returns the count."""
    listing = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-z", commit], capture_output=True, check=False
    )
    if listing.returncode != 0:
        return 0
    root = tree.resolve()
    written = 0
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        if kind != "blob" or mode not in ("100644", "100755"):
            continue
        target = (root / name.decode("utf-8", errors="replace")).resolve()
        if not target.is_relative_to(root):
            continue
        blob = subprocess.run(["git", "--git-dir", str(git_dir), "cat-file", "blob", sha], capture_output=True)
        if blob.returncode != 0:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob.stdout)
        written += 1
    return written


def line_sha1(tree: Path, path: str, line: int) -> str | None:
    try:
        lines = (tree / path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    if not 1 <= line <= len(lines):
        return None
    return hashlib.sha1(lines[line - 1].strip().encode("utf-8")).hexdigest()


def in_scope(path: str, scope: list[str]) -> bool:
    return any(path == s or path.startswith(s.rstrip("/") + "/") for s in scope) if scope else True


def given_site(analysis, graph, lab: dict[str, str], ids: str):
    """Site-given triage: a labelled call site the frontend did not find, rebuilt from the source at its location.

    The call expression starting inside ``[line, end_line]`` of ``lab['path']`` becomes a request node whose prompt is
    the text of each of its arguments (constants, templates and files followed by the frontend's evaluator)."""
    from slmc.frontend.index import module_name_for
    from slmc.ir import EdgeKind, LLMCall, Loc, Message, Prompt, SiteKind, site_id

    name, _ = module_name_for(lab["path"])
    mod = analysis.project.module(name) or analysis.project.module(lab["path"])
    if mod is None:
        return None
    lo, hi = int(lab["line"]), int(lab.get("end_line") or lab["line"])
    best = None
    for scope in mod.scopes:
        for info in scope.calls:
            pos = mod.pos(info.node)
            if pos is None or not lo <= pos.start.line <= hi:
                continue
            if best is None or (pos.start.line, -len(mod.code(info.node))) < best[0]:
                best = ((pos.start.line, -len(mod.code(info.node))), info)
    if best is None:
        return None
    info = best[1]
    import libcst as cst_

    def leaves(expr, scope, depth: int = 0):
        """String leaves of an argument: list / tuple / dict items, names bound once in the function followed."""
        if depth < 5 and isinstance(expr, cst_.List | cst_.Tuple):
            for el in expr.elements:
                yield from leaves(el.value, scope, depth + 1)
        elif depth < 5 and isinstance(expr, cst_.Dict):
            for el in expr.elements:
                if isinstance(el, cst_.DictElement):
                    yield from leaves(el.value, scope, depth + 1)
        elif depth < 5 and isinstance(expr, cst_.Name) and scope.kind == "function":
            bound = [b for b in (scope.bindings.get(expr.value) or []) if b[0] == "expr"]
            if len(bound) == 1 and isinstance(bound[0][1], cst_.List | cst_.Tuple | cst_.Dict):
                yield from leaves(bound[0][1], bound[0][2], depth + 1)
            else:
                yield expr, scope
        else:
            yield expr, scope

    messages = []
    for a in info.node.args:
        for expr, scope in leaves(a.value, info.scope):
            try:
                text = analysis.ev.text(expr, scope)
            except Exception:
                continue
            messages.append(Message("user", text.parts, text.origin))
    sid = site_id(info.scope.function_name, lab["path"], lo) + ids
    site = LLMCall(sid, site=SiteKind.REQUEST, loc=Loc(lab["path"], lo), function=info.scope.function_name)
    graph.add(site)
    prompt = Prompt(id="prompt:" + sid, messages=tuple(messages))
    graph.add(prompt)
    graph.add_edge(prompt.id, sid, EdgeKind.PROMPT)
    return site


def prompt_snippet(graph, site, width: int = 160) -> str:
    request = graph.request_of(site.id)
    texts = []
    for s in (site, request):
        p = graph.prompt_of(s.id) if s is not None else None
        if p is not None:
            texts += [m.template() for m in p.messages]
    text = " | ".join(" ".join(t.split()) for t in texts)
    return text[:width]


def score_repo(row: dict[str, str], tree: Path, given: bool = False, evidence: bool = False) -> dict:
    """Match predictions to labels: same path, predicted line inside [line, end_line], wrappers against wrappers and
    calls against calls; each label and each prediction used once. ``given``: also triage every labelled call site
    the frontend missed, rebuilt from the source at its location (``confusion_given``); ``evidence``: also keep each
    triaged site's evidence features (``evidence``, parallel to ``triaged``) for bench/triage_model.py."""
    from slmc.frontend.project import Analysis, source_files
    from slmc.passes.triage import multi_task_wrappers, site_evidence, site_features, triage_site

    labels = corpus_labels(row["repo"])
    scope = [s.strip() for s in row.get("scope", "").split(";") if s.strip()]
    misaligned = sum(1 for lab in labels if line_sha1(tree, lab["path"], int(lab["line"])) != lab["line_sha1"])
    t = time.perf_counter()
    crash = None
    try:
        analysis = Analysis(tree)
        for f in source_files([tree], tree):
            if f.problem:
                analysis.diag(f.relpath, 1, "E003", f.problem)
            else:
                analysis.add_file(f.relpath, f.path)
        graph = analysis.run()
        diags = analysis.diagnostics
        multi = multi_task_wrappers(graph)
        sites = list(graph.sites())
        verdicts = {}
        for s in sites:
            try:
                verdicts[s.id] = str(triage_site(graph, s, multi).verdict)
            except Exception as exc:
                crash = crash or f"triage: {type(exc).__name__}: {exc}"
    except Exception as exc:
        return {"repo": row["repo"], "crash": f"{type(exc).__name__}: {exc}", "seconds": time.perf_counter() - t}
    seconds = time.perf_counter() - t
    internal = [d for d in diags if "internal error" in d.message]
    preds = []
    for s in sites:
        cls = "wrapper" if str(s.site) == "wrapper" else "call"
        preds.append({"path": s.loc.path, "line": s.loc.line, "cls": cls, "verdict": verdicts.get(s.id), "site": s})
    used: set[int] = set()
    matched: list[tuple[dict, dict | None]] = []
    for lab in labels:
        cls = "wrapper" if lab["kind"] == "wrapper" else "call" if lab["kind"] in CALL_KINDS else "none"
        lo, hi = int(lab["line"]), int(lab.get("end_line") or lab["line"])
        hit = None
        for i, p in enumerate(preds):
            if (
                i not in used
                and p["path"] == lab["path"]
                and lo <= p["line"] <= hi
                and (cls == "none" or p["cls"] == cls)
            ):
                hit = i
                break
        if hit is not None and cls != "none":
            used.add(hit)
        matched.append((lab, preds[hit] if hit is not None else None))
    calls = [(lab, p) for lab, p in matched if lab["kind"] in CALL_KINDS]
    wrappers = [(lab, p) for lab, p in matched if lab["kind"] == "wrapper"]
    scoped = [i for i, p in enumerate(preds) if in_scope(p["path"], scope)]
    lookalike = {id(p): lab for lab, p in matched if lab["kind"] == "none" and p}
    for p in preds:
        p["why"] = f"look-alike: {lookalike[id(p)]['reason']}" if id(p) in lookalike else _why(analysis, p["site"])
    true_pos = sum(1 for i in scoped if i in used)
    confusion: Counter[tuple[str, str]] = Counter()
    confusion_given: Counter[tuple[str, str]] = Counter()
    triaged: list[tuple] = []  # label, verdict, site, how found, reasons
    weighed: list[dict[str, float]] = []  # each triaged site's features (slmc.passes.triage.site_features)
    for lab, p in calls:
        if lab["label"] not in VERDICTS:
            continue
        confusion[(lab["label"], (p["verdict"] or "?") if p else "missed")] += 1
        if not given:
            continue
        if p is not None:
            confusion_given[(lab["label"], p["verdict"] or "?")] += 1
            triaged.append((lab, p["verdict"] or "?", p["site"], "found", triage_site(graph, p["site"], multi).reasons))
            if evidence:
                weighed.append(site_features(graph, p["site"], site_evidence(graph, p["site"], multi)))
            continue
        try:
            site = given_site(analysis, graph, lab, f"#given{len(triaged)}")
            result = triage_site(graph, site) if site is not None else None
        except Exception as exc:
            crash = crash or f"given: {type(exc).__name__}: {exc}"
            site, result = None, None
        verdict = str(result.verdict) if result is not None else "missed"
        confusion_given[(lab["label"], verdict)] += 1
        triaged.append((lab, verdict, site, "given", result.reasons if result is not None else ()))
        if evidence:
            weighed.append(site_features(graph, site, site_evidence(graph, site)) if site is not None else {})
    return {
        "repo": row["repo"],
        "seconds": seconds,
        "files": len({s.loc.path for s in sites}),
        "labels": len(labels),
        "misaligned": misaligned,
        "calls": (sum(1 for _, p in calls if p), len(calls)),
        "wrappers": (sum(1 for _, p in wrappers if p), len(wrappers)),
        "precision": (true_pos, len(scoped)),
        "lookalikes": sum(1 for lab, p in matched if lab["kind"] == "none" and p),
        "confusion": confusion,
        "confusion_given": confusion_given,
        "triaged": [
            (lab, v, s, how, why, prompt_snippet(graph, s) if s is not None else "") for lab, v, s, how, why in triaged
        ],
        "evidence": weighed,
        "internal": len(internal),
        "crash": crash,
        "missed": [lab for lab, p in calls + wrappers if not p],
        "false": [preds[i] for i in scoped if i not in used],
    }


def _why(analysis, site) -> str:
    """Why slmc reported ``site`` (an IR node): the wrapper rule that made a function a wrapper; for a wrapper-call
    its callee and whether the call was typed or resolved late from an untyped object; for a request its API."""
    kind = str(site.site)
    if kind == "wrapper":
        for key, why in analysis.why.items():
            scope = analysis.ev.scopes.get(key)
            if scope is not None and scope.module.path == site.loc.path and scope.line == site.loc.line:
                return f"wrapper: {why}"
        return "wrapper"
    for s in analysis.sites.values():
        pos = s.info.scope.module.pos(s.info.node)
        if pos is None or s.info.scope.module.path != site.loc.path or pos.start.line != site.loc.line:
            continue
        if s.callee is not None:
            return f"calls {s.callee} ({analysis.why.get(str(s.key), 'typed')})"
        return f"{s.site} {s.client} {s.api}"
    return kind


def _pct(pair: tuple[int, int]) -> str:
    return f"{pair[0] / pair[1]:6.1%} ({pair[0]}/{pair[1]})" if pair[1] else "     - (0/0)"


def _agreement(conf: Counter) -> tuple[int, int]:
    ok = sum(n for (lab, got), n in conf.items() if lab in ("narrow", "open-ended") and lab == got)
    return ok, sum(n for (lab, _), n in conf.items() if lab in ("narrow", "open-ended"))


def _narrow_share(conf: Counter) -> tuple[float, float]:
    total = sum(conf.values())
    if not total:
        return 0.0, 0.0
    by_label = sum(n for (lab, _), n in conf.items() if lab == "narrow") / total
    by_slmc = sum(n for (_, got), n in conf.items() if got == "narrow") / total
    return by_label, by_slmc


def _print_confusion(conf: Counter, cols: list[str]) -> None:
    print(f"{'':12s}" + "".join(f"{c:>11s}" for c in cols))
    for lab in VERDICTS:
        print(f"{lab:12s}" + "".join(f"{conf[(lab, c)]:11d}" for c in cols))


def _found_agreement(conf: Counter) -> tuple[int, int]:
    ok, _ = _agreement(conf)
    return ok, sum(n for (lab, got), n in conf.items() if lab in ("narrow", "open-ended") and got != "missed")


def corpus(
    cache: Path,
    mirror: Path | None,
    only: list[str] | None,
    show: int,
    given: bool = False,
    triage_show: bool = False,
    false_show: bool = False,
) -> None:
    results = []
    for row in corpus_repos(only):
        tree = tree_for(row["repo"], row["commit"], cache, mirror)
        if tree is None:
            print(f"{row['repo']}: no tree in {cache} (give --mirror, or fetch it); skipped")
            continue
        results.append(score_repo(row, tree, given))
    if not results:
        print("corpus: nothing scored")
        return
    header = f"{'repository':34s} {'call recall':>18s} {'wrapper recall':>18s} {'precision':>18s} {'triage agree':>18s}"
    print(header + "  narrow labels/slmc   look-alikes  internal  misaligned  seconds")
    total: dict[str, list[int]] = {"calls": [0, 0], "wrappers": [0, 0], "precision": [0, 0]}
    conf_all: Counter[tuple[str, str]] = Counter()
    for r in results:
        if "calls" not in r:
            print(f"{r['repo']:34s} CRASH {r['crash']}")
            continue
        for key in total:
            total[key][0] += r[key][0]
            total[key][1] += r[key][1]
        conf_all.update(r["confusion"])
        nl, ns = _narrow_share(r["confusion"])
        print(
            f"{r['repo']:34s} {_pct(r['calls']):>18s} {_pct(r['wrappers']):>18s} {_pct(r['precision']):>18s} "
            f"{_pct(_agreement(r['confusion'])):>18s}  {nl:5.0%} / {ns:4.0%}  {r['lookalikes']:11d}  "
            f"{r['internal']:8d}  {r['misaligned']:10d}  {r['seconds']:7.1f}"
            + (f"  CRASH {r['crash']}" if r["crash"] else "")
        )
    nl, ns = _narrow_share(conf_all)
    print(
        f"{'overall':34s} {_pct(tuple(total['calls'])):>18s} {_pct(tuple(total['wrappers'])):>18s} "
        f"{_pct(tuple(total['precision'])):>18s} {_pct(_agreement(conf_all)):>18s}  {nl:5.0%} / {ns:4.0%}"
    )
    print("targets: call recall >= 97 %, wrapper recall >= 95 %, precision >= 97 %, triage agreement >= 90 %")
    print(f"triage agreement on found sites: {_pct(_found_agreement(conf_all))}")
    print("\ntriage confusion (rows: label, columns: slmc; 'missed' = site not found)")
    _print_confusion(conf_all, [*VERDICTS, "?", "missed"])
    if given:
        given_all: Counter[tuple[str, str]] = Counter()
        print("\ntriage with the site given (missed sites rebuilt from the source at the labelled line)")
        for r in results:
            if "confusion_given" in r:
                given_all.update(r["confusion_given"])
                print(f"  {r['repo']:34s} {_pct(_agreement(r['confusion_given'])):>18s}")
        print(f"  {'overall':34s} {_pct(_agreement(given_all)):>18s}")
        _print_confusion(given_all, [*VERDICTS, "?", "missed"])
    if triage_show:
        for r in results:
            for lab, verdict, _site, how, why, snippet in r.get("triaged", []):
                mark = "ok " if verdict == lab["label"] else "BAD"
                reasons = "; ".join(why[:4])
                print(
                    f"{mark} {lab['label']:10s} -> {verdict:10s} {how:5s} {r['repo'].split('/')[-1]}:{lab['path']}:{lab['line']} "
                    f"[{lab['reason']}] {{{reasons}}}\n      {snippet}"
                )
    if show:
        for r in results:
            if "missed" not in r:
                continue
            print(f"\n{r['repo']}: first missed sites")
            for lab in r["missed"][:show]:
                print(f"  miss  {lab['path']}:{lab['line']} {lab['kind']} {lab['client']} ({lab['reason']})")
            for p in r["false"][:show]:
                print(f"  extra {p['path']}:{p['line']} {p['cls']} {p['site'].client} {p['site'].api}")
    if false_show:
        for r in results:
            print(f"\n{r['repo']}: false positives in scope ({len(r.get('false', []))})")
            for p in r.get("false", []):
                print(f"  fp {p['path']}:{p['line']} {p['site'].site} {p['site'].function} -- {p['why']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--agent-share", type=float, default=0.1)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--corpus", action="store_true", help="score the real-repository corpus instead")
    ap.add_argument("--cache", type=Path, default=Path(os.path.expanduser("~/.cache/slmc/corpus")))
    ap.add_argument("--mirror", type=Path, default=None, help="folder of bare mirrors (<owner>+<name>/...)")
    ap.add_argument("--repo", action="append", help="only this repository (owner/name or name); repeatable")
    ap.add_argument("--given", action="store_true", help="also score triage with every labelled call site given")
    ap.add_argument("--triage-show", action="store_true", help="print each labelled site's triage (needs --given)")
    ap.add_argument("--show", type=int, default=0, help="print the first N missed and extra sites per repository")
    ap.add_argument(
        "--false-positives", action="store_true", help="list every false positive in scope: path:line, kind, why"
    )
    args = ap.parse_args()
    if args.corpus:
        corpus(args.cache, args.mirror, args.repo, args.show, args.given, args.triage_show, args.false_positives)
        return
    accuracy()
    if not args.skip_speed:
        speed(args.files, args.agent_share, args.profile)


if __name__ == "__main__":
    main()
