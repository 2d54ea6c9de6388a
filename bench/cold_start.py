"""Cold start: how long a fresh process takes to import the app, next to the floor (a process
that imports only chalice and boto3, which any Chalice app on Lambda pays anyway)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

_TIMED_IMPORT = (
    "import time; started = time.perf_counter(); cpu = time.process_time(); "
    "import {modules}; "
    "print(time.perf_counter() - started, time.process_time() - cpu)"
)
APP = "app"
FLOOR = "chalice, boto3"


def _one(modules: str, cwd: Path, env: dict[str, str]) -> dict[str, float]:
    """Milliseconds spent importing (wall clock and CPU) and taken by the whole process, for
    one fresh process."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _TIMED_IMPORT.format(modules=modules)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    process = time.perf_counter() - started
    wall, cpu = (float(part) for part in done.stdout.strip().splitlines()[-1].split())
    return {"import": wall * 1000, "cpu": cpu * 1000, "process": process * 1000}


def measure(cwd: Path, env: dict[str, str], runs: int) -> dict[str, Any]:
    """Medians over `runs` alternating fresh processes of each kind, in milliseconds.

    The budgeted ratio is of CPU time: importing is CPU-bound once the files are cached, and
    CPU time does not count the waits a busy machine adds to the wall clock (with a test run
    beside it on 2 cores, the wall-clock medians moved by a factor of two)."""
    env = {**os.environ, **env}
    samples: dict[str, dict[str, list[float]]] = {
        name: {"import": [], "cpu": [], "process": []} for name in ("app", "floor")
    }
    _one(APP, cwd, env)  # warm the OS file cache and the .pyc files once
    _one(FLOOR, cwd, env)
    for _ in range(runs):
        for name, modules in (("app", APP), ("floor", FLOOR)):
            for kind, value in _one(modules, cwd, env).items():
                samples[name][kind].append(round(value, 2))
    medians = {
        name: {kind: round(statistics.median(values), 1) for kind, values in kinds.items()}
        for name, kinds in samples.items()
    }
    return {
        "runs": runs,
        "appImportMs": medians["app"]["import"],
        "floorImportMs": medians["floor"]["import"],
        "wallRatio": round(medians["app"]["import"] / medians["floor"]["import"], 2),
        "appImportCpuMs": medians["app"]["cpu"],
        "floorImportCpuMs": medians["floor"]["cpu"],
        "ratio": round(medians["app"]["cpu"] / medians["floor"]["cpu"], 2),
        "appProcessMs": medians["app"]["process"],
        "floorProcessMs": medians["floor"]["process"],
        "processRatio": round(medians["app"]["process"] / medians["floor"]["process"], 2),
        "samples": samples,
        "heaviest": heaviest_imports(cwd, env),
    }


def heaviest_imports(
    cwd: Path, env: dict[str, str], top: int = 8, runs: int = 3
) -> list[dict[str, Any]]:
    """Where the app's import time goes beyond the floor: `-X importtime` self times summed
    per top-level package, for packages the floor does not import (the least of `runs`
    processes, since a busy machine only ever adds time)."""

    def per_package(modules: str) -> dict[str, float]:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {modules}"],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        totals: dict[str, float] = defaultdict(float)
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            _, self_us, _, name = (part.strip() for part in line.replace("|", ":").split(":"))
            totals[name.split(".")[0]] += int(self_us) / 1000
        return totals

    app_runs = [per_package(APP) for _ in range(runs)]
    app = {name: min(found.get(name, 0.0) for found in app_runs) for name in app_runs[0]}
    floor = per_package(FLOOR)
    extra = [(name, ms) for name, ms in app.items() if name not in floor]
    extra.sort(key=lambda pair: -pair[1])
    return [{"package": name, "ms": round(ms, 1)} for name, ms in extra[:top]]
