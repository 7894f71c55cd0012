"""Formal documents as DOCX bytes, in the Nghị định 30/2020 format.

One public function per document; each takes the record and a ``Context`` (the
data beyond the record: issuing body, signer, legal bases, Nơi nhận, draft or
final) and returns the file's bytes. Only this package imports python-docx.
"""
from dataclasses import replace

from app.docgen import compose, html, isolated, serial
from app.docgen.compose import Context, Declined, Issuer, Signer
from app.docgen.fields import FIELD_NAMES, FieldBox, PdfUnavailable, field_values
from app.docgen.model import FormalDocument
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
    "registration": compose.unit_registration,
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


# -- the third rendering: the issuable PDF/A-2b (pdf.py) -------------------------------------------


def has_pdf(content) -> bool:
    """Whether composed content has an issuable PDF: a formal paper with its signer (the
    certificates are printed on the award's stock, from their DOCX)."""
    return isinstance(content, FormalDocument)


def render_pdf(content, font_cache, timeout=120, filled=False,
               verification_url: str | None = None) -> bytes:
    """The issuable PDF of composed content (``compose_paper``), from the same content as
    its DOCX: A4, PDF/A-2b, fonts embedded, fields ``FIELD_NAMES`` (the number and date
    written in when ``filled``, else empty for the Văn thư's step). Raises
    ``PdfUnavailable`` (a reason in Vietnamese) when it cannot be made.
    ``verification_url``: printed as a QR code (bottom left of page 1) before anyone signs.
    """
    if not has_pdf(content):
        raise PdfUnavailable("Văn bản này không có bản PDF.")
    from app.docgen import pdf  # pikepdf and fontTools: loaded when a PDF is first made
    return pdf.render_pdf(content, font_cache, timeout=timeout, filled=filled,
                          verification_url=verification_url)


def pdf_fields(data: bytes) -> list[FieldBox]:
    """The fields of an issuable PDF (name, page, box, font size), for the signing steps."""
    from app.docgen import pdf
    return pdf.fields(data)


def field_font_file(cache_dir):
    """The fields' font file (Liberation Serif, 1000 units/em), built once into
    ``cache_dir``: for a signing step that fills the fields with its own library."""
    from app.docgen import pdf
    return pdf.field_font_file(cache_dir)


__all__ = ["FIELD_NAMES", "Context", "Declined", "FieldBox", "Issuer", "PdfUnavailable", "Signer",
           "compose_paper", "dumps_content", "field_font_file", "field_values", "has_pdf",
           "pdf_fields", "render_pdf",
           "loads_content", "preview_content", "render_board_proposal", "render_certificates",
           "render_content", "render_council_minutes", "render_decision",
           "render_launch_document", "render_unit_plan", "render_unit_proposal"]
