"""A commendation decision (quyết định khen thưởng) with the Board's proposal (tờ trình)."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import WorkflowItemMixin
from app.models.campaign import Campaign
from app.models.distribution import DecisionRecipient
from app.models.org import User
from app.models.reference import AwardForm
from app.models.submission import Nominee


class Decision(WorkflowItemMixin, db.Model):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), nullable=False, index=True)
    award_form_id: Mapped[int] = mapped_column(sa.ForeignKey("award_forms.id"), nullable=False)
    # Trích yếu, e.g. "Về việc tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh".
    title: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    # The Board's tờ trình: numbered when the Board head signs it.
    proposal_number: Mapped[int | None] = mapped_column(sa.Integer)
    proposal_symbol: Mapped[str | None] = mapped_column(sa.String(40))
    proposal_date: Mapped[date | None] = mapped_column(sa.Date)
    proposal_signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The decision itself: numbered by the Office at issuance, never before.
    number: Mapped[int | None] = mapped_column(sa.Integer)
    symbol: Mapped[str | None] = mapped_column(sa.String(40))
    issued_on: Mapped[date | None] = mapped_column(sa.Date)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # A decision that cancels (hủy bỏ, Luật TĐKT 2022) or replaces (thay thế, NĐ 30 Điều 18
    # k3) an issued one: the act, the decision it names and why (workflows/decision.py ACTS).
    act: Mapped[str | None] = mapped_column(sa.String(16))
    amends_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decisions.id"), index=True)
    act_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Recalled by the Office (thu hồi, NĐ 30 Điều 18 k4): sent in error; awards unchanged.
    recalled_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    recalled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recall_reason: Mapped[str | None] = mapped_column(sa.Text)

    campaign: Mapped[Campaign] = relationship()
    award_form: Mapped[AwardForm] = relationship(lazy="joined")
    approved_by: Mapped["User | None"] = relationship(foreign_keys=[approved_by_id])
    amends: Mapped["Decision | None"] = relationship(remote_side="Decision.id",
                                                     foreign_keys=[amends_id])
    proposal_signed_by: Mapped["User | None"] = relationship(
        foreign_keys=[proposal_signed_by_id])
    recipients: Mapped[list[DecisionRecipient]] = relationship(
        cascade="all, delete-orphan", order_by=DecisionRecipient.position, lazy="selectin")
    # Up to thousands of awardees: loaded on access.
    nominees: Mapped[list[Nominee]] = relationship(
        order_by=(Nominee.kind, Nominee.dossier_id, Nominee.position))

    @property
    def shown_nominees(self):
        """What the API lists: every nominee (the province's routes); a unit's reader gets
        its own unit's instead (app/services/decisions.py, ``for_reader``)."""
        return self.nominees

    @property
    def awarded(self):
        return [n for n in self.nominees if not n.struck]

    @property
    def number_label(self):
        """ "Số: 05/QĐ-UBND" style, with the leading zero of the rules for numbers < 10."""
        return f"{self.number:02d}/{self.symbol}" if self.number else None

    @property
    def proposal_label(self):
        return f"{self.proposal_number:02d}/{self.proposal_symbol}" if self.proposal_number else None


class DecisionQueue(db.Model):
    """"Hồ sơ đã thẩm định chờ lập dự thảo quyết định", kept as a tally: per campaign and
    award form, the accepted nominees of appraised dossiers (or dossiers already in a
    proposal) that no decision holds yet, and how many dossiers they come from.

    Counting them on every home page read 150,000 nominees at ten times a province; the
    tally is recounted, one campaign at a time, in the transaction of each change that
    moves it (app/services/decision_queue.py)."""

    __tablename__ = "decision_queue"

    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    award_form_id: Mapped[int] = mapped_column(sa.ForeignKey("award_forms.id"), primary_key=True)
    nominees: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    dossiers: Mapped[int] = mapped_column(sa.Integer, nullable=False)
