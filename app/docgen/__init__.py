"""Formal documents as DOCX bytes, in the Nghị định 30/2020 format.

One public function per document; each takes the record and a ``Context`` (the
data beyond the record: issuing body, signer, legal bases, Nơi nhận, draft or
final) and returns the file's bytes. Only this package imports python-docx.
"""
from dataclasses import replace

from app.docgen import compose, html, isolated, serial
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


# -- one content, two renderings: the DOCX above and the HTML preview (html.py) ------------------

COMPOSERS = {
    "launch": compose.launch_document, "plan": compose.unit_plan,
    "unit_proposal": compose.unit_proposal, "minutes": compose.council_minutes,
    "board_proposal": compose.board_proposal, "decision": compose.decision_document,
    "certificates": compose.certificates,
}


def compose_paper(paper: str, record, ctx: Context):
    """What ``paper`` (a key of ``COMPOSERS``) says: a ``FormalDocument``, or the list of
    ``Certificate`` pages. Both renderings below take exactly this."""
    content = COMPOSERS[paper](record, ctx)
    if isinstance(content, list):
        return content
    return replace(content, author=ctx.issuer.name, generated_at=ctx.now)


def render_content(content, draft: bool) -> bytes:
    """The DOCX of composed content (``compose_paper``)."""
    if isinstance(content, list):
        if len(content) >= ISOLATE_FROM_PAGES:
            return isolated.run(_render_certificates, content, draft=draft)
        return _render_certificates(content, draft=draft)
    return render_formal(content)


def preview_content(content, draft: bool):
    """The HTML preview (a safe fragment) of composed content (``compose_paper``)."""
    if isinstance(content, list):
        return html.certificates(content, draft=draft)
    return html.formal(content)


dumps_content, loads_content = serial.dumps, serial.loads


__all__ = ["Context", "Declined", "Issuer", "Signer", "compose_paper", "dumps_content",
           "loads_content", "preview_content", "render_board_proposal", "render_certificates",
           "render_content", "render_council_minutes", "render_decision",
           "render_launch_document", "render_unit_plan", "render_unit_proposal"]
