"""Every way back, with its required reason, and the dossier's submit and appraisal rules,
through the services (DESIGN.md §3)."""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from app.clock import today
from app.extensions import db
from app.models import (
    Decision,
    Dossier,
    NumberRegister,
    OutboxMessage,
    Plan,
    Registration,
    WorkflowEvent,
)
from app.services import decisions, dossiers, plans, workflow
from app.services.errors import Conflict, Invalid
from tests import helpers
from tests.helpers import appraised_dossier, complete_dossier, complete_plan, fire
from workflows import PROCESSES

BLANKS = [None, "", "   ", " \n\t "]
MODELS = {"plan": Plan, "dossier": Dossier, "decision": Decision, "registration": Registration}


def reload(kind, item):
    db.session.expire_all()
    return db.session.get(MODELS[kind], item.id)


def fingerprint(kind, item):
    item = reload(kind, item)
    return (item.state, item.version,
            db.session.scalar(sa.select(sa.func.count(WorkflowEvent.id))),
            db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))))


def last_event(kind, item):
    return db.session.scalars(
        sa.select(WorkflowEvent)
        .where(WorkflowEvent.item_type == kind, WorkflowEvent.item_id == item.id)
        .order_by(WorkflowEvent.id.desc()).limit(1)).one()


def told(world, event):
    """Usernames of the outbox rows of one event."""
    by_id = {u.id: name for name, u in world.users.items()}
    rows = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.event_id == event.id)).all()
    return sorted(by_id[r.recipient_user_id] for r in rows)


def outbox_rows(event):
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.event_id == event.id)
        .order_by(OutboxMessage.id)).all()


def walk(world, kind, item, steps):
    for who, trigger, *comment in steps:
        fire(world, kind, item, who, trigger, *comment)
    return item


TO_HEAD = [("staff_a", "submit")]
TO_BOARD = TO_HEAD + [("head_a", "sign_off")]
TO_APPRAISAL = TO_BOARD + [("appraiser", "start_appraisal")]


def make_item(world, campaign, kind):
    if kind == "registration":  # a regular year's: its own year, its titles written
        from app.services import registrations

        reg = helpers.unit_item(Registration, helpers.make_year(world), "SYT")
        return registrations.update_registration(
            world.users["staff_a"], reg.id, {"entries": helpers.REGISTRATION_ENTRIES},
            reg.version)
    if kind == "plan":
        return complete_plan(world, campaign)
    return complete_dossier(world, campaign)


def make_decision(world, campaign, steps=()):
    d = appraised_dossier(world, campaign)
    appraiser = world.users["appraiser"]
    decision = decisions.create_decision(appraiser, {"campaign_id": campaign.id,
                                                     "award_form": "BKCT"})
    decisions.add_nominees(appraiser, decision.id, [n.id for n in d.nominees])
    return walk(world, "decision", reload("decision", decision), steps)


# (kind, trigger, who fires it, path to the source state, source, dest, who is told)
RETURNS = [
    ("plan", "head_return", "head_a", TO_HEAD, "awaiting_head", "draft", ["staff_a"]),
    ("dossier", "head_return", "head_a", TO_HEAD, "awaiting_head", "draft", ["staff_a"]),
    ("plan", "return_to_unit", "appraiser", TO_APPRAISAL, "in_appraisal", "returned",
     ["head_a", "staff_a"]),
    ("dossier", "return_to_unit", "appraiser", TO_APPRAISAL, "in_appraisal", "returned",
     ["head_a", "staff_a"]),
    ("plan", "chairman_return", "chairman", TO_APPRAISAL + [("appraiser", "forward")],
     "awaiting_chairman", "in_appraisal", ["appraiser"]),
    ("dossier", "reject", "appraiser", TO_APPRAISAL, "in_appraisal", "rejected",
     ["head_a", "staff_a"]),
    ("registration", "head_return", "head_a", TO_HEAD, "awaiting_head", "draft", ["staff_a"]),
    ("registration", "return_to_unit", "appraiser", TO_BOARD, "submitted", "returned",
     ["head_a", "staff_a"]),
    ("decision", "board_return", "board_head", [("appraiser", "submit")],
     "awaiting_board_head", "drafting", ["appraiser"]),
    ("decision", "chairman_return", "chairman",
     [("appraiser", "submit"), ("board_head", "sign_proposal")],
     "awaiting_chairman", "drafting", ["appraiser", "board_head"]),
]


def _build(world, campaign, kind, path):
    if kind == "decision":
        return make_decision(world, campaign, path)
    return walk(world, kind, make_item(world, campaign, kind), path)


def test_the_table_covers_every_step_that_needs_a_reason():
    needs = {(n, s.trigger) for n, p in PROCESSES.items() for s in p.steps if s.comment}
    assert {(kind, trigger) for kind, trigger, *_ in RETURNS} == needs
    for kind, trigger, _, _, source, dest, _ in RETURNS:
        step = PROCESSES[kind].step(trigger, source)
        assert step.dest == dest and step.comment


@pytest.mark.parametrize("row", RETURNS, ids=lambda r: f"{r[0]}-{r[1]}")
def test_a_return_without_a_reason_is_refused_and_changes_nothing(world, campaign, row):
    kind, trigger, who, path, source, _, _ = row
    item = _build(world, campaign, kind, path)
    assert item.state == source
    before = fingerprint(kind, item)
    for blank in BLANKS:
        with pytest.raises(Invalid) as refused:
            workflow.perform(kind, item.id, world.users[who], trigger, version=before[1],
                             comment=blank)
        assert refused.value.code == "comment_required"
        assert refused.value.message == "Bước này cần ghi rõ lý do."
        assert fingerprint(kind, item) == before


@pytest.mark.parametrize("row", RETURNS, ids=lambda r: f"{r[0]}-{r[1]}")
def test_a_return_with_a_reason_moves_records_and_tells(world, campaign, row):
    kind, trigger, who, path, source, dest, audience = row
    item = _build(world, campaign, kind, path)
    version = item.version
    moved = workflow.perform(kind, item.id, world.users[who], trigger, version=version,
                             comment="  Bổ sung số liệu kết quả thực hiện chỉ tiêu \n")
    assert moved.state == dest and moved.version == version + 1
    event = last_event(kind, item)
    assert (event.trigger, event.from_state, event.to_state, event.actor_id, event.comment) == (
        trigger, source, dest, world.users[who].id, "Bổ sung số liệu kết quả thực hiện chỉ tiêu")
    assert event.role == helpers.ROLE_OF[who]
    assert told(world, event) == audience
    assert who not in told(world, event)
    emails = sorted(f"{name}@tdkt.test" for name in audience)
    rows = outbox_rows(event)
    assert sorted(r.recipient_email for r in rows) == emails
    for r in rows:
        assert (r.template, r.status, r.item_type, r.item_id) == (
            f"{kind}.{trigger}", "pending", kind, item.id)
        assert r.payload["comment"] == "Bổ sung số liệu kết quả thực hiện chỉ tiêu"
        assert (r.payload["trigger"], r.payload["from_state"], r.payload["to_state"]) == (
            trigger, source, dest)


@pytest.mark.parametrize("kind", ["plan", "dossier"])
def test_a_returned_item_is_corrected_and_sent_again(world, campaign, kind):
    item = walk(world, kind, make_item(world, campaign, kind), TO_APPRAISAL)
    fire(world, kind, item, "appraiser", "return_to_unit", "Bổ sung tóm tắt")
    assert item.state == "returned"
    staff = world.users["staff_a"]
    if kind == "plan":
        plans.update_plan(staff, item.id, {"summary": "Kế hoạch đã bổ sung"}, item.version)
    else:
        dossiers.update_dossier(staff, item.id, {"summary": "Báo cáo đã bổ sung"}, item.version)
    fire(world, kind, item, "staff_a", "submit")
    assert item.state == "awaiting_head"
    event = last_event(kind, item)
    assert (event.trigger, event.from_state, event.to_state, event.role) == (
        "submit", "returned", "awaiting_head", "unit_staff")
    assert told(world, event) == ["head_a"]
    fire(world, kind, item, "head_a", "sign_off")
    fire(world, kind, item, "appraiser", "start_appraisal")
    assert reload(kind, item).state == "in_appraisal"
    triggers = [e.trigger for e in workflow.history(kind, item)]
    assert triggers == ["submit", "sign_off", "start_appraisal", "return_to_unit",
                        "submit", "sign_off", "start_appraisal"]


def test_a_rejected_dossier_is_final(world, campaign):
    d = walk(world, "dossier", complete_dossier(world, campaign), TO_APPRAISAL)
    fire(world, "dossier", d, "appraiser", "reject", "Thành tích không tiêu biểu")
    assert d.state == "rejected"
    for name, user in world.users.items():
        assert workflow.actions("dossier", d, user) == [], name
    before = fingerprint("dossier", d)
    for trigger in PROCESSES["dossier"].triggers:
        with pytest.raises(Conflict) as refused:
            workflow.perform("dossier", d.id, world.users["appraiser"], trigger,
                             version=before[1], comment="Thử lại")
        assert refused.value.code == "invalid_state", trigger
    with pytest.raises(Conflict) as refused:
        dossiers.update_dossier(world.users["staff_a"], d.id, {"summary": "Sửa"}, before[1])
    assert refused.value.code == "not_editable"
    with pytest.raises(Conflict):
        dossiers.set_verdict(world.users["appraiser"], d.id, d.nominees[0].id, "accepted")
    assert fingerprint("dossier", d) == before


def test_chairman_return_clears_the_proposal_number_and_the_next_is_consecutive(world,
                                                                                 campaign):
    decision = make_decision(world, campaign, [("appraiser", "submit"),
                                               ("board_head", "sign_proposal")])
    assert (decision.proposal_number, decision.proposal_label, decision.proposal_date,
            decision.proposal_signed_by_id) == (1, "01/TTr-SNV", today(),
                                                world.users["board_head"].id)
    fire(world, "decision", decision, "chairman", "chairman_return", "Rà soát lại danh sách")
    decision = reload("decision", decision)
    assert decision.state == "drafting"
    assert (decision.proposal_number, decision.proposal_symbol, decision.proposal_date,
            decision.proposal_signed_by_id, decision.proposal_label) == (None,) * 5
    # the nominees stay in the draft, their dossiers in the proposal
    assert len(decision.nominees) == 3
    assert {n.dossier.state for n in decision.nominees} == {"in_proposal"}

    fire(world, "decision", decision, "appraiser", "submit")
    fire(world, "decision", decision, "board_head", "board_return", "Sửa trích yếu")
    decision = reload("decision", decision)
    assert decision.proposal_number is None  # nothing was signed, nothing was taken
    fire(world, "decision", decision, "appraiser", "submit")
    fire(world, "decision", decision, "board_head", "sign_proposal")
    decision = reload("decision", decision)
    assert (decision.proposal_number, decision.proposal_label) == (2, "02/TTr-SNV")
    register = db.session.scalars(sa.select(NumberRegister).where(
        NumberRegister.doc_type == "TTr",
        NumberRegister.issuer_unit_id == world.units["SNV"].id)).one()
    assert (register.doc_type, register.year, register.last_number,
            register.issuer_unit_id) == ("TTr", today().year, 2, world.units["SNV"].id)


@pytest.mark.parametrize("kind", ["plan", "dossier"])
def test_the_unit_head_withdraws_a_submitted_item(world, campaign, kind):
    item = walk(world, kind, make_item(world, campaign, kind), TO_BOARD)
    assert item.state == "submitted"
    moved = workflow.perform(kind, item.id, world.users["head_a"], "withdraw",
                             version=item.version)  # no reason needed
    assert moved.state == "draft"
    event = last_event(kind, item)
    assert (event.trigger, event.role, event.from_state, event.to_state, event.comment) == (
        "withdraw", "unit_head", "submitted", "draft", None)
    assert told(world, event) == ["appraiser", "staff_a"]

    # a reason, when given, is kept (stripped)
    walk(world, kind, item, [("staff_a", "submit"), ("head_a", "sign_off")])
    fire(world, kind, item, "head_a", "withdraw", "  Cần bổ sung số liệu  ")
    assert last_event(kind, item).comment == "Cần bổ sung số liệu"


@pytest.mark.parametrize("kind", ["plan", "dossier"])
def test_no_withdrawal_once_appraisal_started(world, campaign, kind):
    item = walk(world, kind, make_item(world, campaign, kind), TO_APPRAISAL)
    before = fingerprint(kind, item)
    with pytest.raises(Conflict) as refused:
        workflow.perform(kind, item.id, world.users["head_a"], "withdraw", version=before[1])
    assert refused.value.code == "invalid_state"
    assert fingerprint(kind, item) == before


# -- the dossier's submit rules ------------------------------------------------------------


def refused_submit(world, d):
    before = fingerprint("dossier", d)
    with pytest.raises(Invalid) as refused:
        workflow.perform("dossier", d.id, world.users["staff_a"], "submit", version=before[1])
    assert refused.value.code == "guard_failed"
    assert fingerprint("dossier", d) == before
    return refused.value


def nominee(name, votes=9, form="BKCT", kind="individual", organisation="SYT"):
    return {"kind": kind, "name": name, "title": "Ông" if kind == "individual" else "",
            "position_title": "Chuyên viên", "organisation": organisation,
            "award_form": form, "votes_for": votes}


def test_submit_is_refused_when_papers_are_missing(world, campaign):
    d = complete_dossier(world, campaign)
    staff = world.users["staff_a"]
    bien_ban = next(a for a in d.attachments if a.kind == "bien_ban")
    an = next(n for n in d.nominees if n.name == "Nguyễn Văn An")
    report = next(a for a in d.attachments if a.nominee_id == an.id)
    dossiers.remove_attachment(staff, d.id, bien_ban.id)
    dossiers.remove_attachment(staff, d.id, report.id)
    error = refused_submit(world, reload("dossier", d))
    # the council's minutes are written by the system: only the uploaded paper is missing
    reason = "Thiếu tài liệu bắt buộc: «Báo cáo thành tích của Nguyễn Văn An»."
    assert error.message == reason
    assert error.details == {"reasons": [reason]}


def test_submit_is_refused_below_the_vote_threshold(world, campaign):
    d = complete_dossier(world, campaign, nominees=[
        nominee("Nguyễn Văn An", 9), nominee("Lê Thị Bích", 6)])  # 6/9 = 66.67% < 70%
    error = refused_submit(world, d)
    assert error.details["reasons"] == [
        "Tỷ lệ phiếu đồng ý dưới mức tối thiểu 70% tổng số thành viên Hội đồng: "
        "«Lê Thị Bích (66,67%)»."]


def test_exactly_the_vote_threshold_is_enough(world, campaign):
    d = complete_dossier(world, campaign, nominees=[nominee("Nguyễn Văn An", 7)])
    dossiers.update_dossier(world.users["staff_a"], d.id,
                            {"council_members_total": 10, "council_members_present": 10},
                            d.version)  # 7/10 = 70%
    fire(world, "dossier", d, "staff_a", "submit")
    assert d.state == "awaiting_head"


def test_submit_is_refused_over_the_unit_quota(world, campaign):
    names = ["Nguyễn Văn An", "Lê Thị Bích", "Trần Văn Cường", "Phạm Thị Dung"]
    d = complete_dossier(world, campaign, nominees=[nominee(n) for n in names])  # BKCT quota 3
    error = refused_submit(world, d)
    assert error.details["reasons"] == [
        "Vượt chỉ tiêu số lượng đề nghị cho mỗi đơn vị "
        "(Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh: 4/3)."]


def test_the_quota_itself_is_allowed(world, campaign):
    d = complete_dossier(world, campaign)  # three BKCT, quota 3
    assert [n.award_form.code for n in d.nominees] == ["BKCT"] * 3
    fire(world, "dossier", d, "staff_a", "submit")
    assert d.state == "awaiting_head"


def test_submit_is_refused_when_a_person_is_proposed_twice(world, campaign):
    d = complete_dossier(world, campaign, nominees=[
        nominee("Nguyễn Văn An"), nominee("nguyễn   VĂN an")])
    error = refused_submit(world, d)
    assert error.details["reasons"] == [
        "Một tập thể, cá nhân không được đề nghị hai lần trong cùng phong trào: "
        "«Nguyễn Văn An (trùng trong hồ sơ)», «nguyễn   VĂN an (trùng trong hồ sơ)»."]


def test_submit_is_refused_when_another_unit_already_proposed_the_person(world, campaign):
    shared = nominee("Nguyễn Văn An", organisation="Sở Y tế")
    syt = complete_dossier(world, campaign, nominees=[shared])
    pdk = complete_dossier(world, campaign, unit="PDK", staff="staff_b", nominees=[shared])
    # a draft of another unit is no proposal yet
    fire(world, "dossier", syt, "staff_a", "submit")
    assert syt.state == "awaiting_head"
    before = fingerprint("dossier", pdk)
    with pytest.raises(Invalid) as refused:
        workflow.perform("dossier", pdk.id, world.users["staff_b"], "submit",
                         version=before[1])
    assert refused.value.details["reasons"] == [
        "Một tập thể, cá nhân không được đề nghị hai lần trong cùng phong trào: "
        "«Nguyễn Văn An (đã được Sở Y tế đề nghị)»."]
    assert fingerprint("dossier", pdk) == before
    # once SYT takes its dossier back to draft, PDK may propose the person
    fire(world, "dossier", syt, "head_a", "head_return", "Trùng với phường Đông Kinh")
    fire(world, "dossier", pdk, "staff_b", "submit")
    assert pdk.state == "awaiting_head"


def _at_local_noon(day):
    return datetime(day.year, day.month, day.day, 5, 0)  # 12:00 in Hà Nội (UTC+7)


def test_submit_after_the_deadline_is_refused_when_late_is_not_accepted(world, campaign):
    d = complete_dossier(world, campaign)
    deadline = campaign.dossier_deadline
    with freeze_time(_at_local_noon(deadline + timedelta(days=1))):
        error = refused_submit(world, d)
    assert error.details["reasons"] == [
        f"Đã quá hạn nộp ({deadline:%d/%m/%Y}) và phong trào không nhận hồ sơ nộp muộn."]


def test_the_deadline_is_a_local_date(world, campaign):
    """17:30 UTC on the deadline is already the next day in Lạng Sơn: late."""
    d = complete_dossier(world, campaign)
    deadline = campaign.dossier_deadline
    with freeze_time(datetime(deadline.year, deadline.month, deadline.day, 17, 30)):
        error = refused_submit(world, d)
    assert error.details["reasons"][0].startswith("Đã quá hạn nộp")


def test_submit_on_the_deadline_is_on_time(world, campaign):
    d = complete_dossier(world, campaign)
    with freeze_time(_at_local_noon(campaign.dossier_deadline)):
        fire(world, "dossier", d, "staff_a", "submit")
    d = reload("dossier", d)
    assert (d.state, d.late) == ("awaiting_head", False)


def test_a_late_dossier_is_accepted_and_flagged_when_the_campaign_accepts_late(world):
    campaign = helpers.make_campaign(world, accepts_late=True)
    d = complete_dossier(world, campaign)
    with freeze_time(_at_local_noon(campaign.dossier_deadline + timedelta(days=3))):
        fire(world, "dossier", d, "staff_a", "submit")
        d = reload("dossier", d)
        assert (d.state, d.late) == ("awaiting_head", True)
        _, checks = dossiers.checklist(world.users["appraiser"], d.id)
    deadline = next(c for c in checks if c.code == "deadline")
    assert (deadline.ok, deadline.detail) == (False, "Hồ sơ gửi sau hạn nộp.")
    fire(world, "dossier", d, "head_a", "sign_off")  # the head may still sign it off
    assert reload("dossier", d).state == "submitted"


# -- the Board's appraisal rules ----------------------------------------------------------


def in_appraisal(world, campaign):
    return walk(world, "dossier", complete_dossier(world, campaign), TO_APPRAISAL)


def refused_completion(world, d):
    before = fingerprint("dossier", d)
    with pytest.raises(Invalid) as refused:
        workflow.perform("dossier", d.id, world.users["appraiser"], "complete_appraisal",
                         version=before[1])
    assert refused.value.code == "guard_failed"
    assert fingerprint("dossier", d) == before
    return refused.value.details["reasons"]


NONE_ACCEPTED = ("Không có tập thể, cá nhân nào được chấp nhận; "
                 "hãy dùng «Không chấp nhận hồ sơ» kèm lý do.")


def test_complete_appraisal_needs_every_verdict_and_one_acceptance(world, campaign):
    d = in_appraisal(world, campaign)
    appraiser = world.users["appraiser"]
    collective, an, bich = d.nominees
    assert refused_completion(world, d) == [
        "Chưa hoàn thành thẩm định: chưa có ý kiến thẩm định cho «Phòng Tổ chức cán bộ, SYT», "
        "«Nguyễn Văn An», «Lê Thị Bích».",
        NONE_ACCEPTED]

    dossiers.set_verdict(appraiser, d.id, collective.id, "declined", "Chưa đủ thời gian")
    dossiers.set_verdict(appraiser, d.id, an.id, "declined", "Thành tích chưa nổi bật")
    assert refused_completion(world, reload("dossier", d)) == [
        "Chưa hoàn thành thẩm định: chưa có ý kiến thẩm định cho «Lê Thị Bích».",
        NONE_ACCEPTED]

    dossiers.set_verdict(appraiser, d.id, bich.id, "declined", "Không đủ phiếu")
    assert refused_completion(world, reload("dossier", d)) == [NONE_ACCEPTED]

    dossiers.set_verdict(appraiser, d.id, bich.id, "accepted")
    d = reload("dossier", d)
    workflow.perform("dossier", d.id, appraiser, "complete_appraisal", version=d.version)
    d = reload("dossier", d)
    assert d.state == "appraised"
    assert [(n.name, n.verdict, n.verdict_reason) for n in d.nominees] == [
        ("Phòng Tổ chức cán bộ, SYT", "declined", "Chưa đủ thời gian"),
        ("Nguyễn Văn An", "declined", "Thành tích chưa nổi bật"),
        ("Lê Thị Bích", "accepted", None)]
    assert told(world, last_event("dossier", d)) == ["head_a", "staff_a"]


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_declined_verdict_needs_a_reason(world, campaign, reason):
    d = in_appraisal(world, campaign)
    n = d.nominees[0]
    before = fingerprint("dossier", d)
    with pytest.raises(Invalid) as refused:
        dossiers.set_verdict(world.users["appraiser"], d.id, n.id, "declined", reason)
    assert refused.value.code == "comment_required"
    assert refused.value.message == "Cần ghi lý do không đề nghị khen thưởng."
    assert fingerprint("dossier", d) == before
    assert reload("dossier", d).nominees[0].verdict is None


def test_a_verdict_must_be_accepted_or_declined(world, campaign):
    d = in_appraisal(world, campaign)
    n = d.nominees[0]
    before = fingerprint("dossier", d)
    with pytest.raises(Invalid) as refused:
        dossiers.set_verdict(world.users["appraiser"], d.id, n.id, "maybe", "Chưa rõ")
    assert refused.value.code == "unknown_verdict"
    assert refused.value.message == "Ý kiến thẩm định «maybe» không hợp lệ."
    assert fingerprint("dossier", d) == before
    assert reload("dossier", d).nominees[0].verdict is None


def test_a_declined_reason_is_stored_stripped(world, campaign):
    d = in_appraisal(world, campaign)
    n = d.nominees[0]
    dossiers.set_verdict(world.users["appraiser"], d.id, n.id, "declined", "  Không đủ phiếu \n")
    assert reload("dossier", d).nominees[0].verdict_reason == "Không đủ phiếu"
