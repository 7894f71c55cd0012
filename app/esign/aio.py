"""pyHanko works in coroutines; the app calls it from plain threads. ``run`` drives a
coroutine to its end from synchronous code, also from a thread whose event loop is already
running (an async server, or Playwright's sync API in the tests), where asyncio.run would
refuse: there it runs on a fresh loop in a short-lived thread of its own."""
import asyncio
from concurrent.futures import ThreadPoolExecutor


def run(coro):
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop in this thread: the usual case (gunicorn's sync workers)
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="esign") as pool:
        return pool.submit(asyncio.run, coro).result()
