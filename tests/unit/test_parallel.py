"""run_tasks: outcomes in the order given, exceptions handed back, serial tasks in order, and tasks
started round-robin over hosts."""

import threading

from pipeline.core.parallel import Raised, Task, run_tasks


def test_outcomes_are_in_task_order_and_exceptions_come_back_as_outcomes():
    gate = threading.Event()

    def slow() -> str:
        gate.wait(5)  # the later tasks finish first
        return "first"

    def fails() -> str:
        raise ValueError("boom")

    def last() -> str:
        gate.set()
        return "last"

    got = run_tasks([Task(slow), Task(fails), Task(last)])
    assert got[0] == "first" and got[2] == "last"
    assert isinstance(got[1], Raised) and str(got[1].error) == "boom"


def test_tasks_start_round_robin_over_hosts():
    started = []
    tasks = [Task(lambda n=n: started.append(n), host) for n, host in
             enumerate(["a", "a", "a", "b", "b", "c"])]
    run_tasks(tasks, max_workers=1)
    assert started == [0, 3, 5, 1, 4, 2]


def test_serial_tasks_run_one_after_another_in_order_on_one_thread():
    seen = []

    def serial(n: int) -> int:
        seen.append((n, threading.get_ident()))
        return n

    tasks = [Task(lambda n=n: serial(n), serial=True) for n in range(5)] + [Task(lambda: "other")]
    assert run_tasks(tasks) == [0, 1, 2, 3, 4, "other"]
    assert [n for n, _ in seen] == [0, 1, 2, 3, 4] and len({ident for _, ident in seen}) == 1
