"""Issue 23: the packages the acts on an electronically issued decision send, parsed back
by lxml here (not by app.edxml): a replacement's package is type 3 naming the document it
replaces; a recall sends type 1 naming the recalled document to every recipient; the awards
stay. The decisions are signed (Phó Chủ tịch) and sealed (Ủy ban) with the demo keys."""
import sqlalchemy as sa
from lxml import etree

from app.extensions import db
from app.models import AwardRecord, Decision, OutboxMessage
from app.services import exchange, workflow
from tests.docgen.support import approve, scenario
from tests.signing.test_electronic_issue import register

NS = {"e": "http://www.mic.gov.vn/TBT/QCVN_102_2016"}
UBND_ORGAN = "000.00.00.H29"
RECIPIENTS = {"Sở Tài chính": "000.01.00.H29", "CT, các PCT UBND tỉnh": "000.02.00.H29"}
REASON = "Gửi nhầm: danh sách kèm theo thiếu một tập thể."


def _with_organ_ids(world, decision):
    world.units["UBND"].organ_id = UBND_ORGAN
    for entry in decision.recipients:
        entry.organ_id = RECIPIENTS.get(entry.label)
    db.session.commit()


def _issue(world, decision):
    db.session.refresh(decision)
    workflow.perform("decision", decision.id, world.users["clerk"], "issue",
                     version=decision.version)
    return db.session.get(Decision, decision.id)


def _packages(decision_id, business_type):
    rows = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.item_type == "decision", OutboxMessage.item_id == decision_id,
        OutboxMessage.channel == exchange.CHANNEL).order_by(OutboxMessage.id)).all()
    return [r for r in rows if r.payload["business_type"] == business_type]


def _read(data: bytes):
    """The package as an independent reader sees it: lxml, no entity, no network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, parser)
    assert root.tag == f"{{{NS['e']}}}edXML"
    header = root.find("e:edXMLEnvelope/e:edXMLHeader", NS)
    bus = header.find("e:TraceHeaderList/e:Bussiness", NS)
    return {
        "document_id": header.findtext("e:MessageHeader/e:DocumentId", namespaces=NS),
        "to": [t.findtext("e:OrganId", namespaces=NS)
               for t in header.findall("e:MessageHeader/e:To", NS)],
        "type": bus.findtext("e:BussinessDocType", namespaces=NS),
        "reason": bus.findtext("e:BussinessDocReason", namespaces=NS),
        "replaces": [r.findtext("e:DocumentId", namespaces=NS)
                     for r in bus.findall("e:ReplacementInfoList/e:ReplacementInfo", NS)],
        "replaces_to": [o.text for o in bus.findall(
            "e:ReplacementInfoList/e:ReplacementInfo/e:OrganIdList/e:OrganId", NS)],
        "pdf": root.find("e:AttachmentEncoded/e:Attachment", NS) is not None,
    }


def test_replacement_and_recall_packages_name_the_old_document(app, world, demo, trusted,
                                                                 api, monkeypatch):
    monkeypatch.setitem(app.config, "EXCHANGE_TRANSPORT", "folder")
    monkeypatch.setitem(app.config, "EDXML_MODE", "direct")  # one package per recipient
    monkeypatch.setitem(app.config, "EDXML_SYSTEM_ORGAN_ID", "000.00.99.H29")
    s = scenario(world, until="drafting")
    register(demo, "deputy", "chairman")
    register(demo, "ubnd", unit="UBND")
    _with_organ_ids(world, s.decision)
    old = _issue(world, approve(world, s.decision))
    assert old.state == "issued"
    old_id = exchange.decision_document_id(old)
    assert old_id == f"{UBND_ORGAN},{old.issued_on:%Y/%m/%d},{old.number}/{old.symbol}"
    assert len(_packages(old.id, 0)) == len(RECIPIENTS)  # the issue's own packages
    awards = db.session.scalars(sa.select(AwardRecord.id).where(
        AwardRecord.decision_id == old.id).order_by(AwardRecord.id)).all()

    # the replacement: drafted by the Board, signed by the Chairman, issued by the Office
    made = api("appraiser").post(f"/api/v1/decisions/{old.id}/amendments",
                                 json={"act": "replace", "reason": REASON})
    assert made.status_code == 201, made.get_json()
    replacing = db.session.get(Decision, made.get_json()["id"])
    _with_organ_ids(world, replacing)
    replacing = _issue(world, approve(world, replacing))
    assert replacing.state == "issued" and replacing.number != old.number
    rows = _packages(replacing.id, 3)
    assert not _packages(replacing.id, 0)  # its package is the replacement, not a new one
    assert sorted(o for r in rows for o in r.payload["to_organs"]) == sorted(RECIPIENTS.values())
    for row in rows:
        package = _read(exchange.package_of(row))
        assert package["type"] == "3" and package["reason"] == REASON
        assert package["document_id"] == exchange.decision_document_id(replacing)
        assert package["replaces"] == [old_id] and package["pdf"]
        assert package["to"] == row.payload["to_organs"]

    # the recall of the replacement: type 1 to every recipient, naming the recalled one
    recalled = api("clerk").post(f"/api/v1/decisions/{replacing.id}/recall",
                                 json={"reason": REASON})
    assert recalled.status_code == 200, recalled.get_json()
    rows = _packages(replacing.id, 1)
    assert sorted(o for r in rows for o in r.payload["to_organs"]) == sorted(RECIPIENTS.values())
    for row in rows:
        package = _read(exchange.package_of(row))
        assert package["type"] == "1" and package["reason"] == REASON
        assert package["replaces"] == [exchange.decision_document_id(replacing)]
    db.session.expire_all()
    assert db.session.scalars(sa.select(AwardRecord.id).where(
        AwardRecord.decision_id == old.id).order_by(AwardRecord.id)).all() == awards
    assert not db.session.scalar(sa.select(sa.func.count(AwardRecord.id)).where(
        AwardRecord.cancelled_by_id.is_not(None)))
