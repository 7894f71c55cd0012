"""The issuable PDF of a formal document: the DOCX of the same composed content, printed to
PDF/A-2b by LibreOffice headless, then given its empty form fields with pikepdf.

Why LibreOffice from the DOCX rather than a PDF drawn from the model: the DOCX already meets
every NĐ 30 point (see render.py), including the keeping of the last paragraph, Nơi nhận and
the signature on one page; LibreOffice lays that out exactly as the Office sees it in Writer,
embeds the fonts and writes PDF/A-2b itself (bench/pdf_bench.py compares the two routes).

Where the fields go is read from LibreOffice's own layout: the paragraphs that will hold the
number, the place and date, the signer's last title line and name are bookmarked; with
``ExportBookmarksToPDFDestination`` each bookmark becomes a named destination (page, top of
the line). The page shows nothing at the number and the date (the Văn thư's step fills the
fields); the signature field lies centred between the title and the name.

The fields' font is Liberation Serif (metric twin of Times New Roman, Debian
fonts-liberation2) rescaled once to 1000 units per em: with 2048 units a PDF filler writes
widths poppler misreads, and the filled text is spread out and clipped (E-ISSUING §4.3).
Only this package imports pikepdf and fontTools.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import threading
from copy import deepcopy
from dataclasses import replace
from pathlib import Path

import docx
import pikepdf
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem

from app.docgen.fields import (
    FIELD_NAMES,
    NUMBER,
    NUMBER_SIZE,
    PLACE_DATE,
    PLACE_DATE_SIZE,
    SIGNATURE,
    FieldBox,
    PdfUnavailable,
    field_values,
)
from app.docgen.model import FormalDocument
from app.docgen.render import render_formal

__all__ = ["FIELD_NAMES", "FieldBox", "PdfUnavailable", "field_values", "fields", "render_pdf"]

FONT_RESOURCE = "/TdktSerif"
SOURCE_FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
FONT_FILE = "LiberationSerif-Regular-1000upm.ttf"

MM = 72 / 25.4
LEFT_MARGIN, TEXT_WIDTH = 30 * MM, 165 * MM
LEFT_COL = 62 * MM  # render.LEFT_COL: the letterhead's left column
CLOSING_LEFT = 80 * MM  # render._closing: Nơi nhận's column, the signature right of it
SIGNATURE_WIDTH = 60 * MM

_MARK = "\u2063"  # invisible separator, as render.py uses for its prototypes
# Upper case: render.py prints the issuer and the title lines in capitals.
_MARKS = {"number": f"{_MARK}TDKTSO{_MARK}", "place_date": f"{_MARK}TDKTNGAY{_MARK}",
          "title": f"{_MARK}TDKTCHUCVU{_MARK}", "name": f"{_MARK}TDKTTEN{_MARK}"}
_BOOKMARKS = {key: f"tdkt{key.replace('_', '')}" for key in _MARKS}  # no "_": LO escapes it


# -- the field font --------------------------------------------------------------------------------

_font_lock = threading.Lock()
# Latin, Vietnamese letters (Latin Extended Additional), combining tones, punctuation.
_UNICODES = [*range(0x20, 0x7F), *range(0xA0, 0x180), 0x1A0, 0x1A1, 0x1AF, 0x1B0,
             *range(0x300, 0x324), *range(0x1EA0, 0x1EFA), *range(0x2010, 0x2027)]


def field_font_file(cache_dir: Path) -> Path:
    """The fields' font, built once from Liberation Serif into ``cache_dir`` (the instance
    folder): subset to Vietnamese, rescaled to 1000 units per em. Never downloaded."""
    target = Path(cache_dir) / FONT_FILE
    if target.exists():
        return target
    with _font_lock:
        if target.exists():
            return target
        if not SOURCE_FONT.exists():
            raise PdfUnavailable("Thiếu phông chữ Liberation Serif (gói fonts-liberation2) "
                                 "để tạo tệp PDF.")
        font = TTFont(str(SOURCE_FONT))
        options = subset.Options()
        options.layout_features = []
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.drop_tables += ["FFTM"]  # FontForge's timestamps: nothing to subset
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=_UNICODES)
        subsetter.subset(font)
        scale_upem(font, 1000)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.part")
        font.save(str(partial))
        partial.replace(target)  # atomic: a reader never sees half a font
    return target


def _pdf_font(pdf: pikepdf.Pdf, font_path: Path) -> pikepdf.Object:
    """The font as an embedded Type0 (Identity-H, CID = glyph id) with 1000-unit widths
    and a ToUnicode map, so filled text renders and copies out in Vietnamese."""
    data = font_path.read_bytes()
    font = TTFont(io.BytesIO(data))
    assert font["head"].unitsPerEm == 1000
    order = font.getGlyphOrder()
    hmtx = font["hmtx"]
    widths = [hmtx[name][0] for name in order]
    head, os2 = font["head"], font["OS/2"]
    descriptor = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/TDKTVN+LiberationSerif"),
        Flags=34, FontBBox=[head.xMin, head.yMin, head.xMax, head.yMax], ItalicAngle=0,
        Ascent=os2.sTypoAscender, Descent=os2.sTypoDescender,
        CapHeight=getattr(os2, "sCapHeight", 660) or 660, StemV=80,
        FontFile2=pdf.make_stream(data)))
    cid_font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name("/TDKTVN+LiberationSerif"),
        CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=descriptor, DW=1000, W=[0, widths],
        CIDToGIDMap=pikepdf.Name.Identity))
    cmap = font.getBestCmap()
    pairs = sorted((order.index(glyph), code) for code, glyph in cmap.items())
    seen, lines = set(), []
    for gid, code in pairs:
        if gid not in seen:
            seen.add(gid)
            lines.append(f"<{gid:04X}> <{code:04X}>")
    chunks = [lines[i:i + 100] for i in range(0, len(lines), 100)]
    body = "".join(f"{len(c)} beginbfchar\n" + "\n".join(c) + "\nendbfchar\n" for c in chunks)
    to_unicode = ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                  "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                  "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                  "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                  f"{body}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0,
        BaseFont=pikepdf.Name("/TDKTVN+LiberationSerif"), Encoding=pikepdf.Name("/Identity-H"),
        DescendantFonts=[cid_font], ToUnicode=pdf.make_stream(to_unicode.encode("ascii"))))


def text_appearance(pdf: pikepdf.Pdf, font: pikepdf.Object, box, text: str, size: float,
                    font_path: Path) -> pikepdf.Object:
    """A centred one-line appearance stream (/N) of ``text`` in the embedded field font."""
    tt = TTFont(str(font_path))
    cmap, order, hmtx = tt.getBestCmap(), tt.getGlyphOrder(), tt["hmtx"]
    glyphs = [cmap.get(ord(ch), ".notdef") for ch in text]
    width = sum(hmtx[g][0] for g in glyphs) * size / 1000
    w, h = box[2] - box[0], box[3] - box[1]
    x = max((w - width) / 2, 1)
    y = (h - size * 0.7) / 2  # the cap height centred in the box
    codes = "".join(f"{order.index(g):04X}" for g in glyphs)
    stream = (f"/Tx BMC q BT {FONT_RESOURCE} {size} Tf 0 g {x:.2f} {y:.2f} Td <{codes}> Tj "
              "ET Q EMC").encode("ascii")
    return _form(pdf, w, h, stream, font)


def _form(pdf, w, h, content: bytes, font=None):
    resources = pikepdf.Dictionary()
    if font is not None:
        resources = pikepdf.Dictionary(Font=pikepdf.Dictionary({FONT_RESOURCE: font}))
    return pdf.make_stream(content, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                           BBox=[0, 0, w, h], Resources=resources)


# -- marked DOCX -> PDF/A-2b -> fields ---------------------------------------------------------------


def _marked(document: FormalDocument) -> FormalDocument:
    """The content with markers where the fields go; the number and the date left for
    the Văn thư (NĐ 30 Điều 15 k3: given by the System at issue)."""
    head = replace(document.letterhead, number=_MARKS["number"], place_date=_MARKS["place_date"])
    sig = document.signature
    authority = (*sig.authority[:-1], _MARKS["title"]) if sig.authority else (_MARKS["title"],)
    return replace(document, letterhead=head, signature=replace(sig, authority=authority,
                                                                name=_MARKS["name"]))


def _bookmark(paragraph, name, ident):
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), str(ident))
    start.set(qn("w:name"), name)
    end.set(qn("w:id"), str(ident))
    paragraph._p.insert(1 if paragraph._p.pPr is not None else 0, start)
    paragraph._p.append(end)


def _empty(paragraph, run):
    """The line stays, as tall as its text would be, with nothing on it: the run goes, its
    size moves to the paragraph mark (a blank run would lose the bookmark in LibreOffice's
    export, and an invisible character would copy out with the text)."""
    rpr = run._r.rPr
    run._r.getparent().remove(run._r)
    if rpr is not None:
        paragraph._p.get_or_add_pPr().append(deepcopy(rpr))


def issuable_docx(document: FormalDocument) -> bytes:
    """The DOCX the PDF is printed from: the paper as composed, its number and date lines
    left blank, and bookmarks at the number, the date, the last title line and the name."""
    sig = document.signature
    restore = {_MARKS["title"]: sig.authority[-1].upper() if sig.authority else "\u00a0",
               _MARKS["name"]: sig.name}
    marked = docx.Document(io.BytesIO(render_formal(_marked(document))))
    by_mark = {mark: key for key, mark in _MARKS.items()}
    found = set()
    for table in marked.tables:
        for cell in (c for row in table.rows for c in row.cells):
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    key = by_mark.get(run.text)
                    if key and key not in found:
                        found.add(key)
                        if key in ("number", "place_date"):
                            _empty(paragraph, run)
                        else:
                            run.text = restore[_MARKS[key]]
                        _bookmark(paragraph, _BOOKMARKS[key], 900 + len(found))
    if found != set(_MARKS):
        raise PdfUnavailable("Không xác định được vị trí số, ngày và chữ ký trên văn bản.")
    out = io.BytesIO()
    marked.save(out)
    return out.getvalue()


FILTER = ('pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"},'
          '"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"},'
          '"ExportFormFields":{"type":"boolean","value":"false"}}')


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(docx_bytes: bytes, timeout: float = 120) -> bytes:
    """DOCX → PDF/A-2b with LibreOffice headless, in a profile of its own (conversions run
    side by side and never wait for another's lock), killed after ``timeout`` seconds."""
    program = soffice()
    if program is None:
        raise PdfUnavailable("Máy chủ chưa cài LibreOffice (gói libreoffice-writer-nogui) nên "
                             "chưa tạo được tệp PDF.")
    with tempfile.TemporaryDirectory(prefix="tdkt-pdf-") as work:
        source = Path(work) / "paper.docx"
        source.write_bytes(docx_bytes)
        args = [program, f"-env:UserInstallation={(Path(work) / 'profile').as_uri()}",
                "--headless", "--norestore", "--nologo", "--nodefault", "--convert-to", FILTER,
                "--outdir", work, str(source)]
        try:
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=True)
            try:
                _out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)  # its own session: the whole LibreOffice goes
                proc.communicate()
                raise PdfUnavailable("Tạo tệp PDF quá lâu, đã dừng; vui lòng thử lại sau.") from None
        except OSError as exc:
            raise PdfUnavailable("Không chạy được LibreOffice để tạo tệp PDF.") from exc
        result = Path(work) / "paper.pdf"
        if proc.returncode != 0 or not result.exists():
            raise PdfUnavailable("LibreOffice không tạo được tệp PDF của văn bản.")
        return result.read_bytes()


def _destinations(pdf: pikepdf.Pdf) -> dict[str, tuple[int, float, float]]:
    """Our bookmarks' (page index, left, top), removed from the file (internal marks)."""
    pages = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    dests = pdf.Root.get("/Dests")
    found = {}
    if dests is None:
        return found
    wanted = {bookmark: key for key, bookmark in _BOOKMARKS.items()}
    for name in list(dests.keys()):
        key = wanted.get(name[1:])
        if key is None:
            continue
        target = dests[name]
        target = target.get("/D", target) if isinstance(target, pikepdf.Dictionary) else target
        found[key] = (pages[target[0].objgen], float(target[2]), float(target[3]))
        del dests[name]
    if not dests.keys():
        del pdf.Root["/Dests"]
    return found


def field_boxes(found) -> list[FieldBox]:
    """The three fields, from the destinations of the marked lines."""
    def line(key, size, left, width):
        page, _x, top = found[key]
        height = size * 1.5  # room for stacked Vietnamese diacritics and descenders
        middle = top - size * 1.15 / 2  # the middle of the line LibreOffice set
        return page, (left, middle - height / 2, left + width, middle + height / 2)

    number_page, number = line("number", NUMBER_SIZE, LEFT_MARGIN, LEFT_COL)
    date_page, date = line("place_date", PLACE_DATE_SIZE, LEFT_MARGIN + LEFT_COL,
                           TEXT_WIDTH - LEFT_COL)
    title_page, _x, title_top = found["title"]
    name_page, _x, name_top = found["name"]
    if title_page != name_page:  # the closing's row never splits (render._keep_row_together)
        raise PdfUnavailable("Khối chữ ký bị tách trang; không đặt được ô chữ ký.")
    centre = LEFT_MARGIN + CLOSING_LEFT + (TEXT_WIDTH - CLOSING_LEFT) / 2
    bottom, top = name_top + 2, title_top - 14 * 1.15 - 1
    signature = (centre - SIGNATURE_WIDTH / 2, bottom, centre + SIGNATURE_WIDTH / 2, top)
    return [FieldBox(NUMBER, number_page, number, NUMBER_SIZE),
            FieldBox(PLACE_DATE, date_page, date, PLACE_DATE_SIZE),
            FieldBox(SIGNATURE, title_page, signature)]


def _add_fields(pdf: pikepdf.Pdf, boxes: list[FieldBox], font_path: Path,
                values: dict[str, str] | None = None):
    font = _pdf_font(pdf, font_path)
    values = values or {}
    fields = []
    for field in boxes:
        page = pdf.pages[field.page]
        x1, y1, x2, y2 = field.box
        if values.get(field.name):
            appearance = text_appearance(pdf, font, field.box, values[field.name], field.size,
                                         font_path)
        else:
            appearance = _form(pdf, x2 - x1, y2 - y1,
                               b"" if field.size is None else b"/Tx BMC EMC",
                               None if field.size is None else font)
        widget = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, Rect=[x1, y1, x2, y2],
            F=4, P=page.obj, T=pikepdf.String(field.name),
            AP=pikepdf.Dictionary(N=appearance))
        if field.size is None:
            widget.FT = pikepdf.Name.Sig
        else:
            widget.FT = pikepdf.Name.Tx
            widget.DA = pikepdf.String(f"{FONT_RESOURCE} {field.size} Tf 0 g")
            widget.Q = 1  # centred, as the line it stands for
            widget.V = pikepdf.String(values.get(field.name, ""))
        widget = pdf.make_indirect(widget)
        if "/Annots" not in page.obj:
            page.obj.Annots = pdf.make_indirect(pikepdf.Array())
        page.obj.Annots.append(widget)
        fields.append(widget)
    pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(
        Fields=fields, DA=pikepdf.String(f"{FONT_RESOURCE} 13 Tf 0 g"),
        DR=pikepdf.Dictionary(Font=pikepdf.Dictionary({FONT_RESOURCE: font}))))
    return font


# -- the verification QR code -----------------------------------------------------------------------

QR_SIZE = 16 * MM  # small: in the bottom margin (20 mm) of page 1, left, under the text
QR_BOTTOM = 3 * MM
QR_CAPTION = "Xác minh văn bản"
QR_CAPTION_SIZE = 8


def _qr_stream(url: str, font_path: Path) -> bytes:
    """Vector drawing of the QR code of ``url`` (dark modules as rectangles, each row's runs
    merged: no image, nothing for PDF/A to object to) with its caption to the right."""
    import segno

    code = segno.make(url, error="m", micro=False, boost_error=False)
    rows = [list(row) for row in code.matrix]  # 0/1 modules, no quiet zone
    n = len(rows)
    module = QR_SIZE / n
    ops = ["q 0 g"]
    for r, row in enumerate(rows):
        y = QR_BOTTOM + (n - 1 - r) * module
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                ops.append(f"{LEFT_MARGIN + start * module:.3f} {y:.3f} "
                           f"{(c - start) * module:.3f} {module:.3f} re")
            else:
                c += 1
    ops.append("f")
    tt = TTFont(str(font_path))
    cmap, order = tt.getBestCmap(), tt.getGlyphOrder()
    codes = "".join(f"{order.index(cmap.get(ord(ch), '.notdef')):04X}" for ch in QR_CAPTION)
    ops.append(f"BT {FONT_RESOURCE} {QR_CAPTION_SIZE} Tf "
               f"{LEFT_MARGIN + QR_SIZE + 2 * MM:.2f} {QR_BOTTOM + QR_SIZE / 2 - 3:.2f} Td "
               f"<{codes}> Tj ET Q")
    return "\n".join(ops).encode("ascii")


def _add_qr(pdf: pikepdf.Pdf, font: pikepdf.Object, url: str, font_path: Path):
    """The verification link's QR code on page 1, bottom left, drawn over the page as
    printed (before anyone signs: the signer's signature covers it)."""
    page = pdf.pages[0]
    resources = page.obj.get("/Resources")
    if resources is None:
        page.obj.Resources = resources = pikepdf.Dictionary()
    if "/Font" not in resources:
        resources.Font = pikepdf.Dictionary()
    resources.Font[FONT_RESOURCE] = font
    # the page's own drawing keeps its graphics state: ours comes after a balanced q … Q
    page.contents_add(pdf.make_stream(b"q"), prepend=True)
    page.contents_add(pdf.make_stream(b"Q\n" + _qr_stream(url, font_path)))


def _drop_structure_tree(pdf: pikepdf.Pdf) -> None:
    """LibreOffice tags every PDF/A it writes: the 2,000-awardee decision carried a
    structure tree of about 4,100 objects around its 240, and every verification of a
    signature reads each object of the signed revision (pyHanko's check of what changed
    after it): 4× the time, over the one-second budget (issue 21, bench/esign_bench.py).
    PDF/A-2b asks for no tags; the accessible readings of the paper are its DOCX and the
    HTML preview. The marked content in the pages stays (harmless without the tree)."""
    if "/StructTreeRoot" not in pdf.Root:
        return
    del pdf.Root["/StructTreeRoot"]
    if "/MarkInfo" in pdf.Root:
        pdf.Root.MarkInfo.Marked = False
    for page in pdf.pages:
        if "/StructParents" in page:
            del page["/StructParents"]
        for annotation in page.get("/Annots", ()):
            if "/StructParent" in annotation:
                del annotation["/StructParent"]


def render_pdf(document: FormalDocument, font_cache: Path, timeout: float = 120,
               filled: bool = False, verification_url: str | None = None) -> bytes:
    """The issuable PDF/A-2b of a formal document: A4, fonts embedded, fields "so" and
    "ngay_thang" at the number and the date, an empty signature field "chu_ky" centred
    between the signer's title and name. The text fields are empty for a paper still to be
    numbered electronically; ``filled``: they hold the number and date the paper already
    has (a paper numbered on paper, whose PDF must read as its DOCX does).
    ``verification_url``: printed as a QR code with «Xác minh văn bản» at the bottom left
    of page 1 (the public verification of this document)."""
    font_path = field_font_file(font_cache)
    printed = convert(issuable_docx(document), timeout=timeout)
    with pikepdf.open(io.BytesIO(printed)) as pdf:
        found = _destinations(pdf)
        if set(found) != set(_MARKS):
            raise PdfUnavailable("Không xác định được vị trí số, ngày và chữ ký trên văn bản.")
        font = _add_fields(pdf, field_boxes(found), font_path,
                           field_values(document) if filled else None)
        if verification_url:
            _add_qr(pdf, font, verification_url, font_path)
        _drop_structure_tree(pdf)
        out = io.BytesIO()
        pdf.save(out)  # keeps the first /ID element, the XMP and the OutputIntent
        return out.getvalue()


def fields(data: bytes) -> list[FieldBox]:
    """The form fields of an issuable PDF, read back (for the signing steps)."""
    out = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
        for field in pdf.Root.get("/AcroForm", {}).get("/Fields", []):
            da = str(field.get("/DA", ""))
            size = float(da.split()[1]) if da.startswith(FONT_RESOURCE) else None
            out.append(FieldBox(str(field.T), pages[field.P.objgen],
                                tuple(float(v) for v in field.Rect), size))
    return out
