"""Every paper opens in LibreOffice and prints: DOCX → PDF (headless), page counts, and a
picture of the decision's first page in test-output/ for a person to look at."""
import shutil
import struct
import subprocess
from datetime import date
from pathlib import Path

import pytest

from tests.docgen.support import document, scenario, utc_at
from tests.tools import missing

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
SOFFICE = shutil.which("soffice")
POPPLER = all(shutil.which(tool) for tool in ("pdftoppm", "pdfinfo", "pdftotext", "pdffonts"))



@pytest.fixture(autouse=True)
def _tools():
    if SOFFICE is None:
        missing("LibreOffice (soffice) is not installed; `make test` installs it "
                "(libreoffice-writer-nogui)")
    if not POPPLER:
        missing("poppler-utils (pdftoppm, pdfinfo) is not installed; `make test` installs it")


# paper -> (kind, name, fewest pages, most pages)
PAPERS = {
    "launch": ("campaign", "launch", 1, 3),
    "plan": ("plan", "plan", 1, 3),
    "unit-proposal": ("dossier", "proposal", 2, 3),  # the list starts a page of its own
    "minutes": ("dossier", "minutes", 1, 2),
    "board-proposal": ("decision", "proposal", 2, 3),
    "decision": ("decision", "decision", 2, 4),
    "certificates": ("decision", "certificates", 5, 5),  # one page for each of 5 awardees
}


def run(args, timeout=60):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=True)


def pages(pdf: Path) -> int:
    info = run(["pdfinfo", str(pdf)]).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def page_text(pdf: Path, page: int) -> list[str]:
    out = run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"]).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def png_size(path: Path):
    with open(path, "rb") as fh:
        head = fh.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_every_paper_converts_to_pdf(world, frozen, tmp_path):
    frozen(utc_at(date(2027, 2, 5)))
    s = scenario(world)
    items = {"campaign": s.campaign, "plan": s.plan, "dossier": s.syt, "decision": s.decision}
    sources = tmp_path / "docx"
    sources.mkdir()
    for paper, (kind, name, _, _) in PAPERS.items():
        data, _, sha = document(kind, items[kind], name)
        assert sha is not None
        (sources / f"{paper}.docx").write_bytes(data)

    out = tmp_path / "pdf"
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(out)]
        + [str(sources / f"{paper}.docx") for paper in PAPERS],
        capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stderr, result.stderr

    for paper, (_, _, low, high) in PAPERS.items():
        pdf = out / f"{paper}.pdf"
        assert pdf.exists() and pdf.stat().st_size > 5_000, f"{paper}: {result.stdout}"
        assert low <= pages(pdf) <= high, f"{paper}: {pages(pdf)} pages"
        # Times New Roman, or its metric twin when the machine has no Microsoft fonts
        fonts = run(["pdffonts", str(pdf)]).stdout
        assert "TimesNewRoman" in fonts or "LiberationSerif" in fonts, f"{paper}: {fonts}"

    decision = out / "decision.pdf"
    first = page_text(decision, 1)
    assert any(line.startswith("ỦY BAN NHÂN DÂN") and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in line
               for line in first), first
    assert any("Số: 01/QĐ-UBND" in line and "Lạng Sơn, ngày 05 tháng 02 năm 2027" in line
               for line in first), first
    assert "QUYẾT ĐỊNH" in first
    assert first[0] != "1"  # no page number on page 1 …
    assert page_text(decision, 2)[0] == "2"  # … and one on top of page 2
    last = page_text(decision, pages(decision))
    assert "DANH SÁCH" in last
    assert any("Ông Hoàng Văn Quý" in line for line in last)

    certificates = out / "certificates.pdf"
    for page, recipient in enumerate(["Khoa Hồi sức cấp cứu", "Tổ dân phố Phai Vệ",
                                      "Bà Nguyễn Thị Ánh Tuyết", "Ông Đặng Văn Ưng",
                                      "Ông Hoàng Văn Quý"], start=1):
        assert recipient in page_text(certificates, page)

    OUTPUT.mkdir(exist_ok=True)
    shutil.copyfile(decision, OUTPUT / "decision.pdf")
    png = OUTPUT / "decision-page1.png"
    png.unlink(missing_ok=True)
    run(["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png", "-singlefile", str(decision),
         str(OUTPUT / "decision-page1")])
    assert png.exists() and png.stat().st_size > 20_000
    width, height = png_size(png)
    assert (abs(width - 827) <= 2, abs(height - 1169) <= 2) == (True, True), (width, height)
    assert (OUTPUT / "decision.pdf").stat().st_size == decision.stat().st_size
