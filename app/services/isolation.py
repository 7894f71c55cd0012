"""A whole use case in a short-lived forked child, so that its memory is given back.

CPython keeps the heap a process grew. A step on the 2,000-awardee decision loads its
nominees (the guards' facts, the audit snapshot, the dossiers it closes), composes the
decision, lays out its papers and signs them (pyHanko, the long-term validation data): in a
web worker that left about 55 MB resident for the rest of the worker's life
(bench/scale_bench.py --esign, bench/esign_memory.py). In a child that exits, all of it goes
back to the system, and the worker stays the size it was.

The child is a fork of the caller (the app, its imports and the preloaded signing libraries
are already there: it starts in milliseconds) and runs the use case exactly as the caller
would, in its own transaction on its own database connection:

- before forking, the caller ends its own read transaction (``commit``: a use case commits
  whatever its session holds anyway), so the child reads what is committed and the caller
  holds no connection or lock while it waits;
- the child drops the pools it inherited without touching their connections (SQLAlchemy's
  ``engine.dispose(close=False)``; the old pools are kept referenced until the child leaves,
  so no inherited socket is ever closed or written to) and opens its own; so does the
  storage backend (an S3 client's HTTP connections);
- one transaction, as in the caller: it commits or rolls back in the child (the files a
  failed step wrote are removed by its ``on_rollback``), and its result — or its error,
  a ``ServiceError`` with its code and details — comes back through a pipe;
- the metrics the child counts (a committed step, a printed PDF) are counted by the caller
  (``metrics.deferred``), so they are not lost when the child leaves;
- the child leaves with ``os._exit``: no exit handler, no finaliser of inherited objects.

A database the child cannot open again (SQLite in memory) runs the use case in place.
"""
import os
import pickle
import sys
import traceback

from app import metrics
from app.docgen import isolated as docgen_isolated
from app.extensions import db
from app.services import storage
from app.services.errors import ServiceError

_inherited = []  # the pools the child dropped: referenced until it exits, never closed


def _reopenable() -> bool:
    return all(engine.url.get_backend_name() != "sqlite"
               or engine.url.database not in (None, "", ":memory:")
               for engine in db.engines.values())


def run(function, *args, **kwargs):
    """``function(*args, **kwargs)`` (a use case with its own transaction) in a forked child;
    its result (picklable), or its error raised here."""
    if not _reopenable():
        return function(*args, **kwargs)
    db.session.commit()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        _child(write, function, args, kwargs)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        answer = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not answer:
        raise RuntimeError(f"the use case's child process ended without an answer "
                           f"(wait status {status})")
    outcome, value, told, counted = pickle.loads(answer)
    metrics.replay(counted)
    if outcome == "error":
        if not isinstance(value, ServiceError):  # a failure, not a refusal: where it was
            value.__cause__ = ChildTraceback(told)
        raise value
    return value


class ChildTraceback(Exception):
    """The traceback of an error raised in the child, as its text (the cause of the error
    raised again in the caller, so the worker's log shows where it happened)."""

    def __str__(self):
        return "\n" + self.args[0]


def _child(write, function, args, kwargs):
    code = 0
    try:
        for engine in db.engines.values():
            _inherited.append(engine.pool)
            engine.dispose(close=False)
        _inherited.append(storage.forget_in_child())  # an S3 client's connections too
        docgen_isolated.already_isolated()  # no further fork for a long list's DOCX or PDF
        with metrics.deferred() as counted:
            try:
                answer = ("ok", function(*args, **kwargs), None, counted)
            except BaseException as exc:  # noqa: BLE001 - carried to the caller as it is
                answer = ("error", exc, "".join(traceback.format_exception(exc)), counted)
        try:
            data = pickle.dumps(answer)
        except Exception:  # noqa: BLE001 - an error (or result) that cannot cross the pipe
            told = answer[2] if answer[0] == "error" else "its result could not be sent back"
            data = pickle.dumps(("error", RuntimeError(
                "the use case failed in its child process"), told, counted))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
    except BaseException:  # noqa: BLE001 - reported on stderr; the caller sees no answer
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a closed stream: nothing to keep
                pass
        os._exit(code)
