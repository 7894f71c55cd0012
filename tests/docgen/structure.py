"""The structure checks every formal paper passes (Nghị định 30/2020, Phụ lục I): the page
and its margins, the fonts, page numbers from page 2, the letterhead, the title and trích
yếu, the closing (Nơi nhận and the signature block), the draft mark, and the appended
list. Shared by the structure tests of the test province, the second province (a city
set up from nothing) and the seeded demo province."""
import pytest
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.table import Table

from tests.docgen.support import assert_format, nonblank, paragraphs, text_runs, texts, the

CENTER = WD_ALIGN_PARAGRAPH.CENTER


def assert_page(doc, landscape=False):
    for section in doc.sections:
        width, height = (297, 210) if landscape else (210, 297)
        assert section.page_width.mm == pytest.approx(width, abs=0.1)
        assert section.page_height.mm == pytest.approx(height, abs=0.1)
        assert section.orientation == (WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT)
        assert section.top_margin.mm == pytest.approx(20, abs=0.1)
        assert section.bottom_margin.mm == pytest.approx(20, abs=0.1)
        assert section.left_margin.mm == pytest.approx(30, abs=0.1)
        assert section.right_margin.mm == pytest.approx(15, abs=0.1)


def assert_fonts(doc):
    """Times New Roman on the Normal style, in every script slot (Vietnamese letters use
    hAnsi/cs depending on the reader)."""
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts is not None
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert fonts.get(qn(slot)) == "Times New Roman", slot
    # no run overrides the font with another one
    for p in paragraphs(doc):
        for run in text_runs(p):
            assert run.font.name in (None, "Times New Roman"), (run.text, run.font.name)


def assert_page_numbers_from_page_two(doc):
    section = doc.sections[0]
    assert section.different_first_page_header_footer is True
    header = section.header._element
    kinds = [f.get(qn("w:fldCharType")) for f in header.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "end"]
    assert [i.text.strip() for i in header.iter(qn("w:instrText"))] == ["PAGE"]
    assert section.header.paragraphs[0].alignment == CENTER
    first = section.first_page_header
    # In the first section an undefined first-page header is an empty one.
    if not first.is_linked_to_previous:
        assert all(not p.text.strip() for p in first.paragraphs)
        assert not list(first._element.iter(qn("w:instrText")))
        assert not list(first._element.iter(qn("w:fldSimple")))


def assert_letterhead(doc, issuer_lines, number, place_date, parent=None):
    """Issuer (bold 13, after the upright parent body) and number in the left cell; Quốc hiệu
    (bold 13), Tiêu ngữ (bold 14) and the italic place and date in the right one."""
    left, right = doc.tables[0].rows[0].cells
    left_texts = [p.text for p in left.paragraphs if p.text.strip()]
    expected_left = ([parent] if parent else []) + list(issuer_lines) + ([number] if number else [])
    assert left_texts[:len(expected_left)] == expected_left, left_texts
    if parent:
        assert_format(the(doc, parent), size=13, bold=False)
    for line in issuer_lines:
        assert_format(the(doc, line), size=13, bold=True)
    if number:
        assert_format(the(doc, number), size=13, bold=False, italic=False)
    assert [p.text for p in right.paragraphs if p.text.strip()] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", place_date]
    assert_format(the(doc, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), size=13, bold=True)
    assert_format(the(doc, "Độc lập - Tự do - Hạnh phúc"), size=14, bold=True)
    assert_format(the(doc, place_date), italic=True, bold=False)
    assert the(doc, place_date).alignment == CENTER


def assert_title(doc, kind_title, summary):
    title = the(doc, kind_title)
    assert_format(title, size=14, bold=True)
    assert title.alignment == CENTER
    items = nonblank(doc)
    assert items[items.index(kind_title) + 1] == summary
    assert_format(the(doc, summary), size=14, bold=True)
    assert the(doc, summary).alignment == CENTER


def assert_closing(doc, recipients, authority, name):
    """Nơi nhận (12 pt bold italic, entries 11 pt) left; the signature block right."""
    table = doc.tables[1]
    left, right = table.rows[0].cells
    lines = [p for p in left.paragraphs if p.text.strip()]
    assert [p.text for p in lines] == ["Nơi nhận:"] + list(recipients), [p.text for p in lines]
    assert_format(lines[0], size=12, bold=True, italic=True)
    for p in lines[1:]:
        assert_format(p, size=11, bold=False, italic=False)
    assert recipients[-1].endswith(".") and all(r.endswith(";") for r in recipients[:-1])
    block = [p for p in right.paragraphs if p.text.strip()]
    assert [p.text for p in block] == list(authority) + [name], [p.text for p in block]
    for p in block:
        assert_format(p, bold=True)
        assert p.alignment == CENTER


def assert_draft(doc, draft):
    marks = [p for p in paragraphs(doc) if p.text == "DỰ THẢO"]
    title = doc.core_properties.title
    if draft:
        assert marks and all(bool(r.bold) for p in marks for r in text_runs(p))
        assert title.startswith("DỰ THẢO")
    else:
        assert not marks
        assert not any("DỰ THẢO" in x for x in texts(doc))
        assert title and not title.startswith("DỰ THẢO")


def assert_formal(doc, *, draft=False):
    assert_page(doc)
    assert_fonts(doc)
    assert_page_numbers_from_page_two(doc)
    assert_draft(doc, draft)


def assert_appendix(doc, title, subtitle, reference_line, sections):
    """A new page, then DANH SÁCH, its subtitle and the italic 'Kèm theo' line, then each
    section heading followed by its numbered entries."""
    heading = the(doc, title)
    assert_format(heading, bold=True)
    body = list(paragraphs(doc))
    at = body.index(next(p for p in body if p.text == title))
    breaks = [br.get(qn("w:type")) for br in body[at - 1]._p.iter(qn("w:br"))]
    assert breaks == ["page"], "the list starts on a page of its own"
    # the subtitle's names are bound by no-break spaces (it never breaks inside «ỦY BAN»)
    shown = [x.replace("\u00a0", " ") for x in nonblank(doc)]
    assert shown[shown.index(title):][:3] == [title, subtitle, reference_line]
    assert_format(next(p for p in body if p.text.replace("\u00a0", " ") == subtitle), bold=True)
    assert_format(the(doc, reference_line), italic=True)
    items = nonblank(doc)
    tail = items[items.index(reference_line) + 1:]
    expected = []
    for section_heading, entries in sections.items():
        expected += [section_heading] + entries
    assert tail == expected
    for section_heading in sections:
        assert_format(the(doc, section_heading), bold=True)


def body_texts(doc):
    """The non-blank paragraphs from under the letterhead to the closing table: the title
    or Kính gửi, then the body."""
    out, tables = [], 0
    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            tables += 1
            if tables == 2:
                break
        elif block.text.strip():
            out.append(block.text)
    return out
