"""The issued decision for the long term (issue 21), from one printing with a TSA configured:
the QR code printed before the signer signs opens the document's verification; at issue the
validation data (DSS, PAdES B-LT) and a document timestamp (B-LTA) follow the seal; a later
archive timestamp keeps it the same document in the register; the issued PDF still passes
the PDF/A smoke check; and the Office's «In bản giấy» is recorded."""
import shutil
import subprocess
from io import BytesIO
from urllib.parse import urlsplit

import pikepdf
import pytest
import sqlalchemy as sa
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from app.esign import EsignSettings, aio, pdfsign, pki, tsa
from app.esign.verify import verify_pdf
from app.extensions import db
from app.models import Decision, WorkflowEvent
from app.services import esigning, storage
from tests.docgen.support import STRUCK, approve, scenario
from tests.esign.support import pdfsig, signature_blocks
from tests.signing.support import DEPUTY, UBND_NAME
from tests.signing.test_electronic_issue import issue, kept, register
from tests.tools import missing
from tests.web.test_verification import api_verify, text_of
from tests.web.test_views import csrf_of, login


@pytest.fixture
def with_tsa(app, demo, trusted, monkeypatch):
    """The demo CA's timestamp authority on 127.0.0.1, configured as the app's TSA."""
    server = tsa.serve_in_thread(tsa.timestamper_from_pkcs12(
        (demo.dir / "tsa.p12").read_bytes(), pki.DEMO_PASSPHRASE))
    monkeypatch.setitem(app.config, "SIGNING_TSA_URL",
                        f"http://127.0.0.1:{server.server_port}/")
    yield
    server.shutdown()
    server.server_close()


def decode_qr(pdf_path, directory) -> str:
    """The QR code of page 1, read by an independent decoder (zbar) from the page as
    poppler rasterises it."""
    if not shutil.which("zbarimg"):
        missing("zbar-tools (zbarimg) is not installed")
    prefix = directory / "qr"
    subprocess.run(["pdftoppm", "-r", "300", "-f", "1", "-l", "1", "-png", str(pdf_path),
                    str(prefix)], check=True)
    png = next(directory.glob("qr*.png"))
    found = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True,
                           text=True)
    return found.stdout.strip()


def pdfa_problems(data: bytes, path) -> list[str]:
    """The PDF/A-2b smoke check (E-ISSUING §5; veraPDF is the acceptance run by hand)."""
    problems = []
    with pikepdf.open(BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        if meta.get("pdfaid:part") != "2" or meta.get("pdfaid:conformance") != "B":
            problems.append(f"XMP pdfaid {meta.get('pdfaid:part')}"
                            f"{meta.get('pdfaid:conformance')}")
        intents = pdf.Root.get("/OutputIntents")
        if not intents or "/DestOutputProfile" not in intents[0]:
            problems.append("no OutputIntent with an ICC profile")
        if pdf.is_encrypted:
            problems.append("encrypted")
        form = pdf.Root.get("/AcroForm")
        if form is not None and form.get("/NeedAppearances"):
            problems.append("NeedAppearances")
        if "/ID" not in pdf.trailer:
            problems.append("no file ID")
        for number, page in enumerate(pdf.pages, 1):
            for annot in page.get("/Annots", []):
                ap = annot.get("/AP")
                if annot.get("/Subtype") == "/Widget" and ap is not None and \
                        set(ap.keys()) - {"/N"}:
                    problems.append(f"page {number}: appearance keys {sorted(ap.keys())}")
                if "/A" in annot and annot.A.get("/S") in ("/JavaScript", "/Launch"):
                    problems.append(f"page {number}: action {annot.A.S}")
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    if not fonts:
        problems.append("no fonts listed")
    for line in fonts:  # name type encoding emb sub uni object ID
        if " yes " not in f" {line} " or line.split()[-5] != "yes":
            problems.append(f"font not embedded: {line}")
    return problems


def signature_statuses(data, demo):
    """pyHanko's status of each signature (not the document timestamps), trusting the
    demo CA only."""
    root = asn1_x509.Certificate.load(demo.ca.root.der())
    sub = asn1_x509.Certificate.load(demo.ca.sub.der())
    context = ValidationContext(trust_roots=[root], other_certs=[sub], allow_fetching=False)
    reader = PdfFileReader(BytesIO(data))

    async def run():
        return [await async_validate_pdf_signature(sig, context, context)
                for sig in reader.embedded_regular_signatures]

    return aio.run(run())


def test_qr_long_term_same_document_pdfa_and_paper_print(app, world, demo, with_tsa,
                                                          client, api, tmp_path):
    s = scenario(world, until="drafting")
    register(demo, "deputy", "chairman")
    register(demo, "ubnd", unit="UBND")
    decision = approve(world, s.decision, strike=(STRUCK,))
    papers = kept(decision.id)
    prepared = storage.read(papers[esigning.PREPARED].storage_key)
    (tmp_path / "prepared.pdf").write_bytes(prepared)

    # the QR code is in the bytes the signer signed, and reads back as the document's link
    url = decode_qr(tmp_path / "prepared.pdf", tmp_path)
    assert url.startswith("http://tdkt.test/xac-minh/"), url
    link = urlsplit(url).path
    assert len(link.rsplit("/", 1)[1]) >= 22  # 128 random bits
    before = text_of(client.get(link))
    assert "Chưa ban hành" in before or "trước khi ban hành" in before

    issue(world, decision)
    decision = db.session.get(Decision, decision.id)
    row = kept(decision.id)[esigning.ISSUED]
    data = storage.read(row.storage_key, row.sha256)
    path = tmp_path / "issued.pdf"
    path.write_bytes(data)

    # the link now shows the issued decision's register data, never a struck person
    opened = client.get(link)
    assert opened.status_code == 200
    shown = text_of(opened)
    assert f"{decision.number:02d}/QĐ-UBND" in shown and row.sha256 in shown
    assert "Đang có hiệu lực" in shown and DEPUTY in shown
    assert STRUCK not in shown and "Chưa đủ tiêu chuẩn" not in shown

    # B-LT: the DSS; B-LTA: a document timestamp after the seal
    reader = PdfFileReader(BytesIO(data))
    dss = reader.root["/DSS"]
    assert len(dss["/Certs"]) >= 3 and len(dss.get("/CRLs", [])) >= 1
    assert len(reader.embedded_timestamp_signatures) == 1
    blocks = signature_blocks(pdfsig(path))
    assert len(blocks) == 3, blocks
    assert DEPUTY in blocks[0] and UBND_NAME in blocks[1]
    assert all("Signature is Valid." in b for b in blocks[:2])
    # poppler lists the document timestamp (the TSA's certificate) but cannot check one
    # ("Unimplemented Feature"): pyHanko checks it below
    assert "TSA" in blocks[2] and "SHA-256" in blocks[2]
    first, second = signature_statuses(data, demo)
    doc_ts = verify_pdf(data, EsignSettings.from_config(app.config)).signatures[2]
    assert doc_ts.kind == "document_timestamp" and doc_ts.bottom_line
    assert first.bottom_line and first.modification_level == ModificationLevel.FORM_FILLING
    assert second.bottom_line and second.modification_level == ModificationLevel.LTA_UPDATES
    assert first.timestamp_validity is not None and second.timestamp_validity is not None
    assert first.signing_cert.subject.native["common_name"] == DEPUTY
    assert second.signing_cert.subject.native["common_name"] == UBND_NAME

    # PDF/A smoke check of the issued PDF, after both signatures and the archive data
    assert pdfa_problems(data, path) == []

    # the register keeps the PDF as sent; a later archive timestamp is the same document,
    # any other change is not
    sent = api_verify(client, data).get_json()
    assert sent["register"]["in_register"] and sent["register"]["sha256"] == row.sha256
    settings = EsignSettings.from_config(app.config)
    renewed = pdfsign.add_document_timestamp(data, settings)
    report = api_verify(client, renewed).get_json()
    assert report["sha256"] != row.sha256 and report["all_valid"], report
    assert report["register"]["in_register"] and report["register"]["archive_updates"]
    assert report["register"]["sha256"] == row.sha256
    assert report["register"]["number"] == f"{decision.number:02d}/QĐ-UBND"
    from tests.esign.test_flow import _annotate

    changed = api_verify(client, _annotate(data)).get_json()
    assert not changed["register"]["in_register"]

    # «In bản giấy»: the Office gets the issued PDF to print; who, when, how many recorded
    login(client, "clerk")
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert 'id="paper-print"' in page and "In bản giấy" in page
    events = db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id)))
    refused = client.post(f"/decisions/{decision.id}/paper-print",
                          data={"csrf_token": csrf_of(page), "copies": "0"})
    assert refused.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id))) == events
    printed = client.post(f"/decisions/{decision.id}/paper-print",
                          data={"csrf_token": csrf_of(page), "copies": "3"})
    assert printed.status_code == 200 and printed.data == data
    assert printed.headers["Content-Disposition"].startswith("inline")
    event = db.session.scalars(sa.select(WorkflowEvent).where(
        WorkflowEvent.item_type == "decision", WorkflowEvent.item_id == decision.id)
        .order_by(WorkflowEvent.id.desc())).first()
    assert event.trigger == "paper_print" and event.actor_id == world.users["clerk"].id
    assert event.comment == "In 3 bản giấy" and event.from_state == event.to_state == "issued"
    assert event.snapshot["paper_print"] == {"copies": 3, "sha256": row.sha256}
    history = text_of(client.get(f"/decisions/{decision.id}/history"))
    assert "In bản giấy" in history and "In 3 bản giấy" in history
    # the same through the API
    bad = api("clerk").post(f"/api/v1/decisions/{decision.id}/paper-prints", json={"copies": 0})
    assert bad.status_code == 422
    got = api("clerk").post(f"/api/v1/decisions/{decision.id}/paper-prints", json={"copies": 1})
    assert got.status_code == 200 and got.data == data, got.get_json()
    events += 1
    login(client, "chairman")  # not the Office's: refused, nothing recorded
    other = client.post(f"/decisions/{decision.id}/paper-print",
                        data={"csrf_token": csrf_of(page), "copies": "1"})
    assert other.status_code in (302, 403)
    assert db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id))) == events + 1
