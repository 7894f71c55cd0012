"""The issuable PDF of each final paper, read back by independent tools: poppler (pdffonts,
pdfinfo, pdftotext, pdftoppm) and pikepdf for the PDF/A smoke check and the fields.

LibreOffice is slow: each paper is printed once per module run (``RENDERED``) and every
check of that paper reads the same bytes."""
import hashlib
import io
import re
import shutil
import subprocess
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from app.docgen import pdf as issuable
from app.docgen.model import ListSection, Para
from app.extensions import db
from app.services import documents, reference
from tests.docgen.support import document, scenario, utc_at
from tests.docgen.test_city import CITY_UNIT, city_award_names
from tests.tools import missing
from tests.web.test_views import login

pytestmark = pytest.mark.storage  # run again with S3 by `make test-s3`

POPPLER = ("pdffonts", "pdfinfo", "pdftotext", "pdftoppm")
RENDERED: dict[str, bytes] = {}  # paper -> PDF bytes, shared by the tests of this module
ON = date(2027, 2, 5)


@pytest.fixture(autouse=True)
def _tools():
    if issuable.soffice() is None:
        missing("LibreOffice (soffice) is not installed; `make test` installs it "
                "(libreoffice-writer-nogui)")
    if not all(shutil.which(tool) for tool in POPPLER):
        missing("poppler-utils (pdffonts, pdftotext, pdftoppm) is not installed")


def run(*args) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120,
                          check=True).stdout


def saved(tmp_path, data, name="paper.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def words(path, page):
    """[(text, xmin, ymin, xmax, ymax)] of a page, top-down points (pdftotext -bbox)."""
    out = run("pdftotext", "-bbox", "-f", str(page + 1), "-l", str(page + 1), path, "-")
    return [(w[4], *map(float, w[:4])) for w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        out)]


def fill(data: bytes, values: dict[str, str], font_cache: Path) -> bytes:
    """The test's own filling of text fields (the signing steps do it with pyHanko, in an
    incremental update): value and a /N appearance in the PDF's embedded field font."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        font = pdf.Root.AcroForm.DR.Font[issuable.FONT_RESOURCE]
        for field in pdf.Root.AcroForm.Fields:
            text = values.get(str(field.T))
            if text is None:
                continue
            box = [float(v) for v in field.Rect]
            size = float(str(field.DA).split()[1])
            field.V = pikepdf.String(text)
            field.AP = pikepdf.Dictionary(N=issuable.text_appearance(
                pdf, font, box, text, size, issuable.field_font_file(font_cache)))
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def field_map(data):
    return {f.name: f for f in issuable.fields(data)}


def page_height(data, page):
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return float(pdf.pages[page].mediabox[3])


def assert_signature_between_title_and_name(path, data, title, name):
    """The signature field lies under the signer's last title line and above the name,
    centred on the name (NĐ 30 Phụ lục I khoản 7d)."""
    sig = field_map(data)["chu_ky"]
    height = page_height(data, sig.page)
    top, bottom = height - sig.box[3], height - sig.box[1]
    found = words(path, sig.page)
    first_name = name.split()[0]
    name_words = [w for w in found if w[0] == first_name and w[1] > 300]
    assert name_words, f"{name} not on the signature's page {sig.page + 1}"
    name_top = name_words[-1][2]
    line = [w for w in found if abs(w[2] - name_top) < 2 and w[1] > 300]
    name_left, name_right = min(w[1] for w in line), max(w[3] for w in line)
    last_title_word = title.split()[-1]
    title_bottom = max(w[4] for w in found if w[0] == last_title_word and w[4] < name_top
                       and w[1] > 300)
    assert title_bottom <= top + 1 and bottom <= name_top + 1, (title_bottom, top, bottom,
                                                                name_top)
    assert bottom - top >= 40  # room for the signature image
    centre = (sig.box[0] + sig.box[2]) / 2
    assert abs(centre - (name_left + name_right) / 2) < 6, (centre, name_left, name_right)


def assert_pdfa_smoke(data, path):
    """PDF/A-2b smoke check (veraPDF is the full check, run by hand): XMP pdfaid 2/B, an sRGB
    OutputIntent, every font embedded, no NeedAppearances, widgets with only /N, an /ID."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert not pdf.is_encrypted
        meta = pdf.open_metadata()
        assert meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") == "B"
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        profile = intent.DestOutputProfile.read_bytes()
        assert profile[36:40] == b"acsp" and b"sRGB" in profile
        assert "/ID" in pdf.trailer and len(pdf.trailer.ID) == 2
        form = pdf.Root.AcroForm
        assert form.get("/NeedAppearances") in (None, False)
        widgets = [a for page in pdf.pages for a in page.get("/Annots", [])
                   if a.Subtype == "/Widget"]
        assert len(widgets) == 3
        for widget in widgets:
            assert set(widget.AP.keys()) == {"/N"}
            assert widget.F == 4  # printed, not hidden
        font = form.DR.Font[issuable.FONT_RESOURCE]
        descendant = font.DescendantFonts[0]
        assert "/FontFile2" in descendant.FontDescriptor
        assert "/JavaScript" not in pdf.Root.get("/Names", {})
        # no structure tree: a verifier reads every object of a signed revision, and the
        # tree of a long list was 17 times the rest of the file (issue 21, speed)
        assert "/StructTreeRoot" not in pdf.Root
    fonts = run("pdffonts", path).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # emb


# -- the Chairman's decision, through the API ------------------------------------------------------


def _chairman_signs_himself(world):
    chairman = world.users["chairman"]
    chairman.signing_title, chairman.signing_authority = "CHỦ TỊCH", None
    db.session.commit()


def test_the_decision_pdf_is_offered_beside_its_docx_and_kept_with_its_hash(world, api, client,
                                                                            frozen):
    frozen(utc_at(ON))
    _chairman_signs_himself(world)
    s = scenario(world)
    base = f"/api/v1/decisions/{s.decision.id}/documents"
    listed = {d["name"]: d for d in api("chairman").get(base).get_json()}
    assert listed["decision"]["pdf"] is True and listed["decision"]["pdf_sha256"] is None
    assert listed["proposal"]["pdf"] is True  # the TTr-SNV is final too
    assert listed["certificates"]["pdf"] is False  # printed on the award's stock

    r = api("chairman").get(f"{base}/decision/pdf")
    assert r.status_code == 200, r.get_json()
    assert r.mimetype == "application/pdf"
    data = r.get_data()
    sha = hashlib.sha256(data).hexdigest()
    assert r.headers["X-Content-SHA256"] == sha
    assert "Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%2001-Q%C4%90-UBND" in r.headers[
        "Content-Disposition"] and ".pdf" in r.headers["Content-Disposition"]
    RENDERED["chairman"] = data
    # kept: the same bytes again, the hash in the listing, beside the DOCX's
    again = api("clerk").get(f"{base}/decision/pdf")
    assert again.status_code == 200 and again.get_data() == data
    listed = {d["name"]: d for d in api("chairman").get(base).get_json()}
    assert listed["decision"]["pdf_sha256"] == sha
    assert listed["decision"]["pdf_size"] == len(data)
    assert listed["decision"]["sha256"] != sha  # the DOCX keeps its own
    # exactly those who may download the DOCX: the administrator may not
    assert api("admin").get(f"{base}/decision").status_code == 404
    refused = api("admin").get(f"{base}/decision/pdf")
    assert refused.status_code == 404
    assert api("chairman").get(f"{base}/certificates/pdf").status_code == 404
    # the item's page offers it beside the DOCX, and the history page shows its hash
    login(client, "chairman")
    page = client.get(f"/decisions/{s.decision.id}").get_data(as_text=True)
    assert f'href="{base}/decision/pdf"' in page and f'href="{base}/certificates/pdf"' not in page
    assert sha in client.get(f"/decisions/{s.decision.id}/history").get_data(as_text=True)


def test_a_draft_has_no_pdf_yet(world, api, frozen):
    frozen(utc_at(ON))
    s = scenario(world, until="drafting")
    r = api("appraiser").get(f"/api/v1/decisions/{s.decision.id}/documents/decision/pdf")
    error = r.get_json()["error"]
    assert r.status_code == 404 and error["code"] == "not_found"
    assert "chưa có bản chính thức" in error["message"]


def test_without_libreoffice_the_answer_says_so_in_vietnamese(world, api, frozen, monkeypatch):
    frozen(utc_at(ON))
    s = scenario(world)
    monkeypatch.setattr(issuable, "soffice", lambda: None)
    r = api("chairman").get(f"/api/v1/decisions/{s.decision.id}/documents/decision/pdf")
    assert r.status_code == 503
    body = r.get_json()["error"]
    assert body["code"] == "pdf_unavailable" and "LibreOffice" in body["message"]
    assert "Chưa tạo được bản PDF" in body["message"]
    # nothing kept
    db.session.expire_all()
    assert documents.current("decision", s.decision.id, "decision_pdf") is None


def _chairman_pdf(world, api, client, frozen):
    if "chairman" not in RENDERED:
        test_the_decision_pdf_is_offered_beside_its_docx_and_kept_with_its_hash(
            world, api, client, frozen)
    return RENDERED["chairman"]


def test_the_decision_pdf_is_a4_pdfa_with_fonts_embedded_and_vietnamese_text(
        world, api, client, frozen, tmp_path):
    data = _chairman_pdf(world, api, client, frozen)
    path = saved(tmp_path, data)
    info = run("pdfinfo", path)
    assert "Page size:       595.3" in info and "(A4)" in info
    assert re.search(r"Form:\s+AcroForm", info)
    assert_pdfa_smoke(data, path)
    text = run("pdftotext", path, "-")
    for expected in ("ỦY BAN NHÂN DÂN", "QUYẾT ĐỊNH", "CHỦ TỊCH", "Đoàn Thị Hậu",
                     "Bà Nguyễn Thị Ánh Tuyết", "Ông Đặng Văn Ưng", "Ông Hoàng Văn Quý",
                     "Khoa Hồi sức cấp cứu", "DANH SÁCH"):  # the Kèm theo list in the same file
        assert expected in text, expected
    # issued on paper, the decision has its number and date: the kept PDF reads as its
    # DOCX does, written into the fields (not printed on the page), which stay form fields
    assert "Số: 01/QĐ-UBND" in text and "Lạng Sơn, ngày 05" in text
    with pikepdf.open(io.BytesIO(data)) as pdf:
        values = {str(f.T): str(f.get("/V", "")) for f in pdf.Root.AcroForm.Fields}
    assert values["so"] == "Số: 01/QĐ-UBND" and values["ngay_thang"].startswith("Lạng Sơn, ngày 05")


def test_the_fields_are_at_their_nd30_places(world, api, client, frozen, tmp_path):
    data = _chairman_pdf(world, api, client, frozen)
    path = saved(tmp_path, data)
    found = field_map(data)
    assert set(found) == {"so", "ngay_thang", "chu_ky"}
    number, when = found["so"], found["ngay_thang"]
    assert number.page == when.page == 0
    for field in (number, when):  # tall enough for stacked diacritics
        assert field.box[3] - field.box[1] >= 1.5 * field.size
    height = page_height(data, 0)
    page = words(path, 0)
    issuer_bottom = max(w[4] for w in page if w[0] == "SƠN" and w[1] < 260)  # TỈNH LẠNG SƠN
    motto_bottom = max(w[4] for w in page if w[0] == "phúc")  # Hạnh phúc
    title_top = min(w[2] for w in page if w[0] == "QUYẾT")
    # "Số" under the issuer in the left column, the date under the motto on the right, both
    # above the title
    assert number.box[2] <= when.box[0] + 1 and number.box[0] >= 80
    assert issuer_bottom < height - number.box[3] + 12 and height - number.box[1] < title_top
    assert motto_bottom < height - when.box[3] + 12 and height - when.box[1] < title_top
    with pikepdf.open(io.BytesIO(data)) as pdf:
        kinds = {str(f.T): str(f.FT) for f in pdf.Root.AcroForm.Fields}
    assert kinds == {"so": "/Tx", "ngay_thang": "/Tx", "chu_ky": "/Sig"}
    assert_signature_between_title_and_name(path, data, "CHỦ TỊCH", "Đoàn Thị Hậu")
    # rasterised: an A4 page
    run("pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-png", "-singlefile", path,
        str(tmp_path / "page"))
    with Image.open(tmp_path / "page.png") as image:
        assert image.size in ((595, 842), (596, 842))


def test_a_filled_number_and_date_are_legible(world, api, client, frozen, tmp_path, app):
    """The font-width pitfall (E-ISSUING §4.3): filled in the embedded field font, the text
    copies out with its diacritics and its ink is as wide as the font says, inside the box."""
    data = _chairman_pdf(world, api, client, frozen)
    cache = Path(app.instance_path) / "fonts"
    values = {"so": "Số: 01/QĐ-UBND", "ngay_thang": "Lạng Sơn, ngày 05 tháng 02 năm 2027"}
    filled = fill(data, values, cache)
    path = saved(tmp_path, filled, "filled.pdf")
    text = run("pdftotext", "-layout", path, "-")
    assert "Số: 01/QĐ-UBND" in text and "Lạng Sơn, ngày 05 tháng 02 năm 2027" in text
    font = issuable.TTFont(str(issuable.field_font_file(cache)))
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    assert font["head"].unitsPerEm == 1000
    dpi = 200
    for name, text_value in values.items():
        field = field_map(filled)[name]
        x1, y1, x2, y2 = field.box
        height = page_height(filled, 0)
        scale = dpi / 72
        crop = tmp_path / f"{name}"
        run("pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-gray", "-png", "-singlefile",
            "-x", str(int(x1 * scale)), "-y", str(int((height - y2) * scale)),
            "-W", str(int((x2 - x1) * scale)), "-H", str(int((y2 - y1) * scale)),
            path, str(crop))
        with Image.open(f"{crop}.png") as png:
            image = png.convert("L")
        ink = image.point(lambda v: 255 if v < 128 else 0).getbbox()
        assert ink is not None, f"{name}: nothing drawn"
        left, top, right, bottom = ink
        expected = sum(hmtx[cmap[ord(c)]][0] for c in text_value) * field.size / 1000 * scale
        assert 0.85 * expected <= right - left <= 1.05 * expected, (name, right - left, expected)
        assert left > 2 and right < image.width - 2  # not clipped at the sides
        assert top > 0 and bottom < image.height  # diacritics and descenders inside


# -- the KT. signer, and 2,000 awardees ------------------------------------------------------------


def test_kt_signer_and_a_2000_awardee_decision(world, frozen, tmp_path, app):
    frozen(utc_at(ON))
    s = scenario(world)  # the world's chairman signs KT. CHỦ TỊCH / PHÓ CHỦ TỊCH
    stored = documents.keep_pdf("decision", s.decision, "decision")
    db.session.commit()
    body, _name, sha = documents.fetch_pdf("decision", s.decision, "decision")
    with body.fileobj as fh:
        data = fh.read()
    assert sha == stored.sha256 == hashlib.sha256(data).hexdigest()
    path = saved(tmp_path, data, "kt.pdf")
    assert "KT. CHỦ TỊCH" in run("pdftotext", path, "-")
    assert_signature_between_title_and_name(path, data, "PHÓ CHỦ TỊCH", "Đoàn Thị Hậu")

    # the same content with 2,000 awardees and a body long enough to push the closing to
    # page 2: the page count grows, the signature still gets its field, on its page
    content = documents.compose("decision", s.decision, "decision", draft=False)
    entries = tuple(f"{i}. Ông Nguyễn Văn Ưng {i}, Chuyên viên, Phòng Quản lý số {i % 40}, "
                    f"Sở Y tế tỉnh Lạng Sơn;" for i in range(1, 2001))
    basis = tuple(Para(f"Căn cứ văn bản số {i} về công tác thi đua, khen thưởng;", "basis")
                  for i in range(12))
    big = replace(content, body=basis + content.body, appendix=replace(
        content.appendix, sections=(ListSection("II. CÁ NHÂN (2.000)", entries),)))
    large = issuable.render_pdf(big, Path(app.instance_path) / "fonts")
    big_path = saved(tmp_path, large, "large.pdf")
    pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", big_path)).group(1))
    assert pages > 40
    sig = field_map(large)["chu_ky"]
    assert sig.page == 1  # the closing moved to page 2 with its last paragraph
    assert_signature_between_title_and_name(big_path, large, "PHÓ CHỦ TỊCH", "Đoàn Thị Hậu")
    # the last paragraph, Nơi nhận and the signature on one page (NĐ 30; the DOCX's rule)
    closing = " ".join(run("pdftotext", "-f", str(sig.page + 1), "-l", str(sig.page + 1),
                           big_path, "-").split())
    last_words = " ".join(big.body[-1].text.split()[:4])
    assert last_words in closing and "Nơi nhận:" in closing and "Đoàn Thị Hậu" in closing
    before = " ".join(run("pdftotext", "-f", "1", "-l", "1", big_path, "-").split())
    assert last_words not in before
    assert "Số:" not in before  # for the Văn thư's electronic issue: the fields left empty
    last = run("pdftotext", "-f", str(pages), "-l", str(pages), big_path, "-")
    assert "2000. Ông Nguyễn Văn Ưng 2000" in last
    assert_pdfa_smoke(large, big_path)


# -- a centrally-run city's Board proposal (TTr-SNV) ------------------------------------------------


def test_a_city_board_proposal_pdf(world, api, frozen, tmp_path, app):
    frozen(utc_at(ON))
    reference.import_reference(city_award_names())  # a city keeps no name that says tỉnh
    r = api("admin").patch("/api/v1/units/UBND", json=CITY_UNIT)
    assert r.status_code == 200, r.get_json()
    s = scenario(world)
    r = api("board_head").get(f"/api/v1/decisions/{s.decision.id}/documents/proposal/pdf")
    assert r.status_code == 200, r.get_json()
    data = r.get_data()
    path = saved(tmp_path, data, "ttr.pdf")
    text = run("pdftotext", path, "-")
    assert "TỜ TRÌNH" in text and "Hải Phòng" in text and "Lạng Sơn" not in text
    docx_text = document("decision", s.decision, "proposal")[0]
    assert docx_text  # the DOCX stays what it was
    found = field_map(data)
    assert set(found) == {"so", "ngay_thang", "chu_ky"}
    assert_signature_between_title_and_name(path, data, "GIÁM ĐỐC", world.users[
        "board_head"].full_name)
    stored = documents.current("decision", s.decision.id, "proposal")
    values = issuable.field_values(documents.docgen.loads_content(stored.content))
    assert values["ngay_thang"].startswith("Hải Phòng, ngày 05 tháng 02 năm 2027")
    assert values["so"].startswith("Số: 01/TTr-")
    filled = fill(data, values, Path(app.instance_path) / "fonts")
    filled_text = run("pdftotext", saved(tmp_path, filled, "ttr-filled.pdf"), "-")
    assert "Hải Phòng, ngày 05 tháng 02 năm 2027" in filled_text
    assert_pdfa_smoke(data, path)


def test_a_conversion_that_takes_too_long_is_stopped_whole(monkeypatch):
    """LibreOffice runs in its own session: at the timeout the whole of it is killed, and
    the person is told in Vietnamese."""
    started = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(issuable.subprocess, "Popen", popen)
    blank = io.BytesIO()
    import docx
    docx.Document().save(blank)
    with pytest.raises(issuable.PdfUnavailable, match="quá lâu"):
        issuable.convert(blank.getvalue(), timeout=0.3)
    [proc] = started
    assert proc.returncode is not None  # reaped
    for _ in range(50):  # killed children leave once init has reaped them
        leftover = subprocess.run(["ps", "-o", "stat=", "-g", str(proc.pid)],
                                  capture_output=True, text=True).stdout.split()
        if all(state.startswith("Z") for state in leftover):
            break
        time.sleep(0.1)
    assert all(state.startswith("Z") for state in leftover), leftover
