"""The signing authority of a paper, as data (NĐ 30/2020 Phụ lục I; DOMAIN.md §3.5).

Two facts make the printed block, neither of them code:
- the issuing body and the paper's type: a collective body (an Ủy ban nhân dân) issues
  some papers as the collective, "TM. ỦY BAN NHÂN DÂN" (``Unit.collective_name`` and
  ``Unit.collective_papers``), the others through its head ("CHỦ TỊCH", ``head_title``);
- the signer's position: the quyền hạn the signer may use (``User.signing_modes``):
  the head in person, KT. (a deputy), Q. (acting), TL. (by order), TUQ. (by
  authorisation), chosen at signing and kept with the paper.
"""
import sqlalchemy as sa

from app.clock import now_utc
from app.extensions import db
from app.models import PaperSignature, Unit, User
from app.services.errors import Invalid

MODES = {
    "own": "Thủ trưởng ký",
    "KT": "KT. (ký thay thủ trưởng)",
    "Q": "Q. (quyền thủ trưởng)",
    "TL": "TL. (thừa lệnh)",
    "TUQ": "TUQ. (thừa ủy quyền)",
}


def parse_modes(value) -> str | None:
    """A comma-separated list of modes, checked: "KT, own" -> "KT,own"; empty -> None."""
    if value is None:
        return None
    items = [m.strip().rstrip(".").upper() for m in str(value).replace(";", ",").split(",")]
    items = ["own" if m == "OWN" else m for m in items if m]
    bad = [m for m in items if m not in MODES]
    if bad:
        raise Invalid(f"Thẩm quyền ký không hợp lệ: {', '.join(bad)}. "
                      f"Dùng: {', '.join(MODES)}.",
                      details={"signing_modes": [f"«{m}» không hợp lệ." for m in bad]},
                      code="signing_modes")
    return ",".join(dict.fromkeys(items)) or None


def modes_of(user: User | None) -> list[str]:
    """The quyền hạn this signer may use, the usual one first."""
    if user is None:
        return ["own"]
    if user.signing_modes:
        return [m for m in user.signing_modes.split(",") if m in MODES] or ["own"]
    legacy = (user.signing_authority or "").strip().upper()
    for mode in ("TUQ", "KT", "TL", "Q"):
        if legacy.startswith(mode + "."):
            return [mode]
    return ["own"]


def choices(user) -> list[tuple[str, str]]:
    """What a signer chooses from at signing, the usual one first: (mode, label)."""
    return [(mode, MODES[mode]) for mode in modes_of(user)]


def choose(user, requested) -> str:
    """The mode a signer asked for at signing (None: the usual one)."""
    allowed = modes_of(user)
    if requested is None or requested == "":
        return allowed[0]
    mode = str(requested).strip().rstrip(".").upper()
    mode = "own" if mode == "OWN" else mode
    if mode not in allowed:
        label = MODES.get(mode, str(requested))
        raise Invalid(f"Người ký không được ký với thẩm quyền «{label}». Được dùng: "
                      f"{', '.join(MODES[m] for m in allowed)}.",
                      details={"authority": allowed}, code="authority_not_allowed")
    return mode


def collective_of(issuer: Unit | None, paper_type: str) -> str | None:
    """"ỦY BAN NHÂN DÂN" when ``issuer`` issues this type of paper as a collective."""
    if issuer is None or not issuer.collective_name:
        return None
    papers = {p.strip() for p in (issuer.collective_papers or "").split(",") if p.strip()}
    return issuer.collective_name.upper() if ("*" in papers or paper_type in papers) else None


def lines(issuer: Unit | None, paper_type: str, user: User | None, mode: str) -> tuple[str, ...]:
    """The printed lines above the signer's name, e.g. ("TM. ỦY BAN NHÂN DÂN",
    "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")."""
    head = ((issuer.head_title if issuer else None) or "").upper()
    title = ((user.signing_title if user else None) or "").upper()
    out = []
    collective = collective_of(issuer, paper_type)
    if collective:
        out.append(f"TM. {collective}")
    if mode == "own" or not head:
        if not head and user is not None and user.signing_authority:
            out.append(user.signing_authority.upper())  # no head title to build it from
        out.append(title or head)
    elif mode == "Q":
        out.append(f"Q. {head}")
    else:
        out += [f"{mode}. {head}", title]
    return tuple(x for x in out if x)


def record(item_type, item_id, papers, issuer, paper_type, user, mode):
    """Keep the block chosen at signing for each of ``papers`` (inside the caller's
    transaction); a paper signed again (after a return) keeps its latest one."""
    printed = "\n".join(lines(issuer, paper_type, user, mode))
    for paper in papers:
        db.session.add(PaperSignature(item_type=item_type, item_id=item_id, paper=paper,
                                      user_id=user.id if user else None, mode=mode,
                                      lines=printed, created_at=now_utc()))


def recorded(item_type, item_id, paper) -> tuple[str, ...] | None:
    printed = db.session.scalar(
        sa.select(PaperSignature.lines).where(
            PaperSignature.item_type == item_type, PaperSignature.item_id == item_id,
            PaperSignature.paper == paper).order_by(PaperSignature.id.desc()).limit(1))
    return tuple(printed.split("\n")) if printed else None


def block(item_type, item_id, paper, issuer, paper_type, user) -> tuple[str, ...]:
    """What a paper prints: the block chosen at signing, or (a draft, not signed yet) the
    would-be signer's usual one."""
    return recorded(item_type, item_id, paper) or lines(issuer, paper_type, user,
                                                        modes_of(user)[0])
