"""The Cờ thi đua's own record (issue 24, item 7): a cluster votes SCT the Cờ and SYT (the
leader) a Bằng khen; the proposal goes through SYT's year dossier; the Chairman's decision
granting the Cờ is issued, and in that transaction the Cờ's record is written: the holder
(SCT, not the leader through whose dossier it came), the cluster and its votes, the year,
the decision's number, date and signer. Read through the API (scoped), the Board's list,
the cluster year's page, the award history; the Cờ's certificate states the cluster's
lead. A Bằng khen decision writes no Cờ record."""
import io

import openpyxl
import sqlalchemy as sa

from app.clock import now_utc
from app.extensions import db
from app.models import (
    AwardRecord,
    Cluster,
    ClusterMember,
    ClusterVote,
    ClusterYear,
    Dossier,
    FlagAward,
    Unit,
    User,
)
from app.services import clusters, dossiers
from tests import helpers
from tests.conftest import PASSWORD_HASH
from tests.docgen.support import open_docx, texts
from tests.web.test_views import login

MEMBERS = ("SYT", "PDK", "SCT")


def _cluster_voted(world, campaign):
    """CUM1 (SYT leads, PDK deputises, SCT) with its vote recorded: SCT the Cờ (5/5),
    SYT a Bằng khen (4/5)."""
    sct = Unit(code="SCT", name="Sở Công Thương", kind="department",
               parent=world.units["UBND"])
    db.session.add(sct)
    head = User(username="head_sct", full_name="Thủ trưởng SCT", password_hash=PASSWORD_HASH,
                unit=sct)
    head.set_roles(["unit_head"])
    db.session.add(head)
    world.units["SCT"], world.users["head_sct"] = sct, head
    cluster = Cluster(code="CUM1", name="Cụm thi đua số 1", kind="cum")
    db.session.add(cluster)
    db.session.flush()
    for code in MEMBERS:
        db.session.add(ClusterMember(cluster_id=cluster.id, unit_id=world.units[code].id,
                                     kind="cum"))
    year = ClusterYear(cluster_id=cluster.id, campaign_id=campaign.id, flag_quota=1,
                       leader_unit_id=world.units["SYT"].id,
                       deputy_unit_id=world.units["PDK"].id,
                       votes_recorded_at=now_utc(), votes_recorded_by_id=world.users["head_a"].id)
    db.session.add(year)
    db.session.flush()
    db.session.add_all([
        ClusterVote(cluster_year_id=year.id, unit_id=sct.id, votes=5, voters=5, proposal="co"),
        ClusterVote(cluster_year_id=year.id, unit_id=world.units["SYT"].id, votes=4, voters=5,
                    proposal="bang_khen")])
    db.session.commit()
    return year.id


def _issue(api, campaign_id, dossier_id, form):
    r = api("appraiser").post("/api/v1/decisions", json={
        "campaign_id": campaign_id, "award_form": form, "dossier_ids": [dossier_id]})
    assert r.status_code == 201, (form, r.get_json())
    decision_id = r.get_json()["id"]
    for who, trigger in (("appraiser", "submit"), ("board_head", "sign_proposal"),
                         ("chairman", "approve"), ("clerk", "issue")):
        r = api(who).fire("decision", decision_id, trigger)
        assert r.status_code == 200, (form, trigger, r.get_json())
    return r.get_json()


def test_an_issued_cluster_flag_gets_its_own_record(api, world, client):
    campaign = helpers.make_year(world)
    year_id = _cluster_voted(world, campaign)
    proposed = clusters.propose(world.users["staff_a"], year_id)
    assert proposed["nominees"] == 2
    dossier = helpers.complete_dossier(world, campaign, nominees=[
        {"kind": "individual", "name": "Nguyễn Văn An", "title": "Ông",
         "position_title": "Trưởng phòng", "organisation": "SYT", "award_form": "BKCT",
         "votes_for": 8}])
    for n in dossier.nominees:
        if n.kind == "collective":  # its council confirms the cluster's proposal
            dossiers.update_nominee(world.users["staff_a"], dossier.id, n.id, {"votes_for": 9})
            dossiers.add_attachment(world.users["staff_a"], dossier.id, "bao_cao_thanh_tich",
                                    helpers.Upload(), nominee_id=n.id)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")
    helpers.fire(world, "dossier", dossier, "head_a", "sign_off")
    helpers.fire(world, "dossier", dossier, "appraiser", "start_appraisal")
    for n in db.session.get(Dossier, dossier.id).nominees:
        if n.kind == "collective":
            dossiers.set_verdict(world.users["appraiser"], dossier.id, n.id, "accepted")
        else:  # the Bằng khen's rules are not met here
            dossiers.set_verdict(world.users["appraiser"], dossier.id, n.id, "declined",
                                 "Chưa đủ điều kiện")
    helpers.fire(world, "dossier", dossier, "appraiser", "complete_appraisal")

    # a Bằng khen decision writes no Cờ record
    _issue(api, campaign.id, dossier.id, "BKCT")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FlagAward)) == 0

    # the Cờ's certificate, before the issue (kept at the Chairman's signature): the cluster's
    # lead, the unit once (not «Sở Công Thương / Sở Công Thương»)
    r = api("appraiser").post("/api/v1/decisions", json={
        "campaign_id": campaign.id, "award_form": "CTDT", "dossier_ids": [dossier.id]})
    assert r.status_code == 201, r.get_json()
    decision_id = r.get_json()["id"]
    cert = api("appraiser").get(f"/api/v1/decisions/{decision_id}/documents/certificates")
    assert cert.status_code == 200
    lines = texts(open_docx(cert.data))
    cert.close()
    assert "CỜ THI ĐUA" in lines
    assert f"Đơn vị dẫn đầu phong trào thi đua Cụm thi đua số 1 năm {campaign.year}" in lines
    assert lines.count("Sở Công Thương") == 1
    assert not any(line.startswith("Đã có thành tích xuất sắc") for line in lines)
    for who, trigger in (("appraiser", "submit"), ("board_head", "sign_proposal"),
                         ("chairman", "approve"), ("clerk", "issue")):
        r = api(who).fire("decision", decision_id, trigger)
        assert r.status_code == 200, (trigger, r.get_json())
    issued = api("board_head").get(f"/api/v1/decisions/{decision_id}").get_json()
    assert issued["state"] == "issued" and issued["number"]

    # the record, written by the issue: the holder is the voted unit, not the leader
    flag = db.session.scalars(sa.select(FlagAward)).one()
    assert (flag.unit_id, flag.unit_name) == (world.units["SCT"].id, "Sở Công Thương")
    assert (flag.cluster_year_id, flag.cluster_name, flag.votes, flag.voters) == (
        year_id, "Cụm thi đua số 1", 5, 5)
    assert flag.year == campaign.year and flag.decision_id == decision_id
    assert flag.decision_number == issued["number"]
    assert flag.signer_name == world.users["chairman"].full_name
    record = db.session.get(AwardRecord, flag.award_record_id)
    assert record.form_name.startswith("Cờ thi đua") and record.name == "Sở Công Thương"

    # the API: the province sees every Cờ, by year; the holder its own; another unit none
    board = api("board_head").get(f"/api/v1/flag-awards?year={campaign.year}").get_json()
    assert board["total"] == 1
    item = board["items"][0]
    assert (item["unit_name"], item["cluster_name"], item["decision_number"], item["cancelled"]) == (
        "Sở Công Thương", "Cụm thi đua số 1", issued["number"], False)
    assert api("board_head").get(
        f"/api/v1/flag-awards?year={campaign.year - 1}").get_json()["total"] == 0
    assert api("head_sct").get("/api/v1/flag-awards").get_json()["total"] == 1
    assert api("head_b").get("/api/v1/flag-awards").get_json()["total"] == 0
    assert api("board_head").get("/api/v1/flag-awards?year=abc").status_code == 422

    # the award history of the Cờ's holder shows the Cờ's record
    hist = api("board_head").get(f"/api/v1/awards/{flag.award_record_id}/history").get_json()
    shown = [a for a in hist["awards"] if a["flag"]]
    assert len(shown) == 1 and shown[0]["flag"]["cluster_name"] == "Cụm thi đua số 1"

    # the pages: the Board's list, the cluster year, the history
    login(client, "board_head")
    page = client.get(f"/co-thi-dua?year={campaign.year}").get_data(as_text=True)
    assert "Sở Công Thương" in page and "Cụm thi đua số 1</a> (5/5 phiếu)" in page
    page = client.get(f"/cum-khoi/nam/{year_id}").get_data(as_text=True)
    assert "Cờ thi đua đã được tặng" in page and issued["number"] in page
    page = client.get(f"/khen-thuong/{flag.award_record_id}").get_data(as_text=True)
    assert "Cụm thi đua số 1 suy tôn (5/5 phiếu)" in page

    # the dashboard: the year's registrations against titles granted, by unit and by cluster,
    # with the leading unit and the Cờ; its Excel list
    shown = api("board_head").get(
        f"/api/v1/dashboard/campaigns/{campaign.id}/registrations").get_json()
    assert shown["totals"] == {"units": 2, "registered": 0, "registered_titles": 0,
                               "granted_titles": 1}  # the Cờ, through SYT's dossier
    (row,) = shown["clusters"]
    assert (row["code"], row["units"], row["granted_titles"], row["flags"]) == (
        "CUM1", 2, 1, ["Sở Công Thương"])
    assert api("staff_a").get(
        f"/api/v1/dashboard/campaigns/{campaign.id}/registrations").status_code == 403
    r = api("board_head").get(f"/api/v1/excel/campaigns/{campaign.id}/registrations-by-cluster")
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.data)).active
    values = [[c for c in row] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values[0][1:5] == ["Cụm thi đua số 1", "Cụm thi đua", "Sở Y tế", 2]
    assert values[0][7] == 1 and values[0][9] == "Sở Công Thương"
    assert values[-1][1] == "Cả năm (mọi đơn vị)" and values[-1][4] == 2
    page = client.get(f"/tong-quan?campaign={campaign.id}").get_data(as_text=True)
    assert "Đăng ký thi đua và danh hiệu được tặng năm" in page
    assert 'id="registrations-by-cluster"' in page
