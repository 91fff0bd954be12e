"""Measuring tools for the benchmark: phases (wall, CPU, load, peak RSS), percentiles, machine facts.

Peak RSS per phase comes from the kernel: writing "5" to /proc/self/clear_refs resets VmHWM (Linux >= 4.0),
so a phase's peak is exactly the process's high-water mark while it ran, not a sampled guess.
`resource.getrusage` only knows the peak since the process started; it is the fallback.
"""

from __future__ import annotations

import os
import platform
import re
import resource
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

LOAD_WARNING = 1.5  # 1-minute load average above which the machine was not ours alone


def _status_kib(key: str) -> int | None:
    try:
        text = open("/proc/self/status", encoding="ascii").read()  # noqa: SIM115 (tiny procfs read)
    except OSError:
        return None
    match = re.search(rf"^{key}:\s+(\d+)\s+kB", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def rss_mib() -> float:
    """Resident memory of this process now, in MiB."""
    kib = _status_kib("VmRSS")
    return round((kib or 0) / 1024, 1)


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark for this process; False when the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def peak_rss_mib() -> float:
    """Peak resident memory since the last reset (or since start), in MiB."""
    kib = _status_kib("VmHWM")
    if kib is None:  # no procfs: ru_maxrss is KiB on Linux
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kib / 1024, 1)


def load1() -> float:
    """The 1-minute load average."""
    return round(os.getloadavg()[0], 2)


@dataclass
class Phase:
    """One measured stretch of the run."""

    name: str
    wall_s: float = 0.0
    cpu_s: float = 0.0
    load_before: float = 0.0
    load_after: float = 0.0
    peak_rss_mib: float = 0.0
    rss_after_mib: float = 0.0
    peak_is_phase: bool = True  # False: the kernel refused the reset, peak is since process start
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def busy(self) -> bool:
        """True when another load shared the machine during the phase."""
        return max(self.load_before, self.load_after) > LOAD_WARNING

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**asdict(self), "busy": self.busy}


@contextmanager
def phase(name: str, log: list[Phase], echo: bool = True) -> Iterator[Phase]:
    """Measure the `with` body as a phase appended to `log`; the body may fill `extra`."""
    record = Phase(name=name, load_before=load1(), peak_is_phase=reset_peak_rss())
    if echo:
        print(f"[bench] {name} … (load {record.load_before})", flush=True)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield record
    finally:
        record.wall_s = round(time.perf_counter() - wall, 3)
        record.cpu_s = round(time.process_time() - cpu, 3)
        record.load_after = load1()
        record.peak_rss_mib = peak_rss_mib()
        record.rss_after_mib = rss_mib()
        log.append(record)
        if echo:
            print(
                f"[bench] {name}: {record.wall_s:.1f} s wall, {record.cpu_s:.1f} s CPU, "
                f"peak RSS {record.peak_rss_mib:.0f} MiB, load {record.load_before}->{record.load_after}",
                flush=True,
            )


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: Sequence[float]) -> dict[str, Any]:
    """p50, p95, mean and count of a list of seconds (None when empty)."""
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "mean": sum(values) / len(values) if values else None,
    }


def machine_info() -> dict[str, Any]:
    """Date, CPU count and model, memory, OS and Python: the facts a reader needs to compare runs."""
    cpu_model = platform.processor() or "unknown"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):  # noqa: SIM115
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        match = re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo", encoding="ascii").read())  # noqa: SIM115
        mem_kib = int(match.group(1)) if match else 0
    except OSError:
        pass
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def ingest_row(p: Phase, documents: int, chunks: int) -> dict[str, Any]:
    """An ingest phase as throughput figures."""
    wall = max(p.wall_s, 1e-9)
    return {
        "documents": documents,
        "chunks": chunks,
        "seconds": p.wall_s,
        "cpu_s": p.cpu_s,
        "docs_per_s": documents / wall,
        "chunks_per_s": chunks / wall,
        "chunks_per_cpu_s": chunks / max(p.cpu_s, 1e-9),
        "peak_rss_mib": p.peak_rss_mib,
        "load": [p.load_before, p.load_after],
    }
