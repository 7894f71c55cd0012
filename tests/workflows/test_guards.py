"""Every guard with its reason, on hand-built facts (no Flask, no database)."""
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from workflows import DOSSIER, PLAN, appraisal_checklist
from workflows import guards as g
from workflows.facts import (
    CampaignFacts,
    DeadlineFacts,
    DecisionFacts,
    DossierFacts,
    NomineeFacts,
    PlanFacts,
)

TODAY = date(2026, 11, 27)

READY_CAMPAIGN = CampaignFacts(
    title="Phong trào thi đua cao điểm", period_start=date(2026, 11, 1),
    period_end=date(2026, 12, 31), plan_deadline=date(2026, 11, 15),
    dossier_deadline=date(2027, 1, 10), contents={"Cải cách hành chính": 2},
    participant_count=3, award_form_count=1, vote_threshold=Decimal("70"))

NOMINEE = NomineeFacts(name="Nguyễn Văn An", award_form="Bằng khen", votes_for=8,
                       attachments=frozenset({"bao_cao_thanh_tich"}))
READY_DOSSIER = DossierFacts(
    today=TODAY, deadline=date(2026, 12, 31), results={"Doanh nghiệp thành lập mới": Decimal(120)},
    council_meeting_date=date(2026, 11, 20), council_members_total=10, council_members_present=9,
    vote_threshold=Decimal("70"), nominees=(NOMINEE,), attachments=frozenset({"to_trinh"}),
    required_dossier_attachments={"to_trinh": "Tờ trình đề nghị khen thưởng"},
    required_nominee_attachments={"bao_cao_thanh_tich": "Báo cáo thành tích"},
    quotas={"Bằng khen": 2})


def test_ready_campaign_passes():
    assert g.campaign_is_ready(READY_CAMPAIGN) is None


@pytest.mark.parametrize("change, fragment", [
    ({"title": "  "}, "tên phong trào"),
    ({"period_end": date(2026, 10, 1)}, "thời gian thi đua hợp lệ"),
    ({"plan_deadline": None}, "hạn nộp kế hoạch và hạn nộp hồ sơ"),
    ({"plan_deadline": date(2027, 2, 1)}, "hạn nộp kế hoạch không muộn hơn hạn nộp hồ sơ"),
    ({"contents": {}}, "ít nhất một nội dung thi đua"),
    ({"contents": {"Kinh tế": 0}}, "chỉ tiêu cho nội dung «Kinh tế»"),
    ({"participant_count": 0}, "đơn vị tham gia"),
    ({"award_form_count": 0}, "hình thức khen thưởng"),
    ({"vote_threshold": Decimal("120")}, "tỷ lệ phiếu bầu tối thiểu"),
])
def test_campaign_not_ready_says_what_is_missing(change, fragment):
    reason = g.campaign_is_ready(replace(READY_CAMPAIGN, **change))
    assert reason.startswith("Phong trào chưa đủ thông tin để phát động")
    assert fragment in reason


def test_campaign_must_be_launched():
    assert g.campaign_is_launched(DeadlineFacts(campaign_state="launched")) is None
    for state in ("draft", "closed"):
        assert g.campaign_is_launched(DeadlineFacts(campaign_state=state)) == (
            "Phong trào chưa được phát động hoặc đã kết thúc, không thể gửi.")


def test_deadline_refuses_late_unless_the_campaign_accepts_late():
    on_time = DeadlineFacts(today=date(2026, 11, 15), deadline=date(2026, 11, 15))
    late = replace(on_time, today=date(2026, 11, 16))
    assert g.deadline_allows(on_time) is None and not g.is_late(on_time)
    assert g.deadline_allows(late) == (
        "Đã quá hạn nộp (15/11/2026) và phong trào không nhận hồ sơ nộp muộn.")
    assert g.deadline_allows(replace(late, accepts_late=True)) is None
    assert g.is_late(replace(late, accepts_late=True))
    assert g.deadline_allows(DeadlineFacts(today=TODAY, deadline=None)) is None


def test_plan_completeness_names_each_gap():
    facts = PlanFacts(sections={"Cải cách hành chính": "Có", "Kinh tế": "  "},
                      commitments={"Doanh nghiệp mới": None, "Thu ngân sách": Decimal(90)})
    assert g.plan_is_complete(facts) == (
        "Kế hoạch chưa đầy đủ: còn thiếu nội dung hưởng ứng cho «Kinh tế»; "
        "chỉ tiêu đăng ký cho «Doanh nghiệp mới».")
    done = replace(facts, sections={"Kinh tế": "Có"}, commitments={"Thu ngân sách": Decimal(1)})
    assert g.plan_is_complete(done) is None


def test_ready_dossier_passes_every_submit_guard():
    step = DOSSIER.step("submit", "draft")
    assert DOSSIER.reasons(step, READY_DOSSIER) == []


@pytest.mark.parametrize("change, fragment", [
    ({"results": {"Doanh nghiệp thành lập mới": None}},
     "kết quả thực hiện chỉ tiêu «Doanh nghiệp thành lập mới»"),
    ({"council_meeting_date": None}, "ngày họp Hội đồng Thi đua – Khen thưởng của đơn vị"),
    ({"council_members_total": None}, "số thành viên Hội đồng (tổng số và có mặt)"),
    ({"council_members_present": 11}, "số thành viên có mặt không vượt quá tổng số"),
    ({"nominees": ()}, "ít nhất một tập thể hoặc cá nhân được đề nghị"),
    ({"nominees": (replace(NOMINEE, votes_for=None),)}, "số phiếu đồng ý cho «Nguyễn Văn An»"),
    ({"nominees": (replace(NOMINEE, votes_for=10),)},
     "số phiếu không vượt quá số thành viên có mặt («Nguyễn Văn An»)"),
    ({"nominees": (replace(NOMINEE, award_offered=False),)},
     "hình thức khen thưởng thuộc phong trào cho «Nguyễn Văn An»"),
])
def test_dossier_completeness(change, fragment):
    reason = g.dossier_is_complete(replace(READY_DOSSIER, **change))
    assert reason.startswith("Hồ sơ chưa đầy đủ: cần ") and fragment in reason


def test_required_attachments_per_dossier_and_per_nominee():
    facts = replace(READY_DOSSIER, attachments=frozenset(),
                    nominees=(replace(NOMINEE, attachments=frozenset()),))
    assert g.has_required_attachments(facts) == (
        "Thiếu tài liệu bắt buộc: «Tờ trình đề nghị khen thưởng», "
        "«Báo cáo thành tích của Nguyễn Văn An».")


def test_vote_share_counts_against_all_members():
    # 7 of 10 members is exactly 70 %: enough. 6 of 10 is not, even with 8 present.
    assert g.vote_shares_meet_threshold(replace(
        READY_DOSSIER, nominees=(replace(NOMINEE, votes_for=7),))) is None
    reason = g.vote_shares_meet_threshold(replace(
        READY_DOSSIER, council_members_present=8, nominees=(replace(NOMINEE, votes_for=6),)))
    assert reason == ("Tỷ lệ phiếu đồng ý dưới mức tối thiểu 70% tổng số thành viên Hội đồng: "
                      "«Nguyễn Văn An (60%)».")
    assert g.vote_share(2, 3) == Decimal("66.67")
    # the reason writes numbers as the pages do: decimal comma, thousands with a dot
    reason = g.vote_shares_meet_threshold(replace(
        READY_DOSSIER, vote_threshold=Decimal("70.50"), council_members_total=3,
        nominees=(replace(NOMINEE, votes_for=2),)))
    assert "mức tối thiểu 70,5% tổng" in reason and "(66,67%)" in reason


def test_vietnamese_figures():
    from workflows.numbers import figure, percent
    assert figure(Decimal("1500")) == "1.500" and figure(Decimal("1234567.50")) == "1.234.567,5"
    assert figure(Decimal("70.00")) == "70" and figure(-2500) == "-2.500"
    assert percent(Decimal("88.89")) == "88,89%"


def test_quota_per_unit():
    three = tuple(replace(NOMINEE, name=f"Người {i}") for i in range(3))
    assert g.quotas_respected(replace(READY_DOSSIER, nominees=three)) == (
        "Vượt chỉ tiêu số lượng đề nghị cho mỗi đơn vị (Bằng khen: 3/2).")
    assert g.quotas_respected(replace(READY_DOSSIER, nominees=three,
                                      quotas={"Bằng khen": None})) is None


def test_duplicates_in_the_dossier_and_across_units():
    facts = replace(READY_DOSSIER, nominees=(
        replace(NOMINEE, duplicate_in_dossier=True),
        replace(NOMINEE, name="Lê Thị Bích", proposed_elsewhere=("Sở Y tế",)),
    ))
    assert g.no_duplicate_nominees(facts) == (
        "Một tập thể, cá nhân không được đề nghị hai lần trong cùng phong trào: "
        "«Nguyễn Văn An (trùng trong hồ sơ)», «Lê Thị Bích (đã được Sở Y tế đề nghị)».")


def test_appraisal_needs_a_verdict_for_everyone_and_one_acceptance():
    pending = replace(READY_DOSSIER, nominees=(
        replace(NOMINEE, verdict=None), replace(NOMINEE, name="B", verdict="declined")))
    assert g.every_nominee_has_verdict(pending) == (
        "Chưa hoàn thành thẩm định: chưa có ý kiến thẩm định cho «Nguyễn Văn An»; "
        "chưa ghi lý do không đề nghị cho «B».")
    declined = replace(READY_DOSSIER, nominees=(
        replace(NOMINEE, verdict="declined", verdict_reason="Chưa đủ tiêu chuẩn"),))
    assert g.every_nominee_has_verdict(declined) is None
    assert g.some_nominee_accepted(declined).startswith("Không có tập thể, cá nhân nào")
    accepted = replace(READY_DOSSIER, nominees=(replace(NOMINEE, verdict="accepted"),))
    assert DOSSIER.reasons(DOSSIER.step("complete_appraisal", "in_appraisal"), accepted) == []


def test_decision_guards():
    assert g.decision_has_nominees(DecisionFacts(nominee_count=0)) == (
        "Dự thảo quyết định chưa có tập thể, cá nhân nào.")
    assert g.decision_keeps_someone(DecisionFacts(nominee_count=2, struck_count=2)).startswith(
        "Tất cả tập thể, cá nhân đã bị loại")
    assert g.decision_keeps_someone(DecisionFacts(nominee_count=2, struck_count=1)) is None


def test_checklist_reuses_the_guards():
    bad = replace(READY_DOSSIER, submitted_late=True, attachments=frozenset(),
                  nominees=(replace(NOMINEE, votes_for=5),))
    checks = {c.code: c for c in appraisal_checklist(bad)}
    assert [c.code for c in appraisal_checklist(bad)] == [
        "complete", "attachments", "vote_share", "quota", "duplicates", "deadline", "plan"]
    assert not checks["attachments"].ok and "Tờ trình" in checks["attachments"].detail
    assert not checks["vote_share"].ok and "(50%)" in checks["vote_share"].detail
    assert not checks["deadline"].ok
    assert checks["quota"].ok and checks["duplicates"].ok and checks["complete"].ok
    assert all(c.ok for c in appraisal_checklist(READY_DOSSIER))


def test_plan_submit_runs_completeness_launch_and_deadline_together():
    facts = PlanFacts(campaign_state="closed", today=TODAY, deadline=date(2026, 1, 1),
                      sections={"A": ""}, commitments={})
    reasons = PLAN.reasons(PLAN.step("submit", "draft"), facts)
    assert len(reasons) == 3


def test_an_unsent_plan_warns_by_default_and_blocks_the_appraisal_where_the_campaign_says():
    """Issue 20, item 5: the unit's plan never reached the Board."""
    accepted = replace(READY_DOSSIER, nominees=(replace(NOMINEE, verdict="accepted"),))
    complete = DOSSIER.step("complete_appraisal", "in_appraisal")
    unsent = replace(accepted, unsent_plan="Đang soạn")
    # by default: a warning in the checklist, the appraisal goes on
    (plan,) = [c for c in appraisal_checklist(unsent) if c.code == "plan"]
    assert not plan.ok and plan.warning
    assert plan.detail == ("Kế hoạch hưởng ứng của đơn vị chưa được gửi Ban Thi đua – Khen "
                           "thưởng (đang ở trạng thái «Đang soạn»).")
    assert DOSSIER.reasons(complete, unsent) == []
    # where the campaign blocks: the same check fails for good, and the step is refused
    blocked = replace(unsent, unsent_plan_rule="block")
    (plan,) = [c for c in appraisal_checklist(blocked) if c.code == "plan"]
    assert not plan.ok and not plan.warning
    (reason,) = DOSSIER.reasons(complete, blocked)
    assert reason.startswith("Kế hoạch hưởng ứng của đơn vị chưa được gửi") and \
        "hãy trả lại hồ sơ cho đơn vị" in reason
    # a unit with no plan at all is as unsent; a sent plan passes in both modes
    assert DOSSIER.reasons(complete, replace(blocked, unsent_plan="")) == [
        g.plan_sent_where_required(replace(blocked, unsent_plan=""))]
    assert g.plan_was_sent(replace(blocked, unsent_plan="")).endswith("Khen thưởng.")
    assert DOSSIER.reasons(complete, replace(blocked, unsent_plan=None)) == []
    # the Board may still return or reject it
    assert DOSSIER.reasons(DOSSIER.step("return_to_unit", "in_appraisal"), blocked) == []
