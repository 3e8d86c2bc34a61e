"""AL304 async-wait-without-timeout: what bounds an await, consumer loops and contract wrappers."""

from __future__ import annotations

import textwrap

import pytest

from harness import lines


ASYNC_HEADER = "import asyncio\nimport async_timeout\n"


def test_al304_bounded_by_an_enclosing_deadline_in_the_same_function_only() -> None:
    code = ASYNC_HEADER + textwrap.dedent("""
    async def main(q: object) -> None:
        queue = asyncio.Queue()
        async with asyncio.timeout(5):
            await queue.get()
            async def later():
                item = await queue.get()
                return item
            return later
    """)
    assert lines(code, "AL304") == [9]  # the nested def runs after the deadline is gone


@pytest.mark.parametrize("deadline, flagged", [
    ("asyncio.timeout(5)", False),
    ("asyncio.timeout(None)", True),
    ("async_timeout.timeout(delay)", False),
    ("asyncio.timeout_at(loop.time() + 5)", False),
])
def test_al304_deadline_values(deadline: str, flagged: bool) -> None:
    code = ASYNC_HEADER + textwrap.dedent(f"""
    async def main(delay, loop) -> None:
        event = asyncio.Event()
        async with {deadline}:
            await event.wait()
    """)
    assert bool(lines(code, "AL304")) is flagged


@pytest.mark.parametrize("sync_deadline", ["trio.fail_after(5)", "anyio.move_on_after(5)"])
def test_al304_trio_and_anyio_deadlines_are_plain_with(sync_deadline: str) -> None:
    code = ASYNC_HEADER + f"import trio, anyio\nasync def main():\n    q = asyncio.Queue()\n    with {sync_deadline}:\n        await q.get()\n"
    assert lines(code, "AL304") == []


def test_al304_functions_run_under_wait_for_and_what_they_call_are_bounded() -> None:
    code = ASYNC_HEADER + textwrap.dedent("""
    async def read_line(host):
        reader, writer = await asyncio.open_connection(host, 80)
        return await reader.readline()

    async def fetch(host):
        return await read_line(host)

    async def unbounded(host):
        reader, writer = await asyncio.open_connection(host, 80)

    async def main():
        await asyncio.wait_for(fetch("a"), timeout=10)
        await unbounded("b")
    """)
    assert lines(code, "AL304") == [12]
    code_no_timeout = code.replace("asyncio.wait_for(fetch(\"a\"), timeout=10)", "asyncio.wait_for(fetch(\"a\"), None)")
    assert lines(code_no_timeout, "AL304") == [5, 6, 12]


def test_al304_asyncio_wait_with_timeout_bounds_its_tasks() -> None:
    code = ASYNC_HEADER + textwrap.dedent("""
    async def worker():
        q = asyncio.Queue()
        await q.get()

    async def main(timeout):
        await asyncio.wait([asyncio.create_task(worker())]{})
    """)
    assert lines(code.format(", timeout=timeout"), "AL304") == []
    assert lines(code.format(""), "AL304") == [6]


def test_al304_waiting_for_a_killed_process_is_quiet() -> None:
    code = ASYNC_HEADER + textwrap.dedent("""
    async def render(url):
        proc = await asyncio.create_subprocess_exec("chromium", url)
        try:
            await asyncio.wait_for(proc.communicate(), timeout=60)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        other = await asyncio.create_subprocess_exec("chromium", url)
        await other.wait()
        proc = await asyncio.create_subprocess_exec("chromium", url)
        await proc.wait()  # a new process under the killed name
    """)
    assert lines(code, "AL304") == [12, 14]


@pytest.mark.parametrize("body, flagged", [
    # Consumer loops: waiting for the next item of work is their purpose.
    ("while item := await q.get():\n        print(item)", False),
    ("while (item := await q.get()) is not None:\n        print(item)", False),
    ("while True:\n        item = await q.get()\n        if item is None:\n            break\n        print(item)", False),
    ("while True:\n        item = await q.get()\n        if item is STOP:\n            return\n        print(item)", False),
    ("while True:\n        if (item := await q.get()) is None:\n            break", False),
    # Not a consumer loop: no sentinel ends it, or the break belongs to an inner loop.
    ("while True:\n        item = await q.get()\n        print(item)", True),
    ("while True:\n        item = await q.get()\n        for x in item:\n            if item is None:\n                break", True),
    ("item = await q.get()\n    if item is None:\n        return", True),
    ("for _ in range(3):\n        item = await q.get()\n        if item is None:\n            break", True),
    # Event.wait is no work queue: a loop around it is not a consumer loop.
    ("while True:\n        item = await ev.wait()\n        if item is None:\n            break", True),
])
def test_al304_consumer_loops_wait_by_design(body: str, flagged: bool) -> None:
    code = ASYNC_HEADER + "STOP = object()\nq = asyncio.Queue()\nev = asyncio.Event()\n" \
        + f"async def consume():\n    {body}\n"
    assert bool(lines(code, "AL304")) is flagged


@pytest.mark.parametrize("body, flagged", [
    ("await self.ready.wait()", False),
    ('"""Block until ready."""\n        await self.ready.wait()', False),
    ("return await self.ready.wait()", False),
    ("return await self.items.get()", False),
    ("await self.ready.wait()\n        return 1", True),
    ("reader, writer = await asyncio.open_connection('h', 1)\n        await self.ready.wait()", True),
])
def test_al304_a_method_that_is_only_the_wait_has_waiting_as_its_contract(body: str, flagged: bool) -> None:
    code = ASYNC_HEADER + textwrap.dedent("""
    class Device:
        def __init__(self):
            self.ready = asyncio.Event()
            self.items = asyncio.Queue()
    """) + f"    async def wait_ready(self):\n        {body}\n"
    assert (9 in lines(code, "AL304") or 10 in lines(code, "AL304")) is flagged


def test_al304_a_stream_read_is_never_a_contract_wrapper() -> None:
    code = ASYNC_HEADER + textwrap.dedent("""
    class Peer:
        async def connect(self):
            async with asyncio.timeout(5):
                self.reader, self.writer = await asyncio.open_connection('h', 1)
        async def line(self):
            return await self.reader.readline()
    """)
    assert lines(code, "AL304") == [9]


def test_al304_only_direct_awaits_of_resolved_objects() -> None:
    code = ASYNC_HEADER + textwrap.dedent("""
    async def main(queue):
        await queue.get()  # a parameter: unresolved, silent
        q = asyncio.Queue()
        task = asyncio.create_task(q.get())  # not awaited here
        await task
    """)
    assert lines(code, "AL304") == []
