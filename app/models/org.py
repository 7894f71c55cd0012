"""Units, people, roles and API tokens."""
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.clock import now_utc
from app.extensions import db
from app.models.base import TimestampMixin

UNIT_KINDS = ("province", "office", "department", "commune", "mass_org", "enterprise", "other")
PEOPLES_COMMITTEE_KINDS = ("province", "commune")
PEOPLES_COMMITTEE = "Ủy ban nhân dân"
# The words naming the kind of area before a People's Committee's place, longest first.
AREA_WORDS = ("thành phố", "thị trấn", "thị xã", "đặc khu", "phường", "huyện", "quận",
              "tỉnh", "xã")


def place_from_name(name: str) -> str:
    """A People's Committee's địa danh read from its name: "Ủy ban nhân dân phường Đông
    Kinh" -> "Đông Kinh". A place named by a number keeps its area word, as NĐ 30 Phụ lục I
    writes it ("Phường 12"). Empty when the name has no place after its area word."""
    rest = " ".join(name.split())
    for prefix in (PEOPLES_COMMITTEE, "UBND"):
        if rest.casefold().startswith(prefix.casefold() + " "):
            rest = rest[len(prefix):].strip()
            break
    for word in AREA_WORDS:
        if rest.casefold().startswith(word + " ") or rest.casefold() == word:
            place = rest[len(word):].strip()
            if place[:1].isdigit():
                return f"{word[0].upper()}{word[1:]} {place}"
            return place
    return rest if rest != " ".join(name.split()) else ""


class Unit(TimestampMixin, db.Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    short_name: Mapped[str | None] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False, default="department")
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    # Whose head decides this unit's own titles (Lao động tiên tiến, Chiến sĩ thi đua cơ
    # sở, Giấy khen): empty for the unit itself (a sở, a xã); the sở for a unit under it.
    titles_decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("units.id"), index=True)
    cluster: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(255))
    # Its mã định danh in the national catalogue of bodies (QCVN 102:2016, 13 characters,
    # e.g. 000.00.00.H29): the From/To of the edXML packages. None: not known.
    organ_id: Mapped[str | None] = mapped_column(sa.String(13), index=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    # As printed in a letterhead (one line each), e.g. "ỦY BAN NHÂN DÂN\nTỈNH LẠNG SƠN";
    # empty: the name in capitals.
    header_lines: Mapped[str | None] = mapped_column(sa.Text)
    # The body above it (cơ quan chủ quản), e.g. "UBND TỈNH LẠNG SƠN" over "SỞ NỘI VỤ".
    # A People's Committee has none (NĐ 30 Phụ lục I): never printed for one.
    parent_header: Mapped[str | None] = mapped_column(sa.String(255))
    # Địa danh of its documents, e.g. "Lạng Sơn". Empty: a People's Committee's is read
    # from its name ("Ủy ban nhân dân phường Đông Kinh" -> "Đông Kinh"); any other unit's
    # is the parent's (a Sở dates its papers at the province's place).
    place_name: Mapped[str | None] = mapped_column(sa.String(120))
    # How its head is named in "… chịu trách nhiệm thi hành": "Giám đốc", "Chánh", "Chủ tịch".
    head_title: Mapped[str | None] = mapped_column(sa.String(120))
    # A collective body (Ủy ban nhân dân) signs some papers "TM. ỦY BAN NHÂN DÂN": its
    # name as printed there, and which papers (document-type codes, comma-separated;
    # "*" every paper) it issues as a collective rather than through its head.
    collective_name: Mapped[str | None] = mapped_column(sa.String(120))
    # Its abbreviation in the ký hiệu of the papers it issues, in Vietnamese letters:
    # "SLĐTBXH" (KH-SLĐTBXH); a commune's People's Committee issues "UBND" (TTr-UBND).
    # Empty: the unit's code.
    abbreviation: Mapped[str | None] = mapped_column(sa.String(32))
    # Its council's (Hội đồng Thi đua - Khen thưởng) abbreviation in the ký hiệu of the
    # council's biên bản, numbered in the council's own book: "HĐTĐKT" (BB-HĐTĐKT).
    # Empty: the unit's own symbol (BB-UBND).
    council_symbol: Mapped[str | None] = mapped_column(sa.String(32))
    # The kind of area a People's Committee governs, as its papers name it: "tỉnh", or
    # "thành phố" for a centrally-run city; "xã", "phường" for a commune.
    locality: Mapped[str | None] = mapped_column(sa.String(40))
    collective_papers: Mapped[str | None] = mapped_column(sa.String(255))
    # The finance department that pays the award money (Sở Tài chính): a decision whose
    # awards cost money names it among Điều 3's executors.
    pays_awards: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False,
                                              server_default=sa.false())
    # Its papers must be signed digitally (NĐ 30 Điều 5): a signer of its papers with no
    # registered certificate is refused instead of following the paper path (signed scan).
    esign_required: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False,
                                                 server_default=sa.false())

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], foreign_keys=[parent_id])
    titles_decider: Mapped["Unit | None"] = relationship(
        remote_side=[id], foreign_keys=[titles_decided_by_id], viewonly=True)

    @property
    def header(self) -> tuple[str, ...]:
        lines = [line.strip() for line in (self.header_lines or "").splitlines() if line.strip()]
        return tuple(lines) or (self.name.upper(),)

    @property
    def symbol(self) -> str:
        """What the ký hiệu of its papers names it by: "SLĐTBXH", "UBND"."""
        return self.abbreviation or self.code

    @property
    def is_peoples_committee(self) -> bool:
        """An Ủy ban nhân dân (of a province, city, ward or commune): it heads its own
        letterhead, with no body above it, and dates its papers at its own place."""
        return self.kind in PEOPLES_COMMITTEE_KINDS or self.name.casefold().startswith(
            PEOPLES_COMMITTEE.casefold())

    @property
    def printed_parent_header(self) -> str | None:
        """The line above its name in a letterhead: none for a People's Committee."""
        return None if self.is_peoples_committee else self.parent_header

    @property
    def place(self) -> str:
        unit, seen = self, set()
        while unit is not None and unit.id not in seen:
            if unit.place_name:
                return unit.place_name
            if unit.is_peoples_committee:  # its own place, never its parent's
                return place_from_name(unit.name)
            seen.add(unit.id)
            unit = unit.parent
        return ""

    def __repr__(self):
        return f"<Unit {self.code}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(32), primary_key=True, index=True)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    full_name: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    email: Mapped[str | None] = mapped_column(sa.String(255))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), nullable=False, index=True)
    # Printed in signature blocks, e.g. "PHÓ CHỦ TỊCH" or "GIÁM ĐỐC".
    signing_title: Mapped[str | None] = mapped_column(sa.String(120))
    # Printed above the title when signing for the head: "KT. CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN".
    signing_authority: Mapped[str | None] = mapped_column(sa.String(120))
    # The quyền hạn this signer may use (comma-separated): "own" (signs as the head), "KT"
    # (ký thay), "Q" (quyền), "TL" (thừa lệnh), "TUQ" (thừa ủy quyền); chosen at signing.
    # Empty: read from signing_authority ("KT. CHỦ TỊCH" -> KT), else "own".
    signing_modes: Mapped[str | None] = mapped_column(sa.String(64))
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    # Part of the session's user id: raising it (password change, sign-out) ends every
    # session cookie issued before.
    session_version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0,
                                                 server_default="0")
    # Wrong passwords in a row, and until when sign-in is refused (app/services/auth.py).
    failed_logins: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0,
                                               server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # Set when an admin resets the password: the person chooses a new one at next sign-in.
    must_change_password: Mapped[bool] = mapped_column(sa.Boolean, nullable=False,
                                                       default=False, server_default=sa.false())

    unit: Mapped[Unit] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def set_roles(self, roles):
        wanted = set(roles)
        self.role_rows = [r for r in self.role_rows if r.role in wanted]
        have = {r.role for r in self.role_rows}
        self.role_rows.extend(UserRole(role=r) for r in sorted(wanted - have))

    def has_role(self, *roles):
        return bool(self.roles.intersection(roles))

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        """Flask-Login's alternative id: the session names the account and its session
        version, so a cookie saved before a sign-out or a password change opens nothing."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self):
        return f"<User {self.username}>"


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak reveals none."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=now_utc, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    user: Mapped[User] = relationship()
