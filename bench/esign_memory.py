"""Where the memory of the 2,000-awardee decision's «Phê duyệt» and «Ban hành» goes, per phase.

Usage: python bench/esign_memory.py [--build] [--in-place [--tracemalloc]]

In-process, on PostgreSQL: ``--build`` makes a template database (BENCH_DATABASE_URL + "_tpl",
bench/scale_bench.py's data set at --scale 0.05 with the 2,000-awardee decision waiting for
the Chairman, and the demo signers registered); every run clones it (CREATE DATABASE …
TEMPLATE), so approve and issue start from the same state. Each phase (a function of the
step, wrapped) prints the process's resident memory at its start and end and its own peak
(VmHWM reset per phase through /proc/self/clear_refs), and with ``--tracemalloc`` the Python
heap it allocated and its peak. Nested phases are indented.
"""
import argparse
import functools
import importlib
import json
import os
import re
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

BASE = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/tdkt_bench_rss")
TEMPLATE, STATE = BASE + "_tpl", Path("/tmp") / "esign_memory.json"

# (module, attribute) wrapped as phases; a class attribute as "Class.name"
PHASES = [
    ("app.services.steps", "load"), ("app.services.steps", "_advance"),
    ("app.services.steps", "_record"), ("app.services.steps", "_content"),
    ("app.services.steps", "fire_system"), ("app.services.outbox", "tell"),
    ("app.services.documents", "keep_final"), ("app.services.documents", "keep"),
    ("app.services.documents", "compose"), ("app.services.documents", "sign"),
    ("app.docgen", "render_content"), ("app.docgen", "render_pdf"),
    ("app.docgen", "dumps_content"),
    ("app.services.esigning", "sign_approval"), ("app.services.esigning", "seal"),
    ("app.services.esigning", "electronic_issue"), ("app.services.esigning", "_issue_spec"),
    ("app.services.esigning", "long_term"), ("app.services.esigning", "_keep"),
    ("app.services.esigning", "_key_checked"), ("app.services.esigning", "keep_prepared"),
    ("app.esign.pdfsign", "issue"), ("app.esign.pdfsign", "sign_approval"),
    ("app.services.awards", "record_decision"), ("app.services.exchange", "enqueue_issued"),
    ("app.services.decisions", "decision_facts"), ("app.services.workflow", "actions"),
]


def rss():
    text = Path("/proc/self/status").read_text()
    return tuple(int(re.search(rf"{k}:\s+(\d+)", text).group(1)) / 1024
                 for k in ("VmRSS", "VmHWM"))


def reset_hwm():
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS


stack = []  # per open phase: the highest (RSS peak, heap peak) seen inside it so far
rows = []


def wrap(module, name, traced):
    target = importlib.import_module(module)
    original = getattr(target, name)

    @functools.wraps(original)
    def phase(*args, **kwargs):
        start_rss, hwm = rss()
        heap_now, heap_peak = tracemalloc.get_traced_memory() if traced else (0, 0)
        if stack:  # what the enclosing phase reached so far, before the marks are reset
            stack[-1][0], stack[-1][1] = max(stack[-1][0], hwm), max(stack[-1][1], heap_peak)
        reset_hwm()
        if traced:
            tracemalloc.reset_peak()
        row = [len(stack), f"{module.rsplit('.', 1)[-1]}.{name}", None]
        rows.append(row)
        stack.append([0.0, 0])
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            inner_hwm, inner_heap = stack.pop()
            end_rss, hwm = rss()
            hwm = max(hwm, inner_hwm)
            heap = None
            if traced:
                now, peak = tracemalloc.get_traced_memory()
                peak = max(peak, inner_heap)
                heap = (now - heap_now) / 2**20, (peak - heap_now) / 2**20
            if stack:
                stack[-1][0], stack[-1][1] = max(stack[-1][0], hwm), max(stack[-1][1], peak
                                                                         if traced else 0)
            row[2] = (time.perf_counter() - t0, start_rss, end_rss, hwm, heap)

    setattr(target, name, phase)
    # references taken at import time (Kind.effects, Kind.facts) point at the originals
    return original, phase


def relink(originals):
    from app.services import workflow

    for kind in workflow.KINDS.values():
        for key, fn in list(kind.effects.items()):
            if fn in originals:
                kind.effects[key] = originals[fn]
        if kind.facts in originals:
            object.__setattr__(kind, "facts", originals[kind.facts])


def clone(url_admin):
    admin = sa.create_engine(url_admin, isolation_level="AUTOCOMMIT")
    name, tpl = BASE.rsplit("/", 1)[1], TEMPLATE.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{tpl}"'))
    admin.dispose()


def psycopg(url):
    return url.replace("postgresql://", "postgresql+psycopg://")


def build():
    from bench import scale_bench

    scale_bench.ensure_database(TEMPLATE)
    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": psycopg(TEMPLATE), "SECRET_KEY": "bench",
                      "OUTBOX_WORKER_IN_PROCESS": False,
                      "UPLOAD_FOLDER": "/tmp/tdkt-bench-uploads"})
    with app.app_context():
        data = scale_bench.build(0.05, 2000, True)
        signers = scale_bench.register_signers(app)  # its CA stays for the clones
        db.session.commit()
        STATE.write_text(json.dumps({"big": data["big"], "config": signers.config()}))
        db.session.remove()
        db.engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--in-place", action="store_true",
                        help="run the steps in this process (not in a child: "
                             "decisions.ISOLATE_STEPS_FROM), to see their phases")
    args = parser.parse_args()
    if args.build:
        build()
    state = json.loads(STATE.read_text())
    clone(psycopg(BASE.rsplit("/", 1)[0] + "/postgres"))

    from app import create_app, serving
    from app.extensions import db
    from app.models import User
    from app.services import decisions, workflow

    if args.in_place:
        decisions.ISOLATE_STEPS_FROM = 10**9
    for name in serving.PRELOADED:  # as the gunicorn master has them
        importlib.import_module(name)
    app = create_app({"SQLALCHEMY_DATABASE_URI": psycopg(BASE), "SECRET_KEY": "bench",
                      "OUTBOX_WORKER_IN_PROCESS": False, "TDKT_ENV": "development",
                      "UPLOAD_FOLDER": "/tmp/tdkt-bench-uploads", **state["config"]})
    originals = {}
    for module, name in PHASES:
        original, phase = wrap(module, name, args.tracemalloc)
        originals[original] = phase
    relink(originals)
    if args.tracemalloc:
        tracemalloc.start()
    for who, trigger in (("chairman", "approve"), ("clerk", "issue")):
        with app.test_request_context():
            user = db.session.scalar(sa.select(User).where(User.username == who))
            decision = workflow.load("decision", state["big"], user)
            version = decision.version
            db.session.remove()
        rows.clear()
        with app.test_request_context():
            user = db.session.scalar(sa.select(User).where(User.username == who))
            before = rss()[0]
            reset_hwm()
            t0 = time.perf_counter()
            item = workflow.perform("decision", state["big"], user, trigger, version=version)
            workflow.actions("decision", item, user)
            seconds = time.perf_counter() - t0
            after, hwm = rss()
            db.session.remove()
        print(f"\n== {trigger}: {seconds:.2f} s, RSS {before:.0f} → {after:.0f} MB, "
              f"peak {hwm:.0f} MB")
        for line in merged(rows):
            print(line)


def merged(phases):
    """One line per phase; a run of calls of one phase (a step fired on each dossier) as one
    line with its count, their nested phases left out."""
    out, i = [], 0
    while i < len(phases):
        level, label, figures = phases[i]
        run = [figures]
        j = i + 1
        while j < len(phases) and phases[j][0] >= level:
            if phases[j][0] == level:
                if phases[j][1] != label:
                    break
                run.append(phases[j][2])
            j += 1
        if len(run) == 1:
            j = i + 1
        secs = sum(f[0] for f in run)
        start, end, peak = run[0][1], run[-1][2], max(f[3] for f in run)
        heaps = [f[4] for f in run if f[4]]
        heap_text = (f"  heap +{sum(h[0] for h in heaps):6.1f} (peak +"
                     f"{max(h[1] for h in heaps):6.1f})" if heaps else "")
        name = label + (f" ×{len(run)}" if len(run) > 1 else "")
        out.append(f"  {'  ' * level}{name:<{36 - 2 * level}} {secs:6.2f} s  RSS {start:5.0f} → "
                   f"{end:5.0f} (peak {peak:5.0f}){heap_text}")
        i = j
    return out

if __name__ == "__main__":
    main()
