"""A unit's registration for a regular-emulation year (đăng ký thi đua): the titles its
collective aims for and its people's, signed by its head and received by the Board."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.campaign import Campaign
from app.models.org import Unit
from app.models.reference import AwardForm
from app.models.submission import SignedMixin, SubmissionMixin


class Registration(SignedMixin, SubmissionMixin, db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "unit_id"),
        sa.Index("ix_registrations_unit_id_state", "unit_id", "state"),
        # the Board's list of who has registered: a year's rows by state, by unit
        sa.Index("ix_registrations_campaign_state", "campaign_id", "state", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), nullable=False)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[Unit] = relationship(lazy="joined")
    entries: Mapped[list["RegistrationEntry"]] = relationship(
        back_populates="registration", cascade="all, delete-orphan",
        order_by="RegistrationEntry.position")


class RegistrationEntry(db.Model):
    """One title aimed for: by the collective (the unit, or a phòng under it) or a person."""

    __tablename__ = "registration_entries"
    __table_args__ = (
        # the registration check on a year's nominees: one indexed lookup per dossier
        sa.Index("ix_registration_entries_match", "campaign_id", "identity_key",
                 "award_form_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), nullable=False, index=True)
    # Denormalised (as on nominees) so the check is one indexed query per year.
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), nullable=False)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)  # collective, individual
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    position_title: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    organisation: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    identity_key: Mapped[str] = mapped_column(sa.String(600), nullable=False)
    search_key: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    award_form_id: Mapped[int] = mapped_column(sa.ForeignKey("award_forms.id"), nullable=False)

    registration: Mapped[Registration] = relationship(back_populates="entries")
    award_form: Mapped[AwardForm] = relationship(lazy="joined")
