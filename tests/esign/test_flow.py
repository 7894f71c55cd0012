"""The NĐ 30 two-step flow (signer, then the Văn thư's number, date and seal in one update),
checked by two independent verifiers: poppler's pdfsig and pyHanko's own validator, and
looked at as pixels (pdftoppm) and text (pdftotext)."""
from io import BytesIO

import pytest
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from app.esign import SigningRefused, aio, pdfsign, verify
from app.esign.fonts import font_1000
from tests.esign.conftest import SPEC
from tests.esign.support import (
    NUMBER_BOX,
    ORG_NAME,
    SIGNER_BOX,
    SIGNER_NAME,
    nss_trusting,
    pdfsig,
    pdfsig_trusting,
    pdftotext,
    raster,
    signature_blocks,
)


def pyhanko_statuses(data: bytes, pki):
    """pyHanko's validator, used directly (not through app.esign.verify)."""
    context = ValidationContext(trust_roots=[pki.asn1(pki.ca.root)],
                                other_certs=[pki.asn1(pki.ca.sub)], allow_fetching=False)
    reader = PdfFileReader(BytesIO(data))

    async def run():
        return [await async_validate_pdf_signature(sig, context, context)
                for sig in reader.embedded_signatures]

    return reader.embedded_signatures, aio.run(run())


def test_pdfsig_sees_two_valid_signatures_in_order(issued, tmp_path):
    path = tmp_path / "issued.pdf"
    path.write_bytes(issued)
    blocks = signature_blocks(pdfsig(path))
    assert len(blocks) == 2
    for block in blocks:
        assert "Signature is Valid." in block
        assert "Signature Type: ETSI.CAdES.detached" in block
        assert "Signing Hash Algorithm: SHA-256" in block
    assert "Signature Field Name: chu_ky" in blocks[0]
    assert f"Common Name: {SIGNER_NAME}" in blocks[0]
    assert "Not total document signed" in blocks[0]
    assert f"Common Name: {ORG_NAME}" in blocks[1]
    assert "Total document signed" in blocks[1] and "Not total" not in blocks[1]


def test_pdfsig_trusts_both_certificates_through_the_configured_root(issued, pki, tmp_path):
    path = tmp_path / "issued.pdf"
    path.write_bytes(issued)
    nss = nss_trusting(pki.dir / "root.pem", tmp_path / "nss")
    blocks = signature_blocks(pdfsig_trusting(path, nss))
    assert len(blocks) == 2
    assert all("Certificate Validation: Certificate is Trusted." in b for b in blocks), blocks


def test_pyhanko_validator_finds_form_filling_only_after_the_signer(issued, pki):
    sigs, (first, second) = pyhanko_statuses(issued, pki)
    assert first.intact and first.valid and first.trusted and first.bottom_line
    assert first.modification_level == ModificationLevel.FORM_FILLING
    assert first.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert first.signing_cert.subject.native["common_name"] == SIGNER_NAME
    assert second.intact and second.valid and second.trusted and second.bottom_line
    assert second.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert second.signing_cert.subject.native["common_name"] == ORG_NAME
    assert first.timestamp_validity is not None and first.timestamp_validity.intact
    assert second.timestamp_validity is not None and second.timestamp_validity.intact
    # no DocMDP lock from the signer: the organisation could still sign after it
    assert "/Perms" not in PdfFileReader(BytesIO(issued)).root


def test_report_gives_each_signature_in_order(issued, settings):
    report = verify.verify_pdf(issued, settings)
    first, second = report.signatures
    assert (first.signer_name, first.field, first.modification_level) == \
        (SIGNER_NAME, "chu_ky", "FORM_FILLING")
    assert first.bottom_line and first.trusted and not first.covers_document
    assert second.covers_document and second.coverage == "ENTIRE_FILE"
    assert second.organisation == ORG_NAME
    assert first.timestamp_present and first.timestamp_valid
    assert str(first.signing_time.utcoffset()) == "7:00:00"
    assert first.revision < second.revision
    assert len(report.sha256) == 64 and first.revision_sha256 != second.revision_sha256
    assert report.signatures[1].revision_sha256 == report.sha256


def test_text_copies_out_with_diacritics(issued, tmp_path):
    path = tmp_path / "issued.pdf"
    path.write_bytes(issued)
    text = pdftotext(path)
    assert "Số: 1234/QĐ-UBND" in text
    assert "Lạng Sơn, ngày 07 tháng 12 năm 2026" in text


def _count(image, box, scale, test):
    height = image.height
    x1, y1, x2, y2 = (int(v * scale) for v in box)
    region = image.crop((x1, height - y2, x2, height - y1))
    return sum(1 for p in pixels(region) if test(p)), region


def pixels(region):
    raw = region.tobytes()
    return (raw[i:i + 3] for i in range(0, len(raw), 3))


def blue(p):
    return p[2] > 120 and p[0] < 110 and p[1] < 120


def red(p):
    return p[0] > 160 and p[1] < 90 and p[2] < 90


def dark(p):
    return sum(p) < 250


def test_seal_covers_left_third_of_the_blue_signature(issued, tmp_path):
    image, scale = raster(_write(tmp_path, issued), tmp_path)
    x1, y1, x2, y2 = SIGNER_BOX
    third = x1 + (x2 - x1) / 3
    left = (x1, y1, third, y2)
    right = (third + 2, y1, x2, y2)
    assert _count(image, right, scale, blue)[0] > 200  # the signature shows
    assert _count(image, right, scale, red)[0] < 20  # the seal stays on the left third
    assert _count(image, left, scale, red)[0] > 300  # the seal is over the left third
    assert _count(image, (x1 - 80, y1, x1, y2), scale, red)[0] > 100  # real size, not squeezed


def test_filled_number_is_legible_not_spaced_out(issued, tmp_path):
    """The font-width pitfall: glyph widths in 2048-unit fonts drew each glyph twice as far
    apart. The dark run of the number must be as wide as the font says the text is."""
    image, scale = raster(_write(tmp_path, issued), tmp_path)
    _, region = _count(image, NUMBER_BOX, scale, dark)
    columns = [x for x in range(region.width)
               if any(dark(region.getpixel((x, y))) for y in range(region.height))]
    drawn = (columns[-1] - columns[0]) / scale
    font = TTFont(font_1000(pdfsign.EsignSettings().font_path))
    cmap, widths = font.getBestCmap(), font["hmtx"].metrics
    expected = sum(widths[cmap[ord(c)]][0] for c in SPEC.number_text) * SPEC.text_size / 1000
    assert expected * 0.85 < drawn < expected * 1.1, (drawn, expected)


def _write(tmp_path, data):
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return path


def test_flipped_byte_is_caught_by_both_verifiers(issued, pki, settings, tmp_path):
    data = bytearray(issued)
    at = data.index(b"Khen thuong tap the") + 3  # inside the first revision's page content
    data[at] ^= 0x01
    path = _write(tmp_path, bytes(data))
    blocks = signature_blocks(pdfsig(path))
    assert all("Digest Mismatch" in b for b in blocks), blocks
    try:
        _, statuses = pyhanko_statuses(bytes(data), pki)
        assert not any(s.intact or s.bottom_line for s in statuses)
    except SignatureValidationError:
        pass  # also a refusal
    report = verify.verify_pdf(bytes(data), settings)
    assert not any(s.bottom_line for s in report.signatures)


def _annotate(data: bytes) -> bytes:
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(BytesIO(data))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    annot = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
        generic.NameObject("/Rect"): generic.ArrayObject(
            [generic.FloatObject(v) for v in NUMBER_BOX]),
        generic.NameObject("/Contents"): generic.TextStringObject("Số: 99/QĐ-UBND"),
        generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
    }))
    annots = page["/Annots"]
    annots.append(annot)
    writer.update_container(annots)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _edit_content(data: bytes) -> bytes:
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(BytesIO(data))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    extra = writer.add_object(generic.StreamObject(
        stream_data=b"BT /F1 13 Tf 62 750 Td (So: 99/QD-UBND) Tj ET"))
    contents = page.raw_get("/Contents")
    page[generic.NameObject("/Contents")] = generic.ArrayObject([contents, extra])
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("change,levels", [
    (_annotate, {ModificationLevel.ANNOTATIONS, ModificationLevel.OTHER}),
    (_edit_content, {ModificationLevel.OTHER}),
])
def test_number_as_annotation_or_content_edit_breaks_the_signer_signature(
        approved, pki, tmp_path, change, levels):
    changed = change(approved)
    _, (status,) = pyhanko_statuses(changed, pki)
    assert status.intact and status.valid  # the signed bytes are untouched …
    assert status.modification_level in levels  # … but what came after is not allowed
    assert not status.bottom_line
    # pdfsig checks only the signed byte ranges: it cannot see this and still says valid.
    blocks = signature_blocks(pdfsig(_write(tmp_path, changed)))
    assert "Signature is Valid." in blocks[0]


def test_the_office_cannot_seal_before_the_signer(blank_pdf, pki, settings):
    with pytest.raises(SigningRefused) as refused:
        pdfsign.issue(blank_pdf, pki.org_key(settings), SPEC, seal_png=pki.seal_png,
                      settings=settings, expected_cert=pki.asn1(pki.org),
                      timestamper=pki.timestamper())
    assert refused.value.code == "signer_signature_missing"
    assert "người có thẩm quyền" in refused.value.message


def test_the_office_cannot_seal_a_paper_signed_by_someone_else(approved, pki, settings):
    with pytest.raises(SigningRefused) as refused:
        pdfsign.issue(approved, pki.org_key(settings), SPEC, seal_png=pki.seal_png,
                      settings=settings, expected_cert=pki.asn1(pki.org),
                      expected_signer_cert=pki.asn1(pki.deputy))
    assert refused.value.code == "signer_signature_missing"


@pytest.mark.parametrize("who,code,words", [
    ("expired", "certificate_expired", "hết hạn"),
    ("future", "certificate_not_yet_valid", "chưa đến"),
    ("revoked", "certificate_revoked", "thu hồi"),
])
def test_bad_certificates_are_refused(blank_pdf, pki, settings, who, code, words):
    issued = getattr(pki, who)
    with pytest.raises(SigningRefused) as refused:
        pdfsign.sign_approval(blank_pdf, pki.key(issued, settings), field="chu_ky",
                              image_png=pki.signature_png, settings=settings,
                              expected_cert=pki.asn1(issued))
    assert refused.value.code == code
    assert words in refused.value.message


def test_a_certificate_other_than_the_registered_one_is_refused(blank_pdf, pki, settings):
    with pytest.raises(SigningRefused) as refused:
        pdfsign.sign_approval(blank_pdf, pki.key(pki.deputy, settings), field="chu_ky",
                              image_png=pki.signature_png, settings=settings,
                              expected_cert=pki.asn1(pki.person))
    assert refused.value.code == "certificate_mismatch"


def test_untrusted_root_is_refused(blank_pdf, pki, tmp_path):
    from tests.esign.support import SigningPKI

    other = SigningPKI(tmp_path / "other")
    with pytest.raises(SigningRefused) as refused:
        pdfsign.sign_approval(blank_pdf, other.key(other.person, pki.settings()),
                              field="chu_ky", image_png=pki.signature_png,
                              settings=pki.settings(),
                              expected_cert=other.asn1(other.person))
    assert refused.value.code == "certificate_untrusted"


def test_attachment_gets_a_text_only_signature_top_right(pki, settings, tmp_path):
    from datetime import UTC, datetime

    from tests.esign.support import make_pdf

    moment = datetime(2026, 12, 7, 8, 15, 55, tzinfo=UTC)
    signed = pdfsign.sign_attachment(
        make_pdf(with_fields=False), pki.org_key(settings), main_number="1234/QĐ-UBND",
        moment=moment, settings=settings, expected_cert=pki.asn1(pki.org),
        timestamper=pki.timestamper())
    path = _write(tmp_path, signed)
    text = pdftotext(path)
    top = text.splitlines()[:4]
    assert any("1234/QĐ-UBND" in line for line in top), top
    assert any("2026-12-07T15:15:55+07:00" in line for line in top), top
    line = next(x for x in top if "1234/QĐ-UBND" in x)
    assert line.index("1234") > 40  # right half of the page
    assert "Signature is Valid." in pdfsig(path)
    fonts = __import__("subprocess").run(["pdffonts", str(path)], capture_output=True,
                                         text=True).stdout
    assert "LiberationSerif" in fonts


def test_long_term_adds_validation_data_and_a_document_timestamp(issued, pki, settings):
    lta = pdfsign.add_document_timestamp(issued, settings, timestamper=pki.timestamper())
    report = verify.verify_pdf(lta, settings)
    kinds = [s.kind for s in report.signatures]
    assert kinds == ["signature", "signature", "document_timestamp"]
    org = report.signatures[1]
    # the revision the organisation signed is still "the document": only a timestamp after
    assert org.covers_document and org.bottom_line
    assert org.modification_level in {"NONE", "LTA_UPDATES"}
    assert report.signatures[2].bottom_line


def test_seal_is_drawn_at_its_real_size(issued, tmp_path):
    image, scale = raster(_write(tmp_path, issued), tmp_path)
    x1, y1, x2, y2 = SIGNER_BOX
    _, region = _count(image, (x1 - 150, y1 - 60, x2, y2 + 60), scale, red)
    columns = [x for x in range(region.width)
               if any(red(region.getpixel((x, y))) for y in range(region.height))]
    width_mm = (columns[-1] - columns[0]) / scale * 25.4 / 72
    assert abs(width_mm - SPEC.seal_mm) < 2, width_mm


def test_pdfa_smoke_after_signing(pki, settings, tmp_path):
    """What signing adds keeps a PDF/A-2b file's promises: its XMP part and conformance,
    every font it brings embedded, and widgets with only a normal (/N) appearance."""
    import subprocess

    import pikepdf

    from tests.esign.support import make_pdf

    source = pikepdf.open(BytesIO(make_pdf()))
    with source.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
    buffer = BytesIO()
    source.save(buffer, compress_streams=False)
    approved = pdfsign.sign_approval(buffer.getvalue(), pki.key(pki.person, settings),
                                     field="chu_ky", image_png=pki.signature_png,
                                     settings=settings, timestamper=pki.timestamper(),
                                     expected_cert=pki.asn1(pki.person))
    issued = pdfsign.issue(approved, pki.org_key(settings), SPEC, seal_png=pki.seal_png,
                           settings=settings, timestamper=pki.timestamper(),
                           expected_cert=pki.asn1(pki.org))
    done = pikepdf.open(BytesIO(issued))
    meta = done.open_metadata()
    assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("2", "B")
    for annot in done.pages[0].Annots:
        if annot.get("/Subtype") == "/Widget" and "/AP" in annot:
            assert set(annot.AP.keys()) == {"/N"}, annot.get("/T")
    fonts = subprocess.run(["pdffonts", str(_write(tmp_path, issued))], capture_output=True,
                           text=True, check=True).stdout.splitlines()[2:]
    added = [line for line in fonts if not line.startswith("Helvetica")]  # the fixture's own
    assert added and all(line.split()[-5] == "yes" for line in added), fonts
    # the signer's appearance declares no font at all (an image only)
    sig_ap = next(a for a in done.pages[0].Annots if a.get("/T") == "chu_ky").AP.N
    assert "/Font" not in sig_ap.get("/Resources", {})


def test_long_term_at_signing_embeds_the_revocation_data(pki, blank_pdf):
    settings = pki.settings(long_term="LT")
    signed = pdfsign.sign_approval(blank_pdf, pki.key(pki.person, settings), field="chu_ky",
                                   image_png=pki.signature_png, settings=settings,
                                   timestamper=pki.timestamper(),
                                   expected_cert=pki.asn1(pki.person))
    reader = PdfFileReader(BytesIO(signed))
    assert "/DSS" in reader.root and "/CRLs" in reader.root["/DSS"]
    (sig,) = verify.verify_pdf(signed, pki.settings(crl_sources=())).signatures
    assert sig.bottom_line and sig.covers_document


def test_issue_with_lta_settings_keeps_the_document_the_same(pki, approved, tmp_path):
    """SIGNING_LONG_TERM=LTA: the organisation's signature, then its validation data and a
    document timestamp. The verifier still calls the sealed revision the document."""
    settings = pki.settings(long_term="LTA")
    issued = pdfsign.issue(approved, pki.org_key(settings), SPEC, seal_png=pki.seal_png,
                           settings=settings, timestamper=pki.timestamper(),
                           expected_cert=pki.asn1(pki.org))
    report = verify.verify_pdf(issued, settings)
    signer, org, stamp = report.signatures
    assert signer.bottom_line and signer.modification_level == "FORM_FILLING"
    assert org.bottom_line and org.covers_document and org.coverage != "ENTIRE_FILE"
    assert stamp.kind == "document_timestamp" and stamp.bottom_line
    assert "/DSS" in PdfFileReader(BytesIO(issued)).root
    blocks = signature_blocks(pdfsig(_write(tmp_path, issued)))
    assert len(blocks) == 3 and all("Signature is Valid." in b for b in blocks[:2])
    # poppler 22.12 does not validate document timestamps ("Unimplemented Feature")
    assert "Signature Field Name: Timestamp" in blocks[2]
