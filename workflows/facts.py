"""What the guards look at: plain, frozen snapshots built by the services.

Guards never touch the database or Flask; a service reads the rows and hands a
snapshot over, and tests build snapshots by hand.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class CampaignFacts:
    title: str = ""
    period_start: date | None = None
    period_end: date | None = None
    plan_deadline: date | None = None
    dossier_deadline: date | None = None
    contents: Mapping[str, int] = field(default_factory=dict)  # content title -> target count
    participant_count: int = 0
    award_form_count: int = 0
    vote_threshold: Decimal | None = None
    # The launch document's date (the day it is launched, unless entered), and how many
    # days before the period it may be dated at most (reference data; None: no limit).
    launch_date: date | None = None
    launch_lead_days: int | None = None
    # "movement" or "regular" (a year's regular emulation: its own readiness rule)
    kind: str = "movement"
    year: int | None = None
    registration_deadline: date | None = None


@dataclass(frozen=True)
class DeadlineFacts:
    campaign_state: str = "launched"
    today: date = date.min
    deadline: date | None = None
    accepts_late: bool = False


@dataclass(frozen=True)
class PlanFacts(DeadlineFacts):
    sections: Mapping[str, str] = field(default_factory=dict)  # content title -> text
    commitments: Mapping[str, Decimal | None] = field(default_factory=dict)  # target -> figure


@dataclass(frozen=True)
class RegistrationFacts(DeadlineFacts):
    entries: int = 0  # how many titles it registers


@dataclass(frozen=True)
class NomineeFacts:
    name: str
    kind: str = "individual"
    award_form: str = ""
    award_offered: bool = True
    votes_for: int | None = None
    attachments: frozenset[str] = frozenset()
    duplicate_in_dossier: bool = False
    proposed_elsewhere: tuple[str, ...] = ()  # names of other units proposing the same subject
    verdict: str | None = None
    verdict_reason: str | None = None
    # A regular year's nominee for a title (danh hiệu): whether the unit registered it for
    # this title (True/False); None where nothing is checked (an award, or a movement).
    registered: bool | None = None


@dataclass(frozen=True)
class DossierFacts(DeadlineFacts):
    results: Mapping[str, Decimal | None] = field(default_factory=dict)  # target -> achieved
    council_meeting_date: date | None = None
    council_members_total: int | None = None
    council_members_present: int | None = None
    vote_threshold: Decimal = Decimal("0")
    nominees: tuple[NomineeFacts, ...] = ()
    attachments: frozenset[str] = frozenset()  # kinds attached to the dossier itself
    required_dossier_attachments: Mapping[str, str] = field(default_factory=dict)  # code -> name
    required_nominee_attachments: Mapping[str, str] = field(default_factory=dict)
    quotas: Mapping[str, int | None] = field(default_factory=dict)  # award form -> per-unit quota
    submitted_late: bool = False
    # The launch document the council's minutes cite: its label and date.
    launch_ref: str | None = None
    launch_date: date | None = None
    # The unit's plan for the campaign when it has not reached the Board: its state's label
    # («Đang soạn»), or "" when the unit has none; None once sent.
    unsent_plan: str | None = None
    # What an unsent plan does to the appraisal: the campaign's setting (UNSENT_PLAN_RULES).
    unsent_plan_rule: str = "warn"
    # A regular year's dossier: its title nominees are checked against the registrations
    # (NomineeFacts.registered); ``block_unregistered`` is the year's setting.
    regular_year: bool = False
    block_unregistered: bool = False


@dataclass(frozen=True)
class DecisionFacts:
    nominee_count: int = 0
    struck_count: int = 0
    # the Board's tờ trình has its number (False while Sở Nội vụ's Văn thư has still to
    # number and seal the one its head signed digitally)
    proposal_numbered: bool = True
