"""Clusters and blocks (cụm, khối thi đua): their members, and per year (the year's
campaign) the leader and deputy, the pact, the scoring table, the scores and the vote."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import Unit, User

# A block (khối) is a cluster of a kind: units of the same sector; a cụm groups by area.
CLUSTER_KINDS = {"cum": "Cụm thi đua", "khoi": "Khối thi đua"}
# A member's score sheet: drafted by its staff, submitted by its head, reviewed by the
# leader's head.
SHEET_STATES = {"draft": "Đang soạn", "submitted": "Đã gửi", "reviewed": "Đã xem xét"}


class Cluster(db.Model):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(8), nullable=False, index=True)


class ClusterMember(db.Model):
    """A unit in a cluster; a unit is in at most one cluster of each kind."""
    __tablename__ = "cluster_members"
    __table_args__ = (sa.UniqueConstraint("unit_id", "kind", name="uq_cluster_member_kind"),)

    cluster_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8), nullable=False)

    unit: Mapped[Unit] = relationship(lazy="joined")


class ClusterYear(db.Model):
    """A cluster in one year (the year's campaign): who leads (cụm trưởng) and deputises
    (cụm phó) that year, and how many Cờ it may propose."""
    __tablename__ = "cluster_years"
    __table_args__ = (sa.UniqueConstraint("cluster_id", "campaign_id", name="uq_cluster_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(sa.ForeignKey("clusters.id", ondelete="CASCADE"),
                                            nullable=False)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), nullable=False,
                                             index=True)
    leader_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False,
                                                index=True)
    deputy_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    flag_quota: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1,
                                            server_default="1")
    votes_recorded_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    votes_recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The kept papers' numbers, from the leader unit's registers: the pact's once every
    # member's head has confirmed it, the biên bản suy tôn's when the vote is recorded.
    pact_number: Mapped[int | None] = mapped_column(sa.Integer)
    pact_symbol: Mapped[str | None] = mapped_column(sa.String(40))
    vote_number: Mapped[int | None] = mapped_column(sa.Integer)
    vote_symbol: Mapped[str | None] = mapped_column(sa.String(40))

    cluster: Mapped[Cluster] = relationship(lazy="joined")
    leader: Mapped[Unit] = relationship(foreign_keys=[leader_unit_id], lazy="joined")
    deputy: Mapped["Unit | None"] = relationship(foreign_keys=[deputy_unit_id], lazy="joined")


class PactSignature(db.Model):
    """A member's head confirming the year's pact (giao ước thi đua)."""
    __tablename__ = "cluster_pact_signatures"

    cluster_year_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cluster_years.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    confirmed_at: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False)

    user: Mapped[User] = relationship(lazy="joined")


class ClusterCriterion(db.Model):
    """A line of the year's scoring table."""
    __tablename__ = "cluster_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_year_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cluster_years.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    max_points: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2), nullable=False)
    evidence: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")


class ScoreSheet(db.Model):
    """A member's scores for the year, and where they stand."""
    __tablename__ = "cluster_score_sheets"

    cluster_year_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cluster_years.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True,
                                         index=True)
    state: Mapped[str] = mapped_column(sa.String(12), nullable=False, default="draft",
                                       index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)


class ClusterScore(db.Model):
    """A member's points on one criterion: its own, and the leader's adjustment (with why).
    The year is kept beside the criterion so a ranking reads one year's scores from an
    index of its own, (cluster_year_id, unit_id), whatever the number of years kept."""
    __tablename__ = "cluster_scores"
    __table_args__ = (sa.Index("ix_cluster_scores_year_unit", "cluster_year_id", "unit_id"),)

    criterion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cluster_criteria.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True,
                                         index=True)
    cluster_year_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cluster_years.id", ondelete="CASCADE"), nullable=False)
    points: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2), nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    adjusted_points: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    adjust_reason: Mapped[str | None] = mapped_column(sa.Text)


class ClusterVote(db.Model):
    """The biên bản suy tôn: the votes each proposed member received, and whether the
    cluster proposes it for the Cờ (within its quota) or a Bằng khen."""
    __tablename__ = "cluster_votes"

    cluster_year_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cluster_years.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True)
    votes: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    voters: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    # "co" (Cờ thi đua của UBND tỉnh) or "bang_khen"
    proposal: Mapped[str] = mapped_column(sa.String(12), nullable=False)

    unit: Mapped[Unit] = relationship(lazy="joined")


class FlagAward(db.Model):
    """A Cờ thi đua granted: written in the transaction that issues the decision granting
    it, beside its award record. Which unit holds it, for which year, from which cluster
    or block (when the cluster's vote proposed it), and the decision (number, date,
    signer) — a snapshot, as the award record is."""
    __tablename__ = "flag_awards"
    __table_args__ = (sa.Index("ix_flag_awards_year", "year", "cluster_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("award_records.id", ondelete="CASCADE"), unique=True, nullable=False)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("decisions.id"), nullable=False,
                                             index=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), nullable=False)
    # the emulation year (the regular year's, else the campaign's period's end)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    unit_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    # set when a cluster's vote (biên bản suy tôn) proposed it through clusters.propose
    cluster_year_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cluster_years.id"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clusters.id"))
    cluster_name: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    votes: Mapped[int | None] = mapped_column(sa.Integer)
    voters: Mapped[int | None] = mapped_column(sa.Integer)
    decision_number: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    decided_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    signer_name: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    signer_title: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False)
