"""Threads for training a head on the CPU follow how busy the cores are."""

from __future__ import annotations

import os

import pytest

from slmc.training import heads


@pytest.mark.parametrize(
    ("cores", "load", "threads"),
    [(2, 0.2, 2), (2, 1.0, 2), (2, 2.9, 2), (2, 3.5, 1), (2, 12.0, 1), (1, 0.0, 1), (16, 3.0, 2), (16, 17.5, 1)],
)
def test_two_threads_unless_other_work_oversubscribes_the_cores(monkeypatch, cores, load, threads):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert heads.head_threads() == threads


def test_a_platform_without_a_load_average_counts_as_idle(monkeypatch):
    def unavailable():
        raise OSError("no load average")

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", unavailable)
    assert heads.head_threads() == 2
