"""Rendering where its memory is given back: a child process that exits when done.

CPython keeps the heap a process grew: laying out the certificates of a 2,000-awardee
decision left about 75 MB resident in the web worker for the rest of its life. A forked
child that exits returns all of it. Forked, not spawned: the child starts in milliseconds
with python-docx already imported and never re-runs the caller's main script; it touches
nothing it inherits but the function and its arguments, and leaves with ``os._exit``
(multiprocessing's way), so the caller's database connections stay untouched.
"""
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

_context = multiprocessing.get_context("fork")
_inside = False  # this process is itself a short-lived child (app.services.isolation)


def already_isolated() -> None:
    """Mark this process as a child that exits when done: what it lays out or prints here
    is given back with it, so ``run`` forks no grandchild."""
    global _inside
    _inside = True


def run(function, *args, **kwargs):
    """``function(*args, **kwargs)`` in a fresh child process; its result, or its error."""
    if _inside:
        return function(*args, **kwargs)
    with ProcessPoolExecutor(max_workers=1, mp_context=_context) as pool:
        return pool.submit(function, *args, **kwargs).result()
