"""Run one benchmark job in its own process group and measure it: wall time, peak memory, and how it ended.

Peak memory is the largest memory of the whole process tree (dedupe forks workers) — the sum of the processes'
proportional set sizes, sampled from /proc every 0.2 s — and at least the child's own ``ru_maxrss`` (``wait4``). A job that goes over the time or memory
cap is killed with its whole group and recorded as not finished, with the reason; the run goes on.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

GIB = 1024**3


@dataclass(frozen=True)
class Outcome:
    finished: bool
    reason: str  # "" when finished, else "timeout 20 min" / "out of memory at 16.0 GiB" / "exit 1: …"
    wall_seconds: float
    peak_rss_bytes: int
    returncode: int | None


def _tree_memory(group: int) -> int:
    """Proportional set size (PSS) summed over the process group: forked workers share their parent's pages,
    and summing their RSS would count those pages once per worker."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) != group:  # after "pid (comm)": state ppid pgrp …
                continue
            with open(f"/proc/{entry.name}/smaps_rollup", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, IndexError, ValueError):
            continue
    return total


def run(
    command: list[str],
    *,
    timeout: float,
    memory_cap_bytes: int,
    log: Path,
    env: dict[str, str] | None = None,
    address_space_limit: bool = False,
    nice: int = 0,
) -> Outcome:
    """Run ``command``; kill its group past ``timeout`` seconds or ``memory_cap_bytes`` of resident memory."""

    def limits() -> None:
        if nice:
            os.nice(nice)
        if address_space_limit:  # a second guard, for tools that do not reserve huge virtual ranges
            resource.setrlimit(resource.RLIMIT_AS, (memory_cap_bytes, memory_cap_bytes))

    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=limits,
            env=env,
        )
        peak, reason, status, usage = 0, "", None, None
        while True:
            pid, status_now, usage_now = os.wait4(process.pid, os.WNOHANG)
            if pid:
                status, usage = status_now, usage_now
                break
            peak = max(peak, _tree_memory(process.pid))
            elapsed = time.perf_counter() - started
            if not reason and elapsed > timeout:
                reason = f"timeout {timeout / 60:g} min"
            elif not reason and peak > memory_cap_bytes:
                reason = f"out of memory at {peak / GIB:.1f} GiB"
            if reason:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                _, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.2)
        process.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting
    wall = time.perf_counter() - started
    peak = max(peak, usage.ru_maxrss * 1024 if usage else 0)
    code = process.returncode
    if not reason and code != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
        if "MemoryError" in tail[0] or code == -signal.SIGKILL:
            reason = f"out of memory at {peak / GIB:.1f} GiB ({tail[0][:80]})"
        else:
            reason = f"exit {code}: {tail[0][:160]}"
    return Outcome(not reason, reason, wall, peak, code)
