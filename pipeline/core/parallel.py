"""Running a run's fetch work side by side in one bounded thread pool, with results in order.

Each task carries the host it mostly waits on. Tasks are started round-robin over hosts, so
that a long queue for one host (which the HTTP client lets only `per_host_limit` at a time
through) does not hold every worker while other hosts wait. Tasks marked `serial` run one after
another, in order, on one worker: work that shares a budget (backfill's request cap) and must
reach the same point whatever the timing. An exception is kept as the task's outcome; the
caller decides what it means.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import zip_longest

MAX_WORKERS = 32


@dataclass(frozen=True)
class Task:
    run: Callable[[], object]
    host: str = ""
    serial: bool = False


@dataclass(frozen=True)
class Raised:
    """A task's exception, as its outcome."""

    error: BaseException


def run_tasks(tasks: Sequence[Task], max_workers: int = MAX_WORKERS) -> list[object]:
    """Each task's return value (or Raised), in the order of `tasks`."""
    outcomes: list[object] = [None] * len(tasks)

    def run(i: int) -> None:
        try:
            outcomes[i] = tasks[i].run()
        except Exception as exc:  # noqa: BLE001 - handed back to the caller, in order
            outcomes[i] = Raised(exc)

    serial = [i for i, t in enumerate(tasks) if t.serial]
    units: list[Callable[[], None]] = [lambda: [run(i) for i in serial]] if serial else []
    units += [lambda i=i: run(i) for i in _round_robin([i for i, t in enumerate(tasks) if not t.serial], tasks)]
    if len(units) == 1:
        units[0]()
    elif units:
        with ThreadPoolExecutor(max_workers=min(max_workers, len(units)), thread_name_prefix="fetch") as pool:
            for future in [pool.submit(u) for u in units]:
                future.result()
    return outcomes


def _round_robin(indexes: list[int], tasks: Sequence[Task]) -> list[int]:
    by_host: dict[str, list[int]] = {}
    for i in indexes:
        by_host.setdefault(tasks[i].host, []).append(i)
    return [i for turn in zip_longest(*by_host.values()) for i in turn if i is not None]
