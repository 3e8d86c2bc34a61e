"""AL305 blocking-wait-without-timeout: workers, daemon threads, consumer loops and messages."""

from __future__ import annotations

import textwrap

import pytest

from harness import findings, lines


WORKER = """
import queue, threading, functools, requests
from concurrent.futures import ThreadPoolExecutor

jobs = queue.Queue()

def worker(tag):
    item = jobs.get({args})
    {extra}

{start}
"""


@pytest.mark.parametrize("start", [
    "threading.Thread(target=worker, args=(1,)).start()",
    "threading.Thread(None, worker).start()",
    "threading.Thread(target=functools.partial(worker, 1)).start()",
    "ThreadPoolExecutor().submit(worker, 1)",
])
def test_al305_in_a_worker_target(start: str) -> None:
    found = findings(WORKER.format(args="", extra="pass", start=start), "AL305")
    assert [f.line for f in found] == [8]
    assert "worker() runs as a worker" in found[0].message and "queue.Empty" in found[0].message


def test_al305_quiet_outside_workers_and_network_code_and_when_bounded() -> None:
    assert lines(WORKER.format(args="", extra="pass", start=""), "AL305") == []
    assert lines(WORKER.format(args="", extra="requests.get('https://x', timeout=5)", start=""), "AL305") == [8]
    for args in ("timeout=5", "False", "block=False", "True, 3"):
        assert lines(WORKER.format(args=args, extra="pass", start="threading.Thread(target=worker).start()"),
                     "AL305") == [], args
    assert lines(WORKER.format(args="timeout=None", extra="pass", start="threading.Thread(target=worker).start()"),
                 "AL305") == [8]


@pytest.mark.parametrize("loop, flagged", [
    ("while True:\n        item = jobs.get()\n        if item is None:\n            break", False),
    ("while True:\n        if (item := jobs.get()) is None:\n            return", False),
    ("while item := jobs.get():\n        pass", False),
    ("while True:\n        item = jobs.get()", True),
    ("while not stop.is_set():\n        item = jobs.get()", True),
])
def test_al305_sentinel_consumer_loops_wait_by_design(loop: str, flagged: bool) -> None:
    code = ("import queue, threading\njobs = queue.Queue()\nstop = threading.Event()\n"
            f"def worker():\n    {loop}\nthreading.Thread(target=worker).start()\n")
    assert bool(lines(code, "AL305")) is flagged


@pytest.mark.parametrize("start, flagged", [
    ("t = threading.Thread(target=worker)\nt.daemon = True\nt.start()", False),
    ("t = threading.Thread(target=worker)\nt.daemon = False\nt.start()", True),
    ("t = threading.Thread(target=worker)\nu = threading.Thread(target=worker)\nt.daemon = True", True),
    ("t = threading.Thread(target=worker)\nother.daemon = True", True),
])
def test_al305_daemon_set_after_the_thread_is_built(start: str, flagged: bool) -> None:
    assert bool(lines(WORKER.format(args="", extra="pass", start=start), "AL305")) is flagged


def test_al305_daemon_threads_are_not_workers_but_network_calls_still_count() -> None:
    daemon = "threading.Thread(target=worker, daemon=True).start()"
    assert lines(WORKER.format(args="", extra="pass", start=daemon), "AL305") == []
    both = daemon + "\nthreading.Thread(target=worker).start()"
    assert lines(WORKER.format(args="", extra="pass", start=both), "AL305") == [8]
    network = WORKER.format(args="", extra="requests.post('https://x', timeout=5)", start=daemon)
    assert lines(network, "AL305") == [8]
    subclass = textwrap.dedent("""
    import threading
    class Flusher(threading.Thread):
        def __init__(self):
            super().__init__({})
            self.wake = threading.Event()
        def run(self):
            self.wake.wait()
    """)
    assert lines(subclass.format("daemon=True"), "AL305") == []
    assert lines(subclass.format("name='flusher'"), "AL305") == [8]


@pytest.mark.parametrize("wait, expected", [
    ("lock.acquire()", "returns False"),
    ("lock.acquire(True, -1)", "returns False"),
    ("event.wait()", "returns False"),
    ("thread.join()", "is_alive()"),
])
def test_al305_messages_name_what_to_check(wait: str, expected: str) -> None:
    code = textwrap.dedent(f"""
    import threading, requests
    lock = threading.Lock()
    event = threading.Event()
    thread = threading.Thread(target=print)
    def sync():
        requests.post("https://x", timeout=5)
        {wait}
    """)
    found = findings(code, "AL305")
    assert len(found) == 1 and expected in found[0].message and "requests.post" in found[0].message


def test_al305_with_lock_and_non_blocking_acquire_are_quiet() -> None:
    code = textwrap.dedent("""
    import threading, requests
    lock = threading.Lock()
    def sync():
        requests.post("https://x", timeout=5)
        with lock:
            pass
        if lock.acquire(False):
            lock.release()
        lock.acquire(blocking=False)
    """)
    assert lines(code, "AL305") == []
