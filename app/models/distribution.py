"""Distribution lists (Nơi nhận): who receives a document, on paper or by mail.

What is printed under "Nơi nhận:" and what is sent come from the same entries.
"""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin


class DistributionList(TimestampMixin, db.Model):
    __tablename__ = "distribution_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    entries: Mapped[list["DistributionEntry"]] = relationship(
        cascade="all, delete-orphan", order_by="DistributionEntry.position", lazy="selectin")


class DistributionEntry(db.Model):
    __tablename__ = "distribution_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(
        sa.ForeignKey("distribution_lists.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    label: Mapped[str] = mapped_column(sa.String(255), nullable=False)  # "Sở Tài chính"
    email: Mapped[str | None] = mapped_column(sa.String(255))  # None: paper only ("Lưu: VT")
    # Its mã định danh (QCVN 102:2016, 13 characters): it then receives the edXML package
    # through the document axis; None: by mail (or paper) only.
    organ_id: Mapped[str | None] = mapped_column(sa.String(13))


class DecisionRecipient(db.Model):
    """A decision's own Nơi nhận: copied from the campaign's list, editable until issue."""

    __tablename__ = "decision_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("decisions.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    label: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    email: Mapped[str | None] = mapped_column(sa.String(255))
    organ_id: Mapped[str | None] = mapped_column(sa.String(13))
