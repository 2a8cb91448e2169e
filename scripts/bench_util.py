"""Small timing helpers shared by the benchmark scripts: wall time of a command over
repeated runs (median, min) and its peak RSS, measured the same way for the reference
command and for mailaudit in the same invocation (the machine is shared and noisy)."""

import os
import statistics
import subprocess
import time


def peak_rss_kib(argv, env=None):
    """Peak RSS of one run, from GNU time (`/usr/bin/time -f %M`). Measured through a small
    C parent: a fork of this Python process would report Python's own pages as the child's."""
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + list(argv), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(result.stderr.strip().splitlines()[-1])


def measure(argv, runs=30, env=None):
    """Runs argv `runs` times; returns (median_ms, min_ms, peak_rss_kib, last_exit_code)."""
    walls = []
    code = None
    for _ in range(runs):
        started = time.perf_counter()
        completed = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        walls.append((time.perf_counter() - started) * 1000.0)
        code = completed.returncode
    return statistics.median(walls), min(walls), peak_rss_kib(argv, env), code
