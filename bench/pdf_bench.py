"""The two routes to the issuable PDF of a decision, compared: LibreOffice printing the DOCX
(the route app/docgen/pdf.py takes) and a PDF drawn straight from the composed model, here
the HTML preview (app/docgen/html.py, with the preview's print style) printed by Chromium.

Usage: python bench/pdf_bench.py [--awardees 60] [--runs 2]
Prints, for each route: seconds per PDF (median), pages, whether the last paragraph, Nơi
nhận and the signature share a page, whether every font is embedded, whether it is PDF/A;
then the rasterised pages (pdftoppm, 50 dpi, grey) compared page by page: the share of
pixels that differ by more than a quarter of the grey range. Needs soffice, Chromium
(/usr/bin/chromium, with Playwright) and poppler-utils.
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageChops  # noqa: E402

from app.docgen import html, pdf  # noqa: E402
from app.docgen.model import (  # noqa: E402
    Appendix,
    FormalDocument,
    Letterhead,
    ListSection,
    Para,
    Signature,
)

CHROMIUM = "/usr/bin/chromium"
LAST = "Quyết định này có hiệu lực kể từ ngày ký."


def decision(awardees: int) -> FormalDocument:
    """A decision as compose.decision_document lays it out (Căn cứ, articles, Nơi nhận,
    KT. signature, the Kèm theo list)."""
    people = tuple(f"{i}. Bà Nguyễn Thị Ánh Tuyết {i}, Điều dưỡng trưởng, Bệnh viện Đa khoa "
                   f"tỉnh;" for i in range(1, awardees + 1))
    bases = ("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 02 năm 2025;",
             "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",
             "Căn cứ Nghị định số 152/2025/NĐ-CP ngày 14 tháng 6 năm 2025 của Chính phủ quy "
             "định chi tiết một số điều của Luật Thi đua, khen thưởng;",
             "Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 12/TTr-SNV ngày 02 tháng 02 "
             "năm 2027.")
    return FormalDocument(
        letterhead=Letterhead(issuer=("ỦY BAN NHÂN DÂN", "TỈNH LẠNG SƠN"),
                              number="Số: 05/QĐ-UBND",
                              place_date="Lạng Sơn, ngày 05 tháng 02 năm 2027"),
        kind_title="QUYẾT ĐỊNH",
        summary="Về việc tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
        authority_line="CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN",
        body=(*(Para(b, "basis") for b in bases),
              Para("QUYẾT ĐỊNH:", "centered_bold"),
              Para(f"Tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh cho {awardees:02d} cá "
                   "nhân (có danh sách kèm theo) đã có thành tích xuất sắc trong phong trào "
                   "thi đua cao điểm chào mừng kỷ niệm ngày thành lập tỉnh.", "article",
                   "Điều 1."),
              Para("Mỗi cá nhân được tặng Bằng khen kèm theo tiền thưởng theo quy định, trích "
                   "từ Quỹ thi đua, khen thưởng của tỉnh năm 2027.", "article", "Điều 2."),
              Para("Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc Sở Nội vụ, Thủ trưởng các "
                   "cơ quan, đơn vị có liên quan và các cá nhân có tên tại Điều 1 chịu trách "
                   "nhiệm thi hành Quyết định này./.", "article", "Điều 3."),
              Para(LAST, "note")),
        signature=Signature(("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), "Đoàn Thị Hậu"),
        recipients=("- Như Điều 3;", "- CT, các PCT UBND tỉnh;", "- Sở Tài chính;",
                    "- Lưu: VT, SNV."),
        appendix=Appendix("DANH SÁCH", "CÁ NHÂN ĐƯỢC TẶNG BẰNG KHEN CỦA CHỦ TỊCH",
                          "(Kèm theo Quyết định số 05/QĐ-UBND ngày 05 tháng 02 năm 2027 của "
                          "Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn)",
                          (ListSection(f"I. CÁ NHÂN ({awardees:02d})", people),)))


def via_libreoffice(document, work: Path) -> bytes:
    return pdf.render_pdf(document, work / "fonts")


def via_chromium(document, browser) -> bytes:
    style = (ROOT / "app" / "static" / "preview.css").read_text()
    page = browser.new_page()
    page.set_content(f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><style>{style}"
                     f"</style></head><body><div class='preview-sheets'>{html.formal(document)}"
                     "</div></body></html>")
    data = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    page.close()
    return data


def tool(*args) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


def facts(data: bytes, path: Path) -> dict:
    path.write_bytes(data)
    pages = int(next(line.split()[-1] for line in tool("pdfinfo", str(path)).splitlines()
                     if line.startswith("Pages:")))
    texts = [tool("pdftotext", "-f", str(p), "-l", str(p), str(path), "-")
             for p in range(1, pages + 1)]
    together = any(LAST in t and "Nơi nhận" in t and "Đoàn Thị Hậu" in t for t in texts)
    fonts = tool("pdffonts", str(path)).splitlines()[2:]
    embedded = all(line.split()[-5] == "yes" for line in fonts)
    pdfa = b"pdfaid:part" in data or b"<pdfaid:part>" in data
    return {"pages": pages, "closing kept together": together, "fonts embedded": embedded,
            "PDF/A": pdfa}


def raster(path: Path, prefix: Path) -> list[Image.Image]:
    tool("pdftoppm", "-r", "50", "-gray", "-png", str(path), str(prefix))
    images = []
    for png in sorted(prefix.parent.glob(prefix.name + "-*.png")):
        with Image.open(png) as image:
            images.append(image.convert("L"))
    return images


def compare(a: list[Image.Image], b: list[Image.Image]) -> list[float]:
    shares = []
    for left, right in zip(a, b, strict=False):
        right = right.resize(left.size)
        diff = ImageChops.difference(left, right).point(lambda v: 255 if v > 64 else 0)
        shares.append(sum(1 for v in diff.get_flattened_data() if v) / (left.width * left.height))
    return shares


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--awardees", type=int, default=60)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    document = decision(args.awardees)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        work = Path(tmp)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox"])
        results = {}
        for route, make in (("LibreOffice from the DOCX", lambda: via_libreoffice(document, work)),
                            ("Chromium from the model's HTML", lambda: via_chromium(document,
                                                                                      browser))):
            make()  # warm: the field font built, Chromium's first page
            seconds = []
            for _ in range(args.runs):
                started = time.perf_counter()
                data = make()
                seconds.append(time.perf_counter() - started)
            name = "lo" if route.startswith("Libre") else "cr"
            results[name] = (data, route)
            print(f"{route}: {statistics.median(seconds):.2f} s per PDF, "
                  + ", ".join(f"{k}: {v}" for k, v in facts(data, work / f"{name}.pdf").items()))
        browser.close()
        shares = compare(raster(work / "lo.pdf", work / "lo"), raster(work / "cr.pdf", work / "cr"))
        print("Rasterised pages (50 dpi), share of pixels that differ: "
              + ", ".join(f"p{i + 1} {s:.1%}" for i, s in enumerate(shares)))


if __name__ == "__main__":
    main()
