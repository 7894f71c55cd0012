"""Issue 23: the recall (thu hồi, NĐ 30 Điều 18 k4) of a decision issued on paper still
tells its Nơi nhận: a notice with the reason goes by mail, through the outbox, to every
entry with an address (no organ ids, no electronic issue, so no type-1 package)."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import OutboxMessage
from app.services import decisions, dossiers
from app.services.errors import Conflict
from tests import helpers
from tests.notifications.conftest import deliver_all
from tests.notifications.support import decision_from, link

REASON = "Gửi nhầm nơi nhận: Quyết định ban hành trùng số «01/QĐ-UBND»."


def test_the_recall_of_a_paper_decision_is_mailed_to_its_nơi_nhận(world, smtp_server):
    campaign = helpers.make_campaign(world)
    dossier = helpers.complete_dossier(world, campaign)
    for who, trigger in (("staff_a", "submit"), ("head_a", "sign_off"),
                         ("appraiser", "start_appraisal")):
        helpers.fire(world, "dossier", dossier, who, trigger)
    for nominee in dossier.nominees:
        dossiers.set_verdict(world.users["appraiser"], dossier.id, nominee.id, "accepted")
    helpers.fire(world, "dossier", dossier, "appraiser", "complete_appraisal")
    decision = decision_from(world, campaign, [dossier], until="issued")
    deliver_all()
    smtp_server.take()

    decisions.recall(world.users["clerk"], decision.id, REASON)
    queued = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.template == "decision.recall")).all()
    assert {q.channel for q in queued} == {"mail"}
    counts = deliver_all()
    got = smtp_server.take()
    assert counts == {"sent": len(got), "retry": 0, "failed": 0}
    # the Nơi nhận entries with an address (not "Như Điều 3", "Lưu: VT, SNV") and the
    # awardee unit's address, as the issued decision was mailed: once each
    assert sorted(r.to for r in got) == ["lanhdao@tdkt.test", "stc@tdkt.test",
                                         "syt@tdkt.test"]
    for r in got:
        assert r.subject == ("[TĐKT] Thu hồi Quyết định số 01/QĐ-UBND về việc tặng Bằng "
                             "khen của Chủ tịch Ủy ban nhân dân tỉnh")
        assert f"Lý do: {REASON}" in r.text() and link("decision", decision.id) in r.text()
    names = {r.to: r.msg["To"].addresses[0].display_name for r in got}
    assert names["stc@tdkt.test"] == "Sở Tài chính"
    # the recall is one act: a second one is refused and nothing more is queued
    with pytest.raises(Conflict):
        decisions.recall(world.users["clerk"], decision.id, REASON)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.template == "decision.recall")) == 3
