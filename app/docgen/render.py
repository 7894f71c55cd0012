"""Lay out formal documents in the Nghị định 30/2020/NĐ-CP format with python-docx.

The only module (with its package) that knows python-docx. Sizes follow Phụ lục I:
A4, margins 20/20/30/15 mm, Times New Roman; issuing body 13 pt bold with a short rule;
Quốc hiệu 13 pt bold, Tiêu ngữ 14 pt bold with a rule as long as its text; số and date
13–14 pt (date italic); title 14 pt bold; body 14 pt justified with a 1.27 cm first-line
indent; "Nơi nhận:" 12 pt bold italic with 11 pt entries; page numbers from page 2.
"""
from __future__ import annotations

import io
from copy import deepcopy
from datetime import UTC
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.document import _Body
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from app import clock
from app.docgen.model import Certificate, FormalDocument
from app.docgen.text import xml_text

FONT = "Times New Roman"
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TEXT_WIDTH = Mm(210 - 30 - 15)
LEFT_COL, RIGHT_COL = Cm(6.2), TEXT_WIDTH - Cm(6.2)
INDENT = Cm(1.27)


# -- low-level helpers ---------------------------------------------------------------------


def _set_fonts(rpr):
    """Every script slot, or Vietnamese runs may fall back to another font."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)


# Paper sizes (portrait width, height) a certificate's model may name (reference data).
PAPER_MM = {"A4": (210, 297), "A3": (297, 420)}


def _new_document(landscape=False, paper="A4"):
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    _set_fonts(normal.element.get_or_add_rPr())
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(0), 1.0
    section = doc.sections[0]
    width, height = PAPER_MM[paper]
    section.page_width, section.page_height = Mm(width), Mm(height)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(height), Mm(width)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = section.footer_distance = Mm(10)
    return doc


def _para(container, text="", *, size=14, bold=False, italic=False, align=None,
          indent=None, after=0, before=0, keep=False):
    p = container.add_paragraph()
    if text:
        _run(p, text, size=size, bold=bold, italic=italic)
    fmt = p.paragraph_format
    if align is not None:
        p.alignment = align
    if indent is not None:
        fmt.first_line_indent = indent
    fmt.space_after, fmt.space_before = Pt(after), Pt(before)
    if keep:
        fmt.keep_with_next = True
    return p


def _run(p, text, *, size=14, bold=False, italic=False):
    run = p.add_run(xml_text(text))
    run.font.size = Pt(size)
    run.font.bold = bold or None
    run.font.italic = italic or None
    return run


def _rule(container, width, cell_width):
    """A solid line of ``width``, centred: a bottom border on an empty paragraph."""
    p = container.add_paragraph()
    side = max(int((cell_width - width) / 2), 0)
    p.paragraph_format.left_indent = side
    p.paragraph_format.right_indent = side
    p.paragraph_format.space_after = Pt(2)
    run = p.add_run()
    run.font.size = Pt(2)
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                       ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)
    return p


def _table(container, widths):
    """A borderless layout table with fixed column widths (gridCol for LibreOffice,
    tcW for Word)."""
    if isinstance(container, DocxDocument):
        table = container.add_table(rows=1, cols=len(widths))
    else:
        table = container.add_table(1, len(widths), sum(widths, Cm(0)))
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for col, width in zip(table.columns, widths, strict=False):
        col.width = width
    for cell, width in zip(table.rows[0].cells, widths, strict=False):
        cell.width = width
    return table


def _keep_row_together(row):
    """A signature block never splits across pages."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _cell(table, row, col):
    cell = table.rows[row].cells[col]
    cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    return cell


def _page_numbers_from_page_two(section):
    """PAGE field centred in the top margin; the first page has its own, empty header."""
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        run = p.add_run()
        run.font.size = Pt(14)
        if kind:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), kind)
            run._r.append(field)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)


APP_PROPERTIES = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>{application}</Application><Company>{company}</Company>"
    "<DocSecurity>0</DocSecurity></Properties>")
APPLICATION = "Thi đua - Khen thưởng"


def _property(text: str) -> str:
    """A core property holds at most 255 characters (python-docx refuses more): a long
    trích yếu, as a campaign's full name makes it, is cut with "…"."""
    text = xml_text(text, breaks=" ")
    return text if len(text) <= 255 else text[:254].rstrip() + "…"


def _to_bytes(doc, title, draft, author="", generated_at=None, model=""):
    """Save, with properties of this paper rather than of python-docx's template (2013,
    "Microsoft Macintosh Word"): the trích yếu as title, the issuing body as author and
    company, the moment of generation as created and modified."""
    props = doc.core_properties
    props.title = _property(("DỰ THẢO – " if draft else "") + title)
    props.author = _property(author)
    props.last_modified_by = _property(author)
    props.comments = "Dự thảo: chưa có giá trị pháp lý." if draft else ""
    if model:  # a certificate: the model (mẫu) it follows, from reference data
        props.subject = _property(model)
    at = (generated_at or clock.now_utc()).replace(microsecond=0)  # the one clock
    at = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    props.created = props.modified = at
    props.revision = 1
    props.last_printed = at
    for part in doc.part.package.iter_parts():
        if part.partname == "/docProps/app.xml":
            part._blob = APP_PROPERTIES.format(
                application=escape(APPLICATION), company=escape(xml_text(author, breaks=" ")),
            ).encode("utf-8")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- the parts of a formal document ------------------------------------------------------------


def _letterhead(doc, head, draft):
    table = _table(doc, (LEFT_COL, RIGHT_COL))
    left, right = _cell(table, 0, 0), _cell(table, 0, 1)
    center = WD_ALIGN_PARAGRAPH.CENTER
    if head.parent:
        _para(left, head.parent.upper(), size=13, align=center)
    for line in head.issuer:
        _para(left, line.upper(), size=13, bold=True, align=center)
    _rule(left, Cm(2.2), LEFT_COL)
    _para(left, head.number, size=13, align=center, before=4)
    if head.subject:
        _para(left, head.subject, size=12, align=center)
    _para(right, NATIONAL_NAME, size=13, bold=True, align=center)
    _para(right, MOTTO, size=14, bold=True, align=center)
    _rule(right, Cm(6.1), RIGHT_COL)
    _para(right, head.place_date, size=14, italic=True, align=center, before=4)
    if draft:
        p = _para(doc, "DỰ THẢO", size=13, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=6)
        p.runs[0].font.underline = True


def _title(doc, document):
    center = WD_ALIGN_PARAGRAPH.CENTER
    if document.kind_title:
        _para(doc, document.kind_title, size=14, bold=True, align=center, before=18, keep=True)
        if document.summary:
            _para(doc, document.summary, size=14, bold=True, align=center, keep=True)
        _rule(doc, Cm(3.5), TEXT_WIDTH)
    if document.authority_line:
        _para(doc, document.authority_line, size=14, bold=True, align=center, before=12,
              after=6)
    if document.addressees:
        _addressees(doc, document.addressees)
    elif document.addressee:
        _para(doc, document.addressee, size=14, align=center, before=12, after=6)
    else:
        _para(doc, "", size=6)


def _addressees(doc, names):
    """Kính gửi (NĐ 30 Phụ lục I): on one line, centred, for one body; for several,
    "Kính gửi:" then one "- body;" a line, the last closing with a full stop."""
    center = WD_ALIGN_PARAGRAPH.CENTER
    if len(names) == 1:
        _para(doc, f"Kính gửi: {names[0]}.", size=14, align=center, before=12, after=6)
        return
    _para(doc, "Kính gửi:", size=14, indent=Cm(2.5), before=12)
    for i, name in enumerate(names):
        end = "." if i == len(names) - 1 else ";"
        p = _para(doc, f"- {name}{end}", size=14, after=6 if end == "." else 0)
        p.paragraph_format.left_indent = Cm(4.5)


def _body(doc, paras):
    """The body's paragraphs; returns the last one (kept with the closing)."""
    justify, center = WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.CENTER
    p = None
    for para in paras:
        if para.style == "basis":
            p = _para(doc, para.text, italic=True, align=justify, indent=INDENT, after=6)
        elif para.style == "heading":
            p = _para(doc, para.text, bold=True, align=justify, indent=INDENT, after=6,
                      keep=True)
        elif para.style == "centered_bold":
            p = _para(doc, para.text, bold=True, align=center, before=6, after=6, keep=True)
        elif para.style == "article":
            p = _para(doc, "", align=justify, indent=INDENT, after=6)
            _run(p, para.lead + " ", bold=True)
            _run(p, para.text)
        elif para.style == "note":
            p = _para(doc, para.text, italic=True, align=justify, indent=INDENT, after=6)
        else:
            p = _para(doc, para.text, align=justify, indent=INDENT, after=6)
    return p


def _keep_with_closing(paragraph):
    """The last body paragraph goes, whole, to the page of Nơi nhận and the signature: a
    page never holds them alone (keep with next, lines together; the closing's one row
    cannot split)."""
    if paragraph is None:
        return
    fmt = paragraph.paragraph_format
    fmt.keep_with_next = True
    fmt.keep_together = True


def _signature_cell(cell, signature):
    center = WD_ALIGN_PARAGRAPH.CENTER
    for line in signature.authority:
        _para(cell, line.upper(), size=14, bold=True, align=center)
    for _ in range(4):  # room for the hand (or digital) signature and the seal
        _para(cell, "", size=14)
    _para(cell, signature.name, size=14, bold=True, align=center)


def _closing(doc, document):
    table = _table(doc, (Cm(8.0), TEXT_WIDTH - Cm(8.0)))
    _keep_row_together(table.rows[0])
    left, right = _cell(table, 0, 0), _cell(table, 0, 1)
    if document.left_signature:
        _para(left, "", size=6, before=12)
        _signature_cell(left, document.left_signature)
    elif document.recipients:
        _para(left, "Nơi nhận:", size=12, bold=True, italic=True, before=12)
        for entry in document.recipients:
            _para(left, entry, size=11)
    else:
        _para(left, "", size=11)
    _para(right, "", size=6, before=12)
    _signature_cell(right, document.signature)
    for cell in (left, right):  # every line but the cell's last keeps with the next one
        for paragraph in cell.paragraphs[:-1]:
            paragraph.paragraph_format.keep_with_next = True


def _appendix(doc, appendix):
    """The attached list. Its two kinds of paragraph (section heading, entry) are laid out
    once with python-docx; each row is a copy with its text set, so thousands of rows cost
    about what writing their XML directly does (python-docx's setters walk the schema for
    every property of every paragraph)."""
    center = WD_ALIGN_PARAGRAPH.CENTER
    brk = _para(doc, "")
    brk.runs or brk.add_run()
    brk.runs[0].add_break(WD_BREAK.PAGE)
    _para(doc, appendix.title, bold=True, align=center)
    _para(doc, _bound(appendix.subtitle), bold=True, align=center)
    _para(doc, appendix.reference, italic=True, align=center)
    _rule(doc, Cm(3.5), TEXT_WIDTH)
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    scratch = _Body(OxmlElement("w:body"), doc)
    heading = _para(scratch, _MARK, bold=True, align=justify, before=6, after=3, keep=True)
    entry = _para(scratch, _MARK, align=justify, indent=INDENT, after=3)
    for row in (heading, entry):  # a long list breaks between its rows, never inside one
        row.paragraph_format.keep_together = True
    heading, entry = heading._p, entry._p
    end = doc.element.body.sectPr
    for section in appendix.sections:
        end.addprevious(_copy_with_text(heading, section.heading))
        for text in section.entries:
            end.addprevious(_copy_with_text(entry, text))


# Names a heading must not break inside (a line ending «ỦY» over «BAN NHÂN DÂN …»): their
# words are joined by no-break spaces, so the line breaks before or after the name.
_UNBROKEN = ("ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "BẰNG KHEN", "CỜ THI ĐUA")


def _bound(text: str) -> str:
    for name in _UNBROKEN:
        text = text.replace(name, name.replace(" ", "\u00a0"))
    return text


_MARK = "\u2063"  # an invisible separator: the text of a laid-out prototype paragraph
_WT = qn("w:t")


def _copy_with_text(prototype, text):
    """A laid-out one-line paragraph with another text: line breaks and tabs (which
    python-docx would turn into elements) become spaces, as a list row is one line."""
    p = deepcopy(prototype)
    p.find(f".//{_WT}").text = " ".join(xml_text(text, breaks=" ").split())
    return p


def render_formal(document: FormalDocument) -> bytes:
    """A formal administrative document (QĐ, TTr, KH, BB, launch) as DOCX bytes."""
    doc = _new_document()
    _page_numbers_from_page_two(doc.sections[0])
    _letterhead(doc, document.letterhead, document.draft)
    _title(doc, document)
    _keep_with_closing(_body(doc, document.body))
    _closing(doc, document)
    if document.appendix:
        _appendix(doc, document.appendix)
    # the trích yếu: under the type's name, or a công văn's "V/v …" under its number
    title = (document.summary or document.letterhead.subject or document.title_for_properties
             or document.kind_title or "")
    return _to_bytes(doc, title, document.draft, document.author, document.generated_at)


_FIELDS = ("recipient", "detail", "reason", "decision_ref", "serial", "place_date")


def render_certificates(certificates: list[Certificate], draft=False) -> bytes:
    """One page per awardee, on the paper of the award's model (reference data: A4 or A3,
    landscape or portrait), ready to print on the certificate stock.

    The page is laid out once with python-docx, with a marker in each field; every
    awardee's page is a copy with the markers filled in. Laying out thousands of pages
    one by one through python-docx takes minutes (each append rescans the body).
    """
    first = certificates[0] if certificates else None
    doc = _new_document(landscape=not first or first.orientation == "landscape",
                        paper=first.paper if first else "A4")
    if certificates:
        section_properties = doc.element.body.sectPr
        scratch = _Body(OxmlElement("w:body"), doc)
        marked = {f: f"\u2063{f}\u2063" for f in _FIELDS}  # invisible separators: no clash
        _certificate_page(scratch, certificates[0], marked, draft)
        template = list(scratch._element)
        for i, cert in enumerate(certificates):
            values = {marked[f]: getattr(cert, f) for f in _FIELDS}
            for element in template:
                page = deepcopy(element)
                texts = list(page.iter(qn("w:t")))
                if any(t.text == marked["detail"] for t in texts) and not cert.detail:
                    continue  # a collective with no organisation line: no empty paragraph
                for t in texts:
                    if t.text in values:
                        t.text = xml_text(values[t.text], breaks=" ")
                if i == 0:
                    for brk in page.iter(qn("w:pageBreakBefore")):
                        brk.getparent().remove(brk)
                section_properties.addprevious(page)
    out = _to_bytes(doc, "BẰNG KHEN", draft, author=first.author if first else "",
                    model=first.model if first else "")
    return out


def _certificate_page(body, cert, marked, draft):
    """The layout of one page; ``marked`` holds the marker of each per-awardee field."""
    center = WD_ALIGN_PARAGRAPH.CENTER
    # Quốc hiệu and Tiêu ngữ head every certificate (NĐ 30 Phụ lục I; the award's model)
    opening = _para(body, NATIONAL_NAME, size=14, bold=True, align=center, before=12)
    opening.paragraph_format.page_break_before = True
    _para(body, MOTTO, size=14, bold=True, align=center)
    short, long = PAPER_MM[cert.paper]
    _rule(body, Cm(6.1), Mm((long if cert.orientation == "landscape" else short) - 45))
    _para(body, cert.issuer_authority, size=16, bold=True, align=center, before=18)
    _para(body, "TẶNG", size=16, bold=True, align=center, before=12)
    _para(body, cert.award_title, size=36, bold=True, align=center, before=6, after=12)
    _para(body, marked["recipient"], size=24, bold=True, align=center, after=6)
    _para(body, marked["detail"], size=16, align=center, after=12)
    _para(body, marked["reason"], size=16, italic=True, align=center, after=18)
    table = _table(body, (Cm(11.5), Cm(13.0)))
    _keep_row_together(table.rows[0])
    left, right = _cell(table, 0, 0), _cell(table, 0, 1)
    _para(left, marked["decision_ref"], size=13, align=center, before=12)
    _para(left, marked["serial"], size=13, align=center)
    _para(right, marked["place_date"], size=14, italic=True, align=center)
    _signature_cell(right, cert.signature)
    if draft:
        _para(body, "DỰ THẢO", size=12, bold=True, align=center)
