"""The append-only store: several processes appending at once, a writer killed mid-run, torn lines isolated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from slmc.traces.ingest import IngestReport, iter_traces, read_traces
from slmc.traces.record import TraceRecord
from slmc.traces.store import TraceStore, write_records

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from slmc.traces.record import TraceRecord
from slmc.traces.store import TraceStore
path, worker, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with TraceStore(path) as store:
    for i in range(n):
        size = 70_000 if i % 50 == 0 else 10 + i % 300  # some records far larger than a pipe buffer
        store.append(TraceRecord(source="slmc", id=f"{worker}-{i}", output="x" * size, meta={"worker": worker, "i": i}))
"""


def _run_writer(path: Path, worker: int, n: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(worker), str(n)], cwd=ROOT)


def test_concurrent_processes_never_interleave_or_lose_lines(tmp_path):
    path = tmp_path / "traces.jsonl"
    workers, n = 4, 300
    procs = [_run_writer(path, w, n) for w in range(workers)]
    assert [p.wait(timeout=120) for p in procs] == [0] * workers
    records, problems = read_traces([path])
    assert problems == []
    seen = defaultdict(list)
    for rec in records:
        seen[rec.meta["worker"]].append(rec.meta["i"])
        assert len(rec.output) == (70_000 if rec.meta["i"] % 50 == 0 else 10 + rec.meta["i"] % 300)
    assert {w: sorted(v) for w, v in seen.items()} == {w: list(range(n)) for w in range(workers)}
    assert all(v == sorted(v) for v in seen.values())  # each writer's records stay in order


def test_sigkill_loses_at_most_the_record_in_flight(tmp_path):
    path = tmp_path / "traces.jsonl"
    proc = _run_writer(path, 0, 10_000_000)
    deadline = time.time() + 60
    while (not path.exists() or path.stat().st_size < 200_000) and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    report = IngestReport()
    records = list(iter_traces([path], report))
    assert len(records) > 10
    assert [r.meta["i"] for r in records] == list(range(len(records)))  # no gap, no loss before the kill
    assert report.malformed <= 1 and all(d.code == "E103" for d in report.diagnostics)


def test_a_torn_last_line_after_a_first_line_longer_than_the_sniffed_head_is_e103(tmp_path):
    # the first record is larger than the chunk the format sniffer reads: the file is still read as JSONL, and the
    # torn last line is reported as torn (E103), not as malformed JSON (E101) — the SIGKILL test's rare failure
    path = tmp_path / "traces.jsonl"
    write_records(
        path, [TraceRecord(source="slmc", id=f"r{i}", output="x" * (70_000 if i == 0 else 20)) for i in range(3)]
    )
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"source": "slmc", "id": "torn", "output": "xxxx')
    report = IngestReport()
    records = list(iter_traces([path], report))
    assert [r.id for r in records] == ["r0", "r1", "r2"]
    assert [(d.code, d.line) for d in report.diagnostics] == [("E103", 4)]


def test_a_torn_value_at_the_end_of_a_json_array_file_is_e103(tmp_path):
    path = tmp_path / "traces.json"
    path.write_text('[{"source": "slmc", "id": "a", "output": "1"},\n{"source": "slmc", "id": "b", "output": "2')
    report = IngestReport()
    records = list(iter_traces([path], report))
    assert [r.id for r in records] == ["a"]
    assert [d.code for d in report.diagnostics] == ["E103"]


def test_a_torn_line_is_isolated_from_the_next_append(tmp_path):
    path = tmp_path / "traces.jsonl"
    write_records(path, [TraceRecord(source="slmc", id="a", output="1")])
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"source": "slmc", "id": "tor')  # a writer killed mid-line
    with TraceStore(path) as store:
        store.append(TraceRecord(source="slmc", id="b", output="2"))
        assert store.written == 1
    records, problems = read_traces([path])
    assert [r.id for r in records] == ["a", "b"]
    assert [(d.code, d.line) for d in problems] == [("E101", 2)]
    assert json.loads(path.read_text().splitlines()[-1])["id"] == "b"


def test_forked_children_reopen_and_append_safely(tmp_path):
    path = tmp_path / "traces.jsonl"
    store = TraceStore(path)
    pids = []
    for w in range(3):
        pid = os.fork()
        if pid == 0:  # child: shares the parent's store object
            try:
                for i in range(200):
                    store.append(TraceRecord(source="slmc", id=f"{w}-{i}", output="y" * (i * 37 % 5000)))
            finally:
                os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    store.close()
    records, problems = read_traces([path])
    assert problems == [] and len(records) == 600


def test_store_lines_equal_to_json():
    from slmc.traces.record import Frame
    from slmc.traces.store import record_json

    rec = TraceRecord(
        id="x",
        source="slmc",
        model="m",
        messages=[{"role": "user", "content": 'é \u2028 "q"', "tool_calls": []}],
        tool_calls=[{"name": "f", "arguments": {"a": [1, {"b": None}]}}],
        params={"temperature": 0, "stop": []},
        stack=[Frame("a.py", 3, "f", 5), Frame("b.py", 9, "<module>")],
        latency_ms=0.0,
        input_tokens=0,
        meta={"k": {"nested": True}},
    )
    assert record_json(rec) == rec.to_json()
    assert record_json(TraceRecord()) == TraceRecord().to_json()
