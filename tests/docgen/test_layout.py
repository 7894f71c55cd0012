"""Layout rules that hold for any length: the last body paragraph, Nơi nhận and the
signature stay together; page numbers from page 2. Checked in the DOCX (python-docx) for
every paper, and in print (LibreOffice → PDF, pdftotext page by page) for a decision
whose body ends exactly at the foot of page 1."""
import shutil
import subprocess
from datetime import date

import pytest
from docx.oxml.ns import qn

from app.docgen.model import FormalDocument, Letterhead, Para, Signature
from app.docgen.render import render_formal
from tests.docgen.support import document, open_docx, scenario, utc_at
from tests.tools import missing

SOFFICE = shutil.which("soffice")
POPPLER = all(shutil.which(tool) for tool in ("pdfinfo", "pdftotext"))
LAST = ("Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc Sở Nội vụ và các cá nhân có tên tại "
        "Điều 1 chịu trách nhiệm thi hành Quyết định này./.")


def _closing_is_kept(doc):
    """The paragraph before the closing table keeps with it, whole; the row cannot split."""
    body = doc.element.body
    closing = doc.tables[1]._tbl
    before = closing.getprevious()
    assert before.tag == qn("w:p") and "".join(before.itertext()).strip()
    ppr = before.find(qn("w:pPr"))
    assert ppr.find(qn("w:keepNext")) is not None and ppr.find(qn("w:keepLines")) is not None
    row = closing.find(qn("w:tr"))
    assert row.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None
    assert body.index(closing) > body.index(before)


@pytest.mark.storage
def test_every_paper_keeps_its_last_paragraph_with_the_closing(world, frozen):
    frozen(utc_at(date(2027, 2, 5)))
    s = scenario(world)
    for kind, item, name in (("campaign", s.campaign, "launch"), ("plan", s.plan, "plan"),
                             ("dossier", s.syt, "proposal"), ("dossier", s.syt, "minutes"),
                             ("decision", s.decision, "proposal"),
                             ("decision", s.decision, "decision")):
        doc = open_docx(document(kind, item, name)[0])
        _closing_is_kept(doc)
        section = doc.sections[0]
        assert section.different_first_page_header_footer  # no number on page 1
        assert "PAGE" in "".join(section.header._element.itertext())


def _decision(lines: int) -> FormalDocument:
    body = [Para("Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;", "basis")]
    body += [Para(f"Nội dung thứ {i:02d} của quyết định.") for i in range(lines)]
    body += [Para(LAST, "article", lead="Điều 3.")]
    return FormalDocument(
        letterhead=Letterhead(issuer=("ỦY BAN NHÂN DÂN", "TỈNH LẠNG SƠN"),
                              number="Số: 05/QĐ-UBND",
                              place_date="Lạng Sơn, ngày 05 tháng 9 năm 2019"),
        kind_title="QUYẾT ĐỊNH", summary="Về việc tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
        authority_line="CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN", body=tuple(body),
        signature=Signature(("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), "Đoàn Thị Hậu"),
        recipients=("- Như Điều 3;", "- CT, các PCT UBND tỉnh;", "- Sở Tài chính;",
                    "- Lưu: VT, SNV."))


def _pages(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    count = int(next(x.split()[-1] for x in info.splitlines() if x.startswith("Pages:")))
    out = []
    for page in range(1, count + 1):
        text = subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page),
                               str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        out.append([" ".join(x.split()) for x in text.splitlines() if x.strip()])
    return out


def test_a_body_ending_at_the_foot_of_page_one_takes_its_last_paragraph_along(tmp_path):
    """Bodies of growing length, around the length that fills page 1: whatever the length,
    the page with the signature holds Nơi nhận and the last paragraph too; for the body
    that ends exactly at the foot of page 1, that paragraph moves to page 2 with them."""
    if SOFFICE is None or not POPPLER:
        missing("LibreOffice and poppler-utils are needed (`make test` installs them)")
    lengths = range(12, 28)
    for n in lengths:
        (tmp_path / f"d{n:02d}.docx").write_bytes(render_formal(_decision(n)))
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    *sorted(str(p) for p in tmp_path.glob("d*.docx"))],
                   capture_output=True, timeout=240, check=True)
    moved = []
    for n in lengths:
        pages = _pages(tmp_path / f"d{n:02d}.pdf")
        [signed] = [i for i, page in enumerate(pages) if "Đoàn Thị Hậu" in page]
        page = pages[signed]
        text = " ".join(page)
        assert "Nơi nhận:" in page and "KT. CHỦ TỊCH" in text, (n, page)
        assert "Điều 3." in text and "Quyết định này./." in text, (n, page)
        assert not any(line == "1" for line in pages[0]), "page 1 bears no number"
        for number, later in enumerate(pages[1:], start=2):
            assert later[0] == str(number), (n, number, later[:2])  # centred in the top margin
        if signed == 1 and page[1].startswith("Điều 3."):
            # the body would have ended at the foot of page 1: its line before is page 1's last
            assert pages[0][-1] == f"Nội dung thứ {n - 1:02d} của quyết định.", (n, pages[0][-3:])
            moved.append(n)
    assert moved, "no length in the range put the closing at the top of page 2"
    assert len(_pages(tmp_path / f"d{lengths[0]:02d}.pdf")) == 1  # the range starts on one page


@pytest.mark.storage
def test_a_long_list_breaks_between_its_rows_never_inside_one(world, frozen):
    """Every row of the decision's attached list keeps its lines together; each section's
    heading keeps with its first row."""
    frozen(utc_at(date(2027, 2, 5)))
    s = scenario(world)
    data, _, _ = document("decision", s.decision, "decision")
    doc = open_docx(data)
    texts = [p.text for p in doc.paragraphs]
    start = texts.index("DANH SÁCH")
    rows = [p for p in doc.paragraphs[start + 3:] if p.text.strip()]
    headings = [p for p in rows if p.text.startswith(("I.", "II."))]
    entries = [p for p in rows if p.text[:1].isdigit()]
    assert headings and len(entries) >= 4
    assert all(p.paragraph_format.keep_together for p in rows)
    assert all(p.paragraph_format.keep_with_next for p in headings)
