"""Tallies kept beside the rows they count, recounted in the transaction that moves them.

A page that shows a count of many rows on every view (the appraiser's decision queue, the
year's awards on the overview) reads a small tally instead. A change marks the keys it
moves (a campaign, a year) stale; each stale key is recounted once, just before the
transaction commits, so a step that moves 200 rows recounts once and a rollback recounts
nothing.
"""
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db


class Pending:
    """The keys of one tally to recount before the current transaction commits."""

    def __init__(self, name, recount):
        self.name, self.recount = f"tally_stale_{name}", recount
        event.listen(Session, "before_commit", self._recount_stale)
        event.listen(Session, "after_soft_rollback", self._forget)

    def add(self, key, session=None):
        (session or db.session).info.setdefault(self.name, set()).add(key)

    def _recount_stale(self, session):
        # the commit flushes after this hook: flush first, so what that flush writes (and
        # marks stale) is counted too
        session.flush()
        keys = session.info.pop(self.name, None)
        if keys:
            self.recount(keys, session)

    def _forget(self, session, previous_transaction):
        # every rollback, even of a transaction that had not reached the database yet
        if previous_transaction.parent is None:  # not a savepoint's: the whole transaction
            session.info.pop(self.name, None)


def lock(session, space, keys):
    """On PostgreSQL a transaction-scoped advisory lock per key makes a second recount wait
    for the first to commit, so its count (a new statement, a new snapshot) includes the
    first one's changes and neither overwrites the other with an older view. SQLite has one
    writer at a time already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(
            "SELECT pg_advisory_xact_lock(:space, k) FROM unnest(CAST(:keys AS integer[])) AS k"),
            {"space": space, "keys": sorted(keys)})
