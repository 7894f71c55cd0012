"""Who is told what at each step, through a real SMTP server: recipients, Vietnamese
subject and body, the item's link in both parts, the reason of a return, and the issued
decision attached byte for byte."""
import hashlib

import pytest
from markupsafe import escape

from app.services import dossiers
from tests import helpers
from tests.notifications.conftest import deliver_all
from tests.notifications.support import addr, decision_from, link, rows, stored

pytestmark = pytest.mark.storage  # run again with S3 by `make test-s3`

RETURN_REASON = "Thiếu số liệu mục 2 «Cải cách hành chính» & chỉ tiêu <99%> – đề nghị bổ sung"
# A reason typed as one long paragraph: no line of the mail may exceed what SMTP carries.
LONG_REASON = " ".join(
    f"Ý kiến {i}: hồ sơ cần bổ sung biên bản họp Hội đồng, tờ trình đề nghị và báo cáo "
    f"thành tích có xác nhận của thủ trưởng đơn vị;" for i in range(1, 16))
REJECT_REASON = "Đơn vị không đạt tiêu chuẩn «hoàn thành xuất sắc nhiệm vụ» năm 2025"


class Walk:
    """Fire a step, deliver the outbox, and return what arrived for that step."""

    def __init__(self, world, server):
        self.world, self.server = world, server

    def __call__(self, kind, item, who, trigger, comment=None):
        assert not self.server.take()
        helpers.fire(self.world, kind, item, who, trigger, comment)
        counts = deliver_all()
        got = self.server.take()
        assert counts == {"sent": len(got), "retry": 0, "failed": 0}
        assert addr(who) not in {r.to for r in got}, "the actor is never told of their own step"
        for r in got:
            assert link(kind, item.id) in r.text()
            assert f'href="{link(kind, item.id)}"' in r.html()
        return got


def to(received):
    tos = [r.to for r in received]
    assert len(tos) == len(set(tos)), f"someone was told twice: {tos}"
    return set(tos)


def test_launch_plan_and_its_returns(world, smtp_server):
    campaign = helpers.make_campaign(world)
    deliver_all()
    launched = smtp_server.take()
    assert to(launched) == {addr("staff_a"), addr("head_a"), addr("staff_b"), addr("head_b")}
    assert launched[0].subject == f"[TĐKT] Phát động: {campaign.title}"

    walk = Walk(world, smtp_server)
    plan = helpers.complete_plan(world, campaign)
    title = "Kế hoạch hưởng ứng của Sở Y tế"

    got = walk("plan", plan, "staff_a", "submit")
    assert to(got) == {addr("head_a")}
    (message,) = got
    assert message.subject == f"[TĐKT] Trình thủ trưởng: {title}"
    assert message.msg["To"].addresses[0].display_name == "Trần Văn Bình"
    text = message.text()
    assert text.startswith("Kính gửi Trần Văn Bình,")
    assert f"Nguyễn Thị Lan đã thực hiện «Trình thủ trưởng» đối với {title}." in text
    assert "Trạng thái: Chờ thủ trưởng ký" in text
    assert "Kính gửi Trần Văn Bình," in message.html()

    got = walk("plan", plan, "head_a", "head_return", RETURN_REASON)
    assert to(got) == {addr("staff_a")}  # the drafter; the head returned it himself
    assert f"Lý do / ý kiến: {RETURN_REASON}" in got[0].text()
    assert str(escape(RETURN_REASON)) in got[0].html()

    assert to(walk("plan", plan, "staff_a", "submit")) == {addr("head_a")}
    assert to(walk("plan", plan, "head_a", "sign_off")) == {addr("appraiser")}
    assert to(walk("plan", plan, "appraiser", "start_appraisal")) == {
        addr("staff_a"), addr("head_a")}

    got = walk("plan", plan, "appraiser", "return_to_unit", LONG_REASON)
    assert to(got) == {addr("staff_a"), addr("head_a")}
    for r in got:
        assert f"Lý do / ý kiến: {LONG_REASON}\n" in r.text()
        assert str(escape(LONG_REASON)) in r.html()
        assert max(len(line) for line in r.raw.split(b"\r\n")) <= 998


def test_dossiers_decision_and_the_issued_document(world, smtp_server):
    campaign = helpers.make_campaign(world)
    deliver_all()
    smtp_server.take()
    walk = Walk(world, smtp_server)

    dossier = helpers.complete_dossier(world, campaign)
    assert to(walk("dossier", dossier, "staff_a", "submit")) == {addr("head_a")}
    assert to(walk("dossier", dossier, "head_a", "sign_off")) == {addr("appraiser")}
    assert to(walk("dossier", dossier, "appraiser", "start_appraisal")) == {
        addr("staff_a"), addr("head_a")}
    for nominee in dossier.nominees:
        dossiers.set_verdict(world.users["appraiser"], dossier.id, nominee.id, "accepted")
    got = walk("dossier", dossier, "appraiser", "complete_appraisal")
    assert to(got) == {addr("staff_a"), addr("head_a")}
    assert got[0].subject == ("[TĐKT] Hoàn thành thẩm định: "
                              "Hồ sơ đề nghị khen thưởng của Sở Y tế")

    other = helpers.complete_dossier(world, campaign, "PDK", "staff_b")
    assert to(walk("dossier", other, "staff_b", "submit")) == {addr("head_b")}
    assert to(walk("dossier", other, "head_b", "sign_off")) == {addr("appraiser")}
    assert to(walk("dossier", other, "appraiser", "start_appraisal")) == {
        addr("staff_b"), addr("head_b")}
    got = walk("dossier", other, "appraiser", "reject", REJECT_REASON)
    assert to(got) == {addr("staff_b"), addr("head_b")}
    assert all(f"Lý do / ý kiến: {REJECT_REASON}" in r.text() for r in got)

    decision = decision_from(world, campaign, [dossier], until="drafting")
    assert not rows(item_type="dossier", template="dossier.include")  # system steps tell no one
    assert to(walk("decision", decision, "appraiser", "submit")) == {addr("board_head")}
    assert to(walk("decision", decision, "board_head", "sign_proposal")) == {addr("chairman")}
    assert to(walk("decision", decision, "chairman", "approve")) == {
        addr("clerk"), addr("appraiser")}  # the office clerk, and the drafter

    got = walk("decision", decision, "clerk", "issue")
    # the awardee unit's people and its own address, the Nơi nhận entries with an address
    # (not "Như Điều 3" or "Lưu: VT, SNV": paper only), and the drafter
    assert to(got) == {addr("staff_a"), addr("head_a"), "syt@tdkt.test",
                       "lanhdao@tdkt.test", "stc@tdkt.test", addr("appraiser")}
    names = {r.to: r.msg["To"].addresses[0].display_name for r in got}
    assert names["syt@tdkt.test"] == "Sở Y tế"
    assert names["lanhdao@tdkt.test"] == "CT, các PCT UBND tỉnh"
    assert names["stc@tdkt.test"] == "Sở Tài chính"
    assert {r.recipient_name for r in rows(event_id=rows(template="decision.issue")[0].event_id)
            } & {"Như Điều 3", "Lưu: VT, SNV"} == set()

    doc, data = stored("decision", decision.id, "decision")
    assert hashlib.sha256(data).hexdigest() == doc.sha256
    subject = ("[TĐKT] Ban hành: Quyết định số 01/QĐ-UBND về việc tặng Bằng khen của "
               "Chủ tịch Ủy ban nhân dân tỉnh")
    for r in got:
        assert r.subject == subject
        assert r.attachments() == [(doc.filename, data)]
        assert r.msg.get_content_type() == "multipart/mixed"
        (part,) = list(r.msg.iter_attachments())
        assert part.get_content_type() == ("application/vnd.openxmlformats-officedocument."
                                           "wordprocessingml.document")
        assert f"Văn bản đính kèm: {doc.filename}" in r.text()
    assert doc.filename == "Quyết định 01-QĐ-UBND khen thưởng.docx"
