"""Formal documents as DOCX bytes, in the Nghị định 30/2020 format.

One public function per document; each takes the record and a ``Context`` (the
data beyond the record: issuing body, signer, legal bases, Nơi nhận, draft or
final) and returns the file's bytes. Only this package imports python-docx.
"""
from dataclasses import replace

from app.docgen import compose, isolated
from app.docgen.compose import Context, Declined, Issuer, Signer
from app.docgen.render import render_certificates as _render_certificates
from app.docgen.render import render_formal


def _formal(document, ctx: Context) -> bytes:
    """Lay out a formal document, its properties saying who issues it and when it was made."""
    return render_formal(replace(document, author=ctx.issuer.name, generated_at=ctx.now))


def render_launch_document(campaign, ctx: Context) -> bytes:
    """The campaign launch (Kế hoạch, Chỉ thị or công văn phát động)."""
    return _formal(compose.launch_document(campaign, ctx), ctx)


def render_unit_plan(plan, ctx: Context) -> bytes:
    """A unit's KẾ HOẠCH …/KH-{unit} answering the campaign."""
    return _formal(compose.unit_plan(plan, ctx), ctx)


def render_unit_proposal(dossier, ctx: Context) -> bytes:
    """A unit's TỜ TRÌNH …/TTr-{unit} with its list of nominees."""
    return _formal(compose.unit_proposal(dossier, ctx), ctx)


def render_council_minutes(dossier, ctx: Context) -> bytes:
    """The BIÊN BẢN of the unit council's meeting, from the recorded vote."""
    return _formal(compose.council_minutes(dossier, ctx), ctx)


def render_board_proposal(decision, ctx: Context) -> bytes:
    """The Board's TỜ TRÌNH …/TTr-SNV to the Chairman, with the list across units."""
    return _formal(compose.board_proposal(decision, ctx), ctx)


def render_decision(decision, ctx: Context) -> bytes:
    """The QUYẾT ĐỊNH …/QĐ-UBND with its Căn cứ lines, articles, Nơi nhận, signature
    and the attached DANH SÁCH (collectives, then individuals)."""
    return _formal(compose.decision_document(decision, ctx), ctx)


# From this many pages the certificates are laid out in a child process (see isolated.py).
ISOLATE_FROM_PAGES = 200


def render_certificates(decision, ctx: Context) -> bytes:
    """One printable certificate page per awardee of the decision."""
    pages = compose.certificates(decision, ctx)
    if len(pages) >= ISOLATE_FROM_PAGES:
        return isolated.run(_render_certificates, pages, draft=ctx.draft)
    return _render_certificates(pages, draft=ctx.draft)


__all__ = ["Context", "Declined", "Issuer", "Signer", "render_board_proposal", "render_certificates",
           "render_council_minutes", "render_decision", "render_launch_document",
           "render_unit_plan", "render_unit_proposal"]
