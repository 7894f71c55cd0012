"""Issue 20, item 4: a decision naming two units' people tells each unit only of its own.

Sở Y tế (SYT) and phường Đông Kinh (PDK) each have a dossier in one decision; the
Chairman strikes one person of each, with a reason of each. Every notice of the decision
is read back where people read it: the mail through a real SMTP server (aiosmtpd), the
in-app list at /notifications, and the rows the outbox keeps. The province's offices
(Board, Chairman, Office) read everyone; a unit reads its own struck person and reason
only; a Nơi nhận address outside the system reads no struck person at all.
"""
import pytest

from app.services import decisions, dossiers
from tests import helpers
from tests.notifications.conftest import deliver_all
from tests.notifications.support import addr, rows
from tests.web.test_views import login

SYT_STRUCK, SYT_REASON = "Lê Thị Bích", "Trùng thành tích đã khen năm trước"
PDK_STRUCK, PDK_REASON = "Vi Văn Quang", "Đang bị xem xét kỷ luật"
PDK_NOMINEES = [
    {"kind": "individual", "name": "Hoàng Văn Sơn", "title": "Ông",
     "position_title": "Công chức", "organisation": "PDK", "award_form": "BKCT",
     "votes_for": 9},
    {"kind": "individual", "name": PDK_STRUCK, "title": "Ông",
     "position_title": "Công chức", "organisation": "PDK", "award_form": "BKCT",
     "votes_for": 8},
]
SYT_PEOPLE = {addr("staff_a"), addr("head_a"), "syt@tdkt.test"}
PDK_PEOPLE = {addr("staff_b"), addr("head_b"), "pdk@tdkt.test"}
OUTSIDE = {"lanhdao@tdkt.test", "stc@tdkt.test"}  # the Nơi nhận entries with an address


def _appraised(world, campaign, unit, staff, head, nominees=None):
    d = helpers.complete_dossier(world, campaign, unit, staff, nominees=nominees)
    for who, trigger in ((staff, "submit"), (head, "sign_off"), ("appraiser", "start_appraisal")):
        helpers.fire(world, "dossier", d, who, trigger)
    for n in d.nominees:
        dossiers.set_verdict(world.users["appraiser"], d.id, n.id, "accepted")
    helpers.fire(world, "dossier", d, "appraiser", "complete_appraisal")
    return d


@pytest.fixture
def two_units_struck(world, smtp_server):
    """A decision of SYT's and PDK's nominees, one of each struck, approved and issued;
    returns the mail of the approval and of the issue, by address."""
    campaign = helpers.make_campaign(world)
    syt = _appraised(world, campaign, "SYT", "staff_a", "head_a")
    pdk = _appraised(world, campaign, "PDK", "staff_b", "head_b", PDK_NOMINEES)
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id,
                           [n.id for d in (syt, pdk) for n in d.nominees])
    helpers.fire(world, "decision", decision, "appraiser", "submit")
    helpers.fire(world, "decision", decision, "board_head", "sign_proposal")
    chairman = world.users["chairman"]
    for dossier, name, reason in ((syt, SYT_STRUCK, SYT_REASON), (pdk, PDK_STRUCK, PDK_REASON)):
        nominee = next(n for n in dossier.nominees if n.name == name)
        decisions.strike(chairman, decision.id, nominee.id, True, reason)
    deliver_all()
    smtp_server.take()
    helpers.fire(world, "decision", decision, "chairman", "approve")
    deliver_all()
    approved = {r.to: r for r in smtp_server.take()}
    helpers.fire(world, "decision", decision, "clerk", "issue")
    deliver_all()
    issued = {r.to: r for r in smtp_server.take()}
    return decision, approved, issued


def _names_in(text):
    return {part for part in (SYT_STRUCK, SYT_REASON, PDK_STRUCK, PDK_REASON) if part in text}


def test_each_units_mail_names_only_its_own_struck_person(two_units_struck):
    decision, approved, issued = two_units_struck
    # the approval goes to the province's offices: they read everyone, with the reasons
    assert set(approved) == {addr("clerk"), addr("appraiser")}
    for message in approved.values():
        assert _names_in(message.text()) == {SYT_STRUCK, SYT_REASON, PDK_STRUCK, PDK_REASON}
    assert set(issued) == SYT_PEOPLE | PDK_PEOPLE | OUTSIDE | {addr("appraiser")}
    for to, message in issued.items():
        if to in SYT_PEOPLE:
            expected = {SYT_STRUCK, SYT_REASON}
        elif to in PDK_PEOPLE:
            expected = {PDK_STRUCK, PDK_REASON}
        elif to in OUTSIDE:
            expected = set()
        else:  # the drafter, an appraiser of the Board
            expected = {SYT_STRUCK, SYT_REASON, PDK_STRUCK, PDK_REASON}
        for part in (message.text(), message.html()):
            assert _names_in(part) == expected, (to, part)
            # the decision's own figure is public: every reader gets the list's size
            assert "Danh sách khen thưởng: 3 tập thể, cá nhân." in part, to


def test_each_units_in_app_notice_names_only_its_own_struck_person(two_units_struck, client):
    decision, _, _ = two_units_struck
    for who, expected in (("staff_a", {SYT_STRUCK, SYT_REASON}),
                          ("head_b", {PDK_STRUCK, PDK_REASON}),
                          ("staff_b", {PDK_STRUCK, PDK_REASON}),
                          ("clerk", {SYT_STRUCK, SYT_REASON, PDK_STRUCK, PDK_REASON})):
        login(client, who)
        page = client.get("/notifications")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert f"Quyết định số {decision.number_label}" in html or who == "clerk"
        assert _names_in(html) == expected, who
    # what the outbox keeps for each reader is as scoped as what it shows
    for row in rows(item_type="decision", template="decision.issue"):
        text = " ".join(row.payload["details"])
        if row.recipient_email in SYT_PEOPLE:
            assert _names_in(text) == {SYT_STRUCK, SYT_REASON}
        elif row.recipient_email in PDK_PEOPLE:
            assert _names_in(text) == {PDK_STRUCK, PDK_REASON}
        elif row.recipient_email in OUTSIDE:
            assert _names_in(text) == set()


def test_a_dossiers_verdicts_still_reach_its_own_unit(world, smtp_server):
    """The scoping keeps what a unit was always told of its own dossier."""
    campaign = helpers.make_campaign(world)
    d = helpers.complete_dossier(world, campaign)
    for who, trigger in (("staff_a", "submit"), ("head_a", "sign_off"),
                         ("appraiser", "start_appraisal")):
        helpers.fire(world, "dossier", d, who, trigger)
    for n in d.nominees:
        verdict = "declined" if n.name == SYT_STRUCK else "accepted"
        dossiers.set_verdict(world.users["appraiser"], d.id, n.id, verdict,
                             "Chưa đủ tiêu chuẩn" if verdict == "declined" else None)
    deliver_all()
    smtp_server.take()
    helpers.fire(world, "dossier", d, "appraiser", "complete_appraisal")
    deliver_all()
    got = {r.to: r.text() for r in smtp_server.take()}
    assert set(got) == {addr("staff_a"), addr("head_a")}
    for text in got.values():
        assert f"Không được chấp nhận (1): {SYT_STRUCK} (Chưa đủ tiêu chuẩn)." in text
        assert "Được chấp nhận (2): " in text


def test_the_decision_through_the_api_lists_a_unit_only_its_own_people(two_units_struck, api):
    """The API's decision answered a unit with every unit's nominees, struck ones and the
    Chairman's reasons included."""
    decision, _, _ = two_units_struck
    url = f"/api/v1/decisions/{decision.id}"
    for who, expected in (("staff_a", {SYT_STRUCK, SYT_REASON}),
                          ("head_b", {PDK_STRUCK, PDK_REASON}),
                          ("chairman", {SYT_STRUCK, SYT_REASON, PDK_STRUCK, PDK_REASON})):
        r = api(who).get(url)
        assert r.status_code == 200, who
        listed = r.get_json()["nominees"]
        text = " ".join(f"{n['name']} {n['strike_reason'] or ''}" for n in listed)
        assert _names_in(text) == expected, who
    own = {n["dossier_id"] for n in api("staff_a").get(url).get_json()["nominees"]}
    assert len(own) == 1  # Sở Y tế's dossier only
    assert len(api("clerk").get(url).get_json()["nominees"]) == 5


def test_the_decision_page_counts_and_names_a_unit_only_its_own_struck(two_units_struck,
                                                                      client):
    decision, _, _ = two_units_struck
    for who, struck, named in (("staff_a", 1, {SYT_STRUCK, SYT_REASON}),
                               ("head_b", 1, {PDK_STRUCK, PDK_REASON}),
                               ("clerk", 2, None)):  # the Office counts every struck one
        login(client, who)
        html = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
        assert f"(đã loại {struck} trong số {3 + struck} được đề nghị)" in html, who
        assert f"– đã loại {struck}</small>" in html, who
        if named is not None:
            assert _names_in(html) == named, who
