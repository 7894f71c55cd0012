"""Formal documents as DOCX bytes, in the Nghị định 30/2020 format.

One public function per document; each takes the record and a ``Context`` (the
data beyond the record: issuing body, signer, legal bases, Nơi nhận, draft or
final) and returns the file's bytes. Only this package imports python-docx.
"""
from app.docgen import compose, isolated
from app.docgen.compose import Context, Issuer, Signer
from app.docgen.render import render_certificates as _render_certificates
from app.docgen.render import render_formal


def render_launch_document(campaign, ctx: Context) -> bytes:
    """The campaign launch (Kế hoạch, Chỉ thị or công văn phát động)."""
    return render_formal(compose.launch_document(campaign, ctx))


def render_unit_plan(plan, ctx: Context) -> bytes:
    """A unit's KẾ HOẠCH …/KH-{unit} answering the campaign."""
    return render_formal(compose.unit_plan(plan, ctx))


def render_unit_proposal(dossier, ctx: Context) -> bytes:
    """A unit's TỜ TRÌNH …/TTr-{unit} with its list of nominees."""
    return render_formal(compose.unit_proposal(dossier, ctx))


def render_council_minutes(dossier, ctx: Context) -> bytes:
    """The BIÊN BẢN of the unit council's meeting, from the recorded vote."""
    return render_formal(compose.council_minutes(dossier, ctx))


def render_board_proposal(decision, ctx: Context) -> bytes:
    """The Board's TỜ TRÌNH …/TTr-SNV to the Chairman, with the list across units."""
    return render_formal(compose.board_proposal(decision, ctx))


def render_decision(decision, ctx: Context) -> bytes:
    """The QUYẾT ĐỊNH …/QĐ-UBND with its Căn cứ lines, articles, Nơi nhận, signature
    and the attached DANH SÁCH (collectives, then individuals)."""
    return render_formal(compose.decision_document(decision, ctx))


# From this many pages the certificates are laid out in a child process (see isolated.py).
ISOLATE_FROM_PAGES = 200


def render_certificates(decision, ctx: Context) -> bytes:
    """One printable certificate page per awardee of the decision."""
    pages = compose.certificates(decision, ctx)
    if len(pages) >= ISOLATE_FROM_PAGES:
        return isolated.run(_render_certificates, pages, draft=ctx.draft)
    return _render_certificates(pages, draft=ctx.draft)


__all__ = ["Context", "Issuer", "Signer", "render_board_proposal", "render_certificates",
           "render_council_minutes", "render_decision", "render_launch_document",
           "render_unit_plan", "render_unit_proposal"]
