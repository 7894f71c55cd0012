"""The signing operations of NĐ 30/2020 on a PDF (each an incremental update):

1. :func:`sign_approval` — the competent person's signature: PAdES baseline
   (ETSI.CAdES.detached, SHA-256, RFC 3161 timestamp where a TSA is configured) into the
   existing empty signature field; appearance = the blue signature PNG only; no DocMDP lock.
2. :func:`issue` — the Văn thư's step in ONE update: the number and the place-and-date go
   into their text fields and the organisation's signature is added, its red seal at real
   size over the left third of the signer's image; refused unless the competent person's
   signature is there and valid.
3. :func:`sign_attachment` — the text-only organisation signature on an attachment in a
   separate file (Phụ lục I khoản 8b).
4. :func:`add_document_timestamp` — B-LTA archive timestamp.
5. :func:`archive` — at issue: the DSS of every signature (B-LT) and, with a TSA, a
   document timestamp (B-LTA).

Field names and boxes are parameters: the issuable PDF (app.docgen) names its fields.
"""
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from pyhanko.pdf_utils import images, layout
from pyhanko.pdf_utils.font import opentype
from pyhanko.pdf_utils.form_tools import populate_static_text_field
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.stamp import StaticStampStyle, TextStampStyle

from app.esign import aio
from app.esign.errors import SigningRefused
from app.esign.fonts import font_1000, font_bytes
from app.esign.keys import SigningKey
from app.esign.settings import EsignSettings
from app.esign.trust import TrustStore, check_certificate

MM = 72 / 25.4
# Room for the CMS with its chain, a timestamp token and, for LT, nothing more (the
# validation data goes in the DSS). Fixed so that interrupted signing knows it up front.
BYTES_RESERVED = 32 * 1024


@dataclass(frozen=True)
class FieldPlace:
    page: int  # 0-based
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points

    @property
    def width(self):
        return self.box[2] - self.box[0]

    @property
    def height(self):
        return self.box[3] - self.box[1]


def open_pdf(data: bytes) -> PdfFileReader:
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise SigningRefused("Tệp không phải là tệp PDF.", "not_pdf")
    try:
        return PdfFileReader(BytesIO(data), strict=False)
    except Exception as exc:  # pyHanko's parser raises several types on damaged input
        raise SigningRefused("Tệp PDF bị hỏng, không đọc được.", "damaged_pdf",
                             {"error": str(exc)}) from exc


def find_field(reader: PdfFileReader, name: str) -> tuple[FieldPlace, object]:
    """The page and box of the form field ``name`` (its first widget)."""
    form = reader.root.get("/AcroForm")
    form = form.get_object() if form is not None else None
    stack = list(form["/Fields"]) if form is not None and "/Fields" in form else []
    while stack:
        ref = stack.pop()
        field = ref.get_object()
        if field.get("/T") == name:
            widget = field
            if "/Rect" not in field and "/Kids" in field:
                widget = field["/Kids"][0].get_object()
            rect = [float(v) for v in widget["/Rect"]]
            page_ref = widget.get_value_as_reference("/P") if "/P" in widget else None
            page = _page_index(reader, page_ref, widget)
            return FieldPlace(page, (min(rect[0], rect[2]), min(rect[1], rect[3]),
                                     max(rect[0], rect[2]), max(rect[1], rect[3]))), field
        stack.extend(field.get("/Kids", []) if "/Kids" in field else [])
    raise SigningRefused(f"Văn bản không có trường “{name}”.", "field_missing",
                         {"field": name})


def page_refs(reader) -> list:
    """The indirect references of the pages, in order."""
    found = []

    def walk(node_ref):
        node = node_ref.get_object()
        if node.get("/Type") == "/Pages" or "/Kids" in node:
            for kid in node.raw_get("/Kids"):
                walk(kid)
        else:
            found.append(node_ref)

    walk(reader.root.raw_get("/Pages"))
    return found


def _page_index(reader, page_ref, widget) -> int:
    for index, ref in enumerate(page_refs(reader)):
        if page_ref is not None and ref.idnum == page_ref.idnum:
            return index
        page = ref.get_object()
        for annot in (page["/Annots"] if "/Annots" in page else []):
            if annot.get_object() is widget:
                return index
    return 0


def fit_image(box, width_px: int, height_px: int):
    """Where an image of that aspect lands, centred and scaled to fit the box."""
    x1, y1, x2, y2 = box
    scale = min((x2 - x1) / width_px, (y2 - y1) / height_px)
    w, h = width_px * scale, height_px * scale
    left = x1 + ((x2 - x1) - w) / 2
    bottom = y1 + ((y2 - y1) - h) / 2
    return (left, bottom, left + w, bottom + h)


def _image_style(png: bytes, width: float, height: float) -> StaticStampStyle:
    from PIL import Image

    image = images.PdfImage(Image.open(BytesIO(png)),
                            box=layout.BoxConstraints(width=width, height=height))
    # Image only: no text, so no font in the appearance (a non-embedded default font
    # would break PDF/A), no border, full opacity.
    return StaticStampStyle(
        background=image, background_opacity=1.0, border_width=0,
        # no margin: the seal keeps its real size, the signature its computed place
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0)))


class _FontFactory(opentype.GlyphAccumulatorFactory):
    """pyHanko's factory opens the font file and never closes it; read it from memory."""

    def create_font_engine(self, writer, obj_stream=None):
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return opentype.GlyphAccumulator(
            writer=writer, font_handle=BytesIO(font_bytes(self.font_file)),
            font_size=self.font_size, obj_stream=obj_stream)


def text_style(settings: EsignSettings, size: float, *, centred: bool = False,
               italic: bool = False) -> TextBoxStyle:
    """Text in the configured font. ``centred``: in the middle of its box both ways (the
    number and the date sit centred under their headings; the middle also keeps the
    Vietnamese marks above and the descenders below inside the field)."""
    rule = None
    if centred:
        rule = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            inner_content_scaling=layout.InnerScaling.NO_SCALING)
    font = settings.italic_font_path if italic else settings.font_path
    return TextBoxStyle(font=_FontFactory(font_1000(font), font_size=size),
                        font_size=size, leading=round(size * 1.2), box_layout_rule=rule)


def timestamper_for(settings: EsignSettings, timestamper=None):
    if timestamper is not None:
        return timestamper
    if settings.tsa_url:
        return timestamps.HTTPTimeStamper(settings.tsa_url, timeout=settings.fetch_timeout)
    return None


def _metadata(field: str, settings: EsignSettings, store: TrustStore, *, reason=None,
              location=None, timestamper=None, name=None) -> signers.PdfSignatureMetadata:
    long_term = settings.long_term if settings.long_term in {"LT", "LTA"} else ""
    return signers.PdfSignatureMetadata(
        field_name=field,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=name,
        certify=False,
        embed_validation_info=bool(long_term),
        use_pades_lta=long_term == "LTA" and timestamper is not None,
        validation_context=store.context() if long_term else None,
    )


def _check_key(key: SigningKey, store: TrustStore, expected_cert):
    """``expected_cert`` is the certificate registered for the signer (or the
    organisation): required, so that no caller signs with whatever key it was handed."""
    check_certificate(store, key.certificate, expected=expected_cert, chain=key.chain)


def _run(coro):
    return aio.run(coro)


# --- 1. the competent person's approval ----------------------------------------------------

def approval_setup(pdf: bytes, field: str, image_png: bytes):
    """The writer and the appearance for the signer's field (shared with remote signing)."""
    from PIL import Image

    reader = open_pdf(pdf)
    place, value = find_field(reader, field)
    if value.get("/FT") != "/Sig":
        raise SigningRefused(f"Trường “{field}” không phải là trường chữ ký.", "field_type")
    if value.get("/V") is not None:
        raise SigningRefused("Văn bản đã được ký ở vị trí này.", "already_signed")
    with Image.open(BytesIO(image_png)) as img:
        drawn = fit_image(place.box, *img.size)
    style = _image_style(image_png, drawn[2] - drawn[0], drawn[3] - drawn[1])
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    return writer, style


def sign_approval(pdf: bytes, key: SigningKey, *, field: str, image_png: bytes,
                  settings: EsignSettings, expected_cert, timestamper=None,
                  reason: str = "Phê duyệt", location: str | None = None,
                  store: TrustStore | None = None) -> bytes:
    store = store or TrustStore(settings)
    _check_key(key, store, expected_cert)
    writer, style = approval_setup(pdf, field, image_png)
    timestamper = timestamper_for(settings, timestamper)
    signer = signers.PdfSigner(
        _metadata(field, settings, store, reason=reason, location=location,
                  timestamper=timestamper),
        signer=key.pdf_signer(), timestamper=timestamper, stamp_style=style)
    out = BytesIO()
    _run(signer.async_sign_pdf(writer, existing_fields_only=True, output=out,
                               bytes_reserved=BYTES_RESERVED))
    return out.getvalue()


# --- 2. the Văn thư issues --------------------------------------------------------------

@dataclass(frozen=True)
class IssueFields:
    signer_field: str  # the competent person's signature field
    number_field: str
    number_text: str  # e.g. "Số: 15/QĐ-UBND" or "15/QĐ-UBND", as the layout wants
    date_field: str
    date_text: str  # e.g. "Lạng Sơn, ngày 07 tháng 12 năm 2026"
    seal_field: str = "con_dau"
    seal_mm: float = 36.0  # the seal's real diameter
    text_size: float = 13.0
    centred: bool = True  # the text in the middle of its field (False: bottom left)
    date_italic: bool = True
    signer_image_px: tuple[int, int] | None = None  # the signer's image, to place the seal


def require_signer_signature(pdf: bytes, store: TrustStore, signer_field: str,
                             expected_signer_cert=None) -> None:
    """NĐ 30 Điều 32 k2: the organisation signs only what the competent person signed."""
    from app.esign.verify import verify_reader

    reader = open_pdf(pdf)
    report = verify_reader(reader, pdf, store)
    for sig in report.signatures:
        if sig.field == signer_field:
            if not (sig.intact and sig.valid and sig.trusted):
                break
            if expected_signer_cert is not None and sig.certificate_der != \
                    expected_signer_cert.dump():
                break
            return
    raise SigningRefused(
        "Văn bản chưa có chữ ký số hợp lệ của người có thẩm quyền: "
        "Văn thư không được ký số của cơ quan, tổ chức.", "signer_signature_missing")


def seal_place(signer_place: FieldPlace, image_px, seal_mm: float) -> FieldPlace:
    """The seal at real size, its right part over the left third of the signer's image."""
    drawn = fit_image(signer_place.box, *image_px) if image_px else signer_place.box
    size = seal_mm * MM
    third = drawn[0] + (drawn[2] - drawn[0]) / 3
    middle = (drawn[1] + drawn[3]) / 2
    # the seal's right edge at the end of the first third, its middle at the image's
    x2 = third
    return FieldPlace(signer_place.page, (x2 - size, middle - size / 2, x2, middle + size / 2))


def issue_setup(pdf: bytes, spec: IssueFields, seal_png: bytes, settings: EsignSettings):
    """Fill number and date and add the seal field: the writer the organisation signs."""
    reader = open_pdf(pdf)
    signer_place, _ = find_field(reader, spec.signer_field)
    for name in (spec.number_field, spec.date_field):
        _, value = find_field(reader, name)
        if value.get("/FT") != "/Tx":
            raise SigningRefused(f"Trường “{name}” không phải là trường văn bản.", "field_type")
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    populate_static_text_field(writer, spec.number_field,
                               text_style(settings, spec.text_size, centred=spec.centred),
                               spec.number_text)
    populate_static_text_field(writer, spec.date_field,
                               text_style(settings, spec.text_size, centred=spec.centred,
                                          italic=spec.date_italic), spec.date_text)
    place = seal_place(signer_place, spec.signer_image_px, spec.seal_mm)
    fields.append_signature_field(writer, fields.SigFieldSpec(
        spec.seal_field, box=place.box, on_page=place.page))
    return writer, _image_style(seal_png, place.width, place.height)


def issue(pdf: bytes, key: SigningKey, spec: IssueFields, *, seal_png: bytes,
          settings: EsignSettings, expected_cert, expected_signer_cert=None,
          timestamper=None, store: TrustStore | None = None,
          reason: str = "Phát hành") -> bytes:
    store = store or TrustStore(settings)
    _check_key(key, store, expected_cert)
    require_signer_signature(pdf, store, spec.signer_field, expected_signer_cert)
    writer, style = issue_setup(pdf, spec, seal_png, settings)
    timestamper = timestamper_for(settings, timestamper)
    signer = signers.PdfSigner(
        _metadata(spec.seal_field, settings, store, reason=reason, timestamper=timestamper),
        signer=key.pdf_signer(), timestamper=timestamper, stamp_style=style)
    out = BytesIO()
    _run(signer.async_sign_pdf(writer, existing_fields_only=True, output=out,
                               bytes_reserved=BYTES_RESERVED))
    return out.getvalue()


# --- 3. an attachment in a separate file --------------------------------------------------

def iso_vietnam(moment: datetime, timezone: str = "Asia/Ho_Chi_Minh") -> str:
    """ISO 8601 with the +07:00 offset, to the second (pyHanko's %(ts)s is UTC)."""
    return moment.astimezone(ZoneInfo(timezone)).replace(microsecond=0).isoformat()


def attachment_setup(pdf: bytes, *, main_number: str, moment: datetime, field: str,
                     settings: EsignSettings):
    reader = open_pdf(pdf)
    page = page_refs(reader)[0].get_object()
    box = [float(v) for v in page["/MediaBox"]]
    right, top = box[2] - 15 * MM, box[3] - 8 * MM
    place = (right - 62 * MM, top - 11 * MM, right, top)
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    fields.append_signature_field(writer, fields.SigFieldSpec(field, box=place, on_page=0))
    text = f"{main_number}\n{iso_vietnam(moment, settings.timezone)}"
    style = TextStampStyle(stamp_text=text, text_box_style=text_style(settings, 10),
                           border_width=0, background=None)
    return writer, style


def sign_attachment(pdf: bytes, key: SigningKey, *, main_number: str, settings: EsignSettings,
                    expected_cert, moment: datetime | None = None,
                    field: str = "dinh_kem", timestamper=None,
                    store: TrustStore | None = None) -> bytes:
    """Phụ lục I khoản 8b: top right of page 1, no image; the main document's number and
    symbol and the signing time (ISO 8601, +07:00), Times-like 10 pt, upright, black."""
    from app.esign.clock import now

    store = store or TrustStore(settings)
    _check_key(key, store, expected_cert)
    writer, style = attachment_setup(pdf, main_number=main_number, moment=moment or now(),
                                     field=field, settings=settings)
    timestamper = timestamper_for(settings, timestamper)
    signer = signers.PdfSigner(_metadata(field, settings, store, timestamper=timestamper),
                               signer=key.pdf_signer(), timestamper=timestamper,
                               stamp_style=style)
    out = BytesIO()
    _run(signer.async_sign_pdf(writer, existing_fields_only=True, output=out,
                               bytes_reserved=BYTES_RESERVED))
    return out.getvalue()


# --- 4. long term ------------------------------------------------------------------------

def add_document_timestamp(pdf: bytes, settings: EsignSettings, timestamper=None,
                           store: TrustStore | None = None) -> bytes:
    """Embed the validation data of every signature (DSS) and a document timestamp (B-LTA)."""
    store = store or TrustStore(settings)
    timestamper = timestamper_for(settings, timestamper)
    if timestamper is None:
        raise SigningRefused("Chưa cấu hình máy chủ cấp dấu thời gian.", "no_tsa")
    out = BytesIO()
    if _has_doc_timestamp(pdf):  # renew the chain: validation data of the last, a new one
        _run(signers.PdfTimeStamper(timestamper).async_update_archival_timestamp_chain(
            open_pdf(pdf), store.context(), in_place=False, output=out, embed_roots=True))
    else:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        _run(signers.PdfTimeStamper(timestamper).async_timestamp_pdf(
            writer, "sha256", store.context(), output=out))
    return out.getvalue()


def _has_doc_timestamp(pdf: bytes) -> bool:
    return bool(open_pdf(pdf).embedded_timestamp_signatures)


def archive(pdf: bytes, settings: EsignSettings, timestamper=None,
            store: TrustStore | None = None) -> bytes:
    """PAdES B-LT at issue: the certificates and the revocation answers (the configured
    CRLs, the configured OCSP responder's answers) of every signature and its timestamp,
    in the DSS of one incremental update; then, where a TSA is configured, a document
    timestamp over it all (B-LTA). Decisions are kept long after the certificates expire.
    Nothing is fetched from a URL a certificate names."""
    from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info

    store = store or TrustStore(settings)
    reader = open_pdf(pdf)
    ocsps, paths = [], []
    for sig in reader.embedded_signatures:
        if sig.signer_cert is not None:
            embedded = [c.chosen for c in sig.signed_data["certificates"]]
            ocsps.extend(store.ocsp_responses(sig.signer_cert, embedded))
    context = store.context(ocsps=ocsps)

    async def collect():
        for sig in reader.embedded_signatures:
            paths.extend(await collect_validation_info(sig, context))

    try:
        _run(collect())
    except Exception as exc:  # no path to a trusted root: nothing long-term to keep
        raise SigningRefused("Không thu thập được dữ liệu kiểm tra chứng thư để lưu trữ "
                             "lâu dài.", "validation_data", {"error": repr(exc)}) from exc
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    DocumentSecurityStore.supply_dss_in_writer(writer, None, paths=paths,
                                               validation_context=context, embed_roots=True)
    out = BytesIO()
    writer.write(out)
    timestamper = timestamper_for(settings, timestamper)
    if timestamper is None:
        return out.getvalue()
    writer = IncrementalPdfFileWriter(BytesIO(out.getvalue()), strict=False)
    stamped = BytesIO()
    _run(signers.PdfTimeStamper(timestamper).async_timestamp_pdf(
        writer, "sha256", context, output=stamped))
    return stamped.getvalue()
