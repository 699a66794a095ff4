"""Run one benchmark job in its own process group and measure it: wall time, peak memory, and how it ended.

Peak memory is the largest memory of the whole process tree (dedupe forks workers) — the sum of the processes'
proportional set sizes, sampled from /proc every 0.2 s — and at least the largest high-water RSS (``VmHWM``)
of one of its processes, which the kernel keeps between samples; both figures are kept apart too. The child's
``ru_maxrss`` (``wait4``) is no measure of the job: Linux carries the parent's high-water mark into a child
through fork and exec, so a runner holding 240 MiB of data gave every job a "peak" of 240 MiB. ``VmHWM`` is
read while the job runs, so a new high reached in its last 0.2 s is missed. A job that goes over the time or
memory cap is killed with its whole group and recorded as not finished, with the reason; the run goes on.

Shared by the benchmarks (``benchmarks/intake/run.py`` imports it from here). ``terminal=True`` runs the job
under a pseudo-terminal, so that a command that draws progress bars only on a terminal draws them, and its log
holds what a user at a console would have seen.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import platform
import pty
import resource
import select
import signal
import struct
import subprocess
import termios
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

GIB = 1024**3


@dataclass(frozen=True)
class Outcome:
    finished: bool
    reason: str  # "" when finished, else "timeout 20 min" / "out of memory at 16.0 GiB" / "exit 1: …"
    wall_seconds: float
    peak_rss_bytes: int  # the larger of the two below: what the tables show
    returncode: int | None
    peak_pss_bytes: int = 0  # sampled sum over the process group
    max_rss_bytes: int = 0  # the largest high-water RSS (VmHWM) of one process of the group, as last read


def _tree_memory(group: int) -> tuple[int, int]:
    """Proportional set size (PSS) summed over the process group — forked workers share their parent's pages,
    and summing their RSS would count those pages once per worker — and the largest high-water RSS of one of
    the group's processes."""
    total, high_water = 0, 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) != group:  # after "pid (comm)": state ppid pgrp …
                continue
            total += _kib(f"/proc/{entry.name}/smaps_rollup", b"Pss:")
            high_water = max(high_water, _kib(f"/proc/{entry.name}/status", b"VmHWM:"))
        except (OSError, IndexError, ValueError):
            continue
    return total, high_water


def _kib(path: str, key: bytes) -> int:
    """The figure of the line ``key`` of a /proc file (in kB there), in bytes; 0 when it has none."""
    with open(path, "rb") as handle:
        for line in handle:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    return 0


def run(
    command: list[str],
    *,
    timeout: float,
    memory_cap_bytes: int,
    log: Path,
    env: dict[str, str] | None = None,
    address_space_limit: bool = False,
    nice: int = 0,
    terminal: bool = False,
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
        master = None
        if terminal:
            master, slave = pty.openpty()
            # 120 columns: rich sizes its bars to the terminal, and a pty starts at 0 × 0.
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
            os.set_blocking(master, False)
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=slave if terminal else output,
            stderr=slave if terminal else subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=limits,
            env=env,
        )
        if terminal:
            os.close(slave)
        peak, high_water, reason, status = 0, 0, "", None
        while True:
            if master is not None:
                _drain(master, output)
            pid, status_now, _ = os.wait4(process.pid, os.WNOHANG)
            if pid:
                status = status_now
                break
            pss, hwm = _tree_memory(process.pid)
            peak, high_water = max(peak, pss), max(high_water, hwm)
            elapsed = time.perf_counter() - started
            if not reason and elapsed > timeout:
                reason = f"timeout {timeout / 60:g} min"
            elif not reason and peak > memory_cap_bytes:
                reason = f"out of memory at {peak / GIB:.1f} GiB"
            if reason:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                _, status, _ = os.wait4(process.pid, 0)
                break
            if master is None:
                time.sleep(0.2)
            else:  # wake as soon as the job writes, so a burst of output does not wait for the next sample
                select.select([master], [], [], 0.2)
        process.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting
        if master is not None:
            _drain(master, output)
            os.close(master)
    wall = time.perf_counter() - started
    pss = peak
    peak = max(peak, high_water)
    code = process.returncode
    if not reason and code != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
        if "MemoryError" in tail[0] or code == -signal.SIGKILL:
            reason = f"out of memory at {peak / GIB:.1f} GiB ({tail[0][:80]})"
        else:
            reason = f"exit {code}: {tail[0][:160]}"
    return Outcome(not reason, reason, wall, peak, code, peak_pss_bytes=pss, max_rss_bytes=high_water)


def _drain(master: int, output: BinaryIO) -> None:
    """Copy what the job wrote to its terminal so far; the job would block once the pty's buffer is full."""
    while True:
        try:
            chunk = os.read(master, 65536)
        except (BlockingIOError, OSError):  # nothing more for now; EIO once the job has closed the terminal
            return
        if not chunk:
            return
        output.write(chunk)


def machine() -> dict[str, Any]:
    """Cores, CPU model and memory of this machine, for the header of a results table."""
    meminfo = Path("/proc/meminfo").read_text().split()
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "nproc": os.cpu_count(),
        "ram_gib": round(int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024**2, 1),
        "cpu": cpu,
    }
