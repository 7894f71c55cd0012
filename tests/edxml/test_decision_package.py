"""The issued decision's edXML package (issue 23's acceptance), from one printing: the demo
decision signed by the Phó Chủ tịch (KT. CHỦ TỊCH) and sealed by the Ủy ban, its package
read back by an INDEPENDENT lxml reader (XPath on the raw bytes), the attached PDF
byte-identical to the issued one and valid for pdfsig, the XML signature verified by
xmlsec1 with the Ủy ban's registered certificate and broken by one changed byte; served to
the Office and the Board (page and API), refused to the others."""
import re

import pytest
from cryptography import x509 as c_x509
from cryptography.hazmat.primitives.serialization import Encoding

from app import edxml
from app.extensions import db
from app.models import Decision
from app.services import decisions, esigning, exchange_packages, identities, storage
from app.services.errors import Invalid
from tests.docgen.support import approve, scenario
from tests.edxml.support import X, flip, read, text, xmlsec1_verify
from tests.esign.support import pdfsig, signature_blocks
from tests.signing.support import DEPUTY, UBND_NAME
from tests.signing.test_electronic_issue import issue, register
from tests.web.test_views import login

UBND_ID, STC_ID = "000.00.00.H29", "000.00.03.H29"
H = "/e:edXML/e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader"


def issued_with_organ_ids(world, demo, api):
    """The scenario's decision, the Ủy ban and its Sở Tài chính recipient with a mã định
    danh (the other recipients keep receiving by mail), signed and issued electronically;
    before that, it has no package (409)."""
    world.units["UBND"].organ_id = UBND_ID
    db.session.commit()
    s = scenario(world, until="drafting")
    entries = [{"label": r.label, "email": r.email,
                "organ_id": STC_ID if r.label == "Sở Tài chính" else None}
               for r in s.decision.recipients]
    decisions.set_recipients(world.users["appraiser"], s.decision.id, entries,
                             s.decision.version)
    answer = api("clerk").get(f"/api/v1/decisions/{s.decision.id}/edxml")
    assert answer.status_code == 409 and answer.is_json
    assert answer.get_json()["error"]["code"] == "not_issued_electronically"
    register(demo, "deputy", "chairman")
    register(demo, "ubnd", unit="UBND")
    decision = approve(world, db.session.get(Decision, s.decision.id))
    issue(world, decision)
    return db.session.get(Decision, decision.id)


def test_the_issued_decision_package(world, demo, trusted, tmp_path, client, api):
    decision = issued_with_organ_ids(world, demo, api)
    row = esigning.issued_pdf(decision.id)
    issued = storage.read(row.storage_key, row.sha256)
    data = exchange_packages.package_for(decision)

    root = read(data)  # the independent reader: XPath on the raw bytes
    assert root.tag == "{http://www.mic.gov.vn/TBT/QCVN_102_2016}edXML"
    assert text(root, f"{H}/e:From/e:OrganId") == UBND_ID  # handoff: the issuer's own id
    assert text(root, f"{H}/e:From/e:OrganName") == UBND_NAME
    assert root.xpath(f"{H}/e:To/e:OrganId/text()", namespaces=X) == [STC_ID]
    assert text(root, f"{H}/e:To/e:OrganName") == "Sở Tài chính"
    assert text(root, f"{H}/e:Code/e:CodeNumber") == str(decision.number)
    assert text(root, f"{H}/e:Code/e:CodeNotation") == decision.symbol == "QĐ-UBND"
    assert text(root, f"{H}/e:PromulgationInfo/e:Place") == "Lạng Sơn"
    assert text(root, f"{H}/e:PromulgationInfo/e:PromulgationDate") == \
        f"{decision.issued_on:%Y/%m/%d}"
    assert text(root, f"{H}/e:DocumentType/e:TypeName") == "Quyết định"
    assert text(root, f"{H}/e:DocumentType/e:Type") == "1"
    assert text(root, f"{H}/e:Subject") == decision.title
    assert text(root, f"{H}/e:Content") == decision.title
    assert text(root, f"{H}/e:SignerInfo/e:Competence") == "KT. CHỦ TỊCH"
    assert text(root, f"{H}/e:SignerInfo/e:Position") == "PHÓ CHỦ TỊCH"
    assert text(root, f"{H}/e:SignerInfo/e:FullName") == DEPUTY
    assert root.xpath(f"{H}/e:ToPlaces/e:Place/text()", namespaces=X) == [
        r.label for r in decision.recipients]
    assert text(root, f"{H}/e:OtherInfo/e:Priority") == "0"
    pages = int(text(root, f"{H}/e:OtherInfo/e:PageAmount"))
    assert pages >= 1 and issued.count(b"/Type /Page\n") in (0, pages)
    assert root.xpath(f"{H}/e:OtherInfo/e:Appendixes", namespaces=X)
    document_id = text(root, f"{H}/e:DocumentId")
    assert re.fullmatch(r"000\.00\.00\.H29,\d{4}/\d{2}/\d{2},\d+/QĐ-UBND", document_id)
    assert document_id == (f"{UBND_ID},{decision.issued_on:%Y/%m/%d},"
                           f"{decision.number}/{decision.symbol}")
    trace = "/e:edXML/e:edXMLEnvelope/e:edXMLHeader/e:TraceHeaderList"
    assert text(root, f"{trace}/e:TraceHeader/e:OrganId") == UBND_ID
    assert text(root, f"{trace}/e:Bussiness/e:BussinessDocType") == "0"
    assert text(root, f"{trace}/e:Bussiness/e:DocumentId") == document_id

    # the PDF outside the envelope, listed in the manifest: byte-identical, valid for pdfsig
    cid = text(root, "//e:edXMLManifest/e:Reference/e:ContentId")
    assert text(root, "//e:edXMLManifest/e:Reference/@xlink:href") == f"cid:{cid}"
    import base64

    attached = base64.b64decode(text(
        root, f"/e:edXML/e:AttachmentEncoded/e:Attachment[e:ContentId='{cid}']"
              "/e:ContentTransferEncoded"))
    assert attached == issued
    (tmp_path / "attached.pdf").write_bytes(attached)
    blocks = signature_blocks(pdfsig(tmp_path / "attached.pdf"))
    assert len(blocks) == 2 and all("Signature is Valid." in b for b in blocks), blocks

    # the XML signature: xmlsec1 with the Ủy ban's registered certificate; one changed byte
    # in the header or in the attachment breaks it (for xmlsec1 and for the app's reader)
    organisation = identities.of_unit(world.units["UBND"].id)
    cert_der = identities.certificate(organisation).dump()
    pem = c_x509.load_der_x509_certificate(cert_der).public_bytes(Encoding.PEM)
    ok, out = xmlsec1_verify(data, pem, tmp_path / "good")
    assert ok, out
    assert edxml.verify_package(data).dump() == cert_der
    subject = data.index(b"<CodeNumber>") + len(b"<CodeNumber>")
    inside = data.index(b"<ContentTransferEncoded>") + len(b"<ContentTransferEncoded>") + 5000
    while not data[inside:inside + 1].isalnum():
        inside += 1
    for at in (subject, inside):
        changed = flip(data, at)
        ok, _ = xmlsec1_verify(changed, pem, tmp_path / f"bad{at}")
        assert not ok
        with pytest.raises(edxml.EdxmlError) as broken:
            edxml.verify_package(changed)
        assert broken.value.code == "signature_invalid"

    # a replacement (type 3) names the document it replaces; no update (type 2) is sent
    replaced = "000.00.00.H29,2026/11/02,900/QĐ-UBND"
    back = edxml.parse_package(exchange_packages.package_for(
        decision, business_type=3, reason="Thay thế quyết định sai tên", replaces=replaced))
    assert back.business.doc_type == 3
    assert back.business.replacement_info[0].document_id == replaced
    assert back.business.replacement_info[0].organ_ids == [STC_ID]
    for kind, replaces, code in ((2, replaced, "business_type"), (3, None, "replaces_missing"),
                                 (1, "not-a-document-id", "document_id_invalid")):
        with pytest.raises(Invalid) as refused:
            exchange_packages.package_for(decision, business_type=kind, replaces=replaces)
        assert refused.value.code == code

    # the Office (page link and API) and the Board download it; a unit is refused
    login(client, "clerk")
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert document_id in page and f"/api/v1/decisions/{decision.id}/edxml" in page
    answer = client.get(f"/api/v1/decisions/{decision.id}/edxml")
    assert answer.status_code == 200 and answer.mimetype == "application/xml"
    assert answer.headers["Cache-Control"] == "no-store"
    assert ".edxml" in answer.headers["Content-Disposition"]
    assert edxml.verify_package(answer.data).dump() == cert_der
    assert edxml.parse_package(answer.data).attachments[0].data == issued
    assert api("appraiser").get(f"/api/v1/decisions/{decision.id}/edxml").status_code == 200
    refused = api("staff_a").get(f"/api/v1/decisions/{decision.id}/edxml")
    assert refused.status_code in (403, 404) and refused.is_json
    login(client, "staff_a")
    assert "edxml" not in client.get(f"/decisions/{decision.id}").get_data(as_text=True)

    # direct mode: From is the product's own system id; the DocumentId still the issuer's
    client.application.config["EDXML_MODE"] = "direct"
    client.application.config["EDXML_SYSTEM_ORGAN_ID"] = "000.00.99.H29"
    try:
        direct = edxml.parse_package(exchange_packages.package_for(decision))
    finally:
        client.application.config["EDXML_MODE"] = "handoff"
        client.application.config["EDXML_SYSTEM_ORGAN_ID"] = ""
    assert direct.header.from_organ.organ_id == "000.00.99.H29"
    assert direct.header.document_id == document_id

    # no recipient with a mã định danh: no package (by mail only), a clear refusal
    decision.recipients[:] = [r for r in decision.recipients if not r.organ_id]
    db.session.commit()
    answer = api("clerk").get(f"/api/v1/decisions/{decision.id}/edxml")
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "no_recipient_with_organ_id"
