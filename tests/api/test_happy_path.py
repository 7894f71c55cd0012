"""The whole process through the API alone: a campaign, a plan to approval, a dossier
through appraisal (with a return), and a decision through proposal, approval and issue."""
import io

import pytest

from app.clock import today
from tests.helpers import PDF, campaign_spec

pytestmark = pytest.mark.storage  # run again with S3 by `make test-s3`


def iso(d):
    return d.isoformat()


def test_campaign_plan_dossier_decision_through_the_api(api, world):
    board, staff, head = api("board_head"), api("staff_a"), api("head_a")
    appraiser, chairman, clerk = api("appraiser"), api("chairman"), api("clerk")

    # -- the Board drafts and launches the campaign -------------------------------------
    spec = campaign_spec()
    for key in ("period_start", "period_end", "plan_deadline", "dossier_deadline"):
        spec[key] = iso(spec[key])
    r = board.post("/api/v1/campaigns", json=spec)
    assert r.status_code == 201, r.get_json()
    campaign = r.get_json()
    assert campaign["state"] == "draft" and campaign["state_label"] == "Dự thảo"
    assert campaign["participant_count"] == 2
    cid = campaign["id"]
    progress = board.get(f"/api/v1/campaigns/{cid}/progress").get_json()
    assert sorted(r["unit_code"] for r in progress["items"]) == ["PDK", "SYT"]
    assert progress["total"] == 2 and progress["counts"] == {"plan": {}, "dossier": {}}

    actions = board.get(f"/api/v1/campaigns/{cid}/actions").get_json()
    assert [(a["trigger"], a["allowed"]) for a in actions["actions"]] == [("launch", True)]
    r = board.fire("campaign", cid, "launch", version=campaign["version"])
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "launched"

    # -- the unit's plan: written, signed off, appraised, approved ----------------------------
    plans = staff.get(f"/api/v1/plans?campaign_id={cid}").get_json()
    assert plans["total"] == 1  # the staff of SYT sees only SYT's plan
    plan = staff.get(plans["items"][0]["url"] if "url" in plans["items"][0]
                     else f"/api/v1/plans/{plans['items'][0]['id']}").get_json()
    pid = plan["id"]
    contents = campaign["contents"]
    r = staff.patch(f"/api/v1/plans/{pid}", json={
        "version": plan["version"],
        "summary": "Kế hoạch hưởng ứng của Sở Y tế",
        "sections": [{"content_id": c["id"], "text": "Tổ chức hưởng ứng"} for c in contents],
        "commitments": [{"target_id": t["id"], "value": t["value"]}
                        for c in contents for t in c["targets"]],
    })
    assert r.status_code == 200, r.get_json()
    assert staff.fire("plan", pid, "submit").status_code == 200
    inbox = head.get("/api/v1/inbox").get_json()
    assert [(i["kind"], i["id"]) for i in inbox["items"]] == [("plan", pid)]
    assert head.fire("plan", pid, "sign_off").status_code == 200
    assert appraiser.fire("plan", pid, "start_appraisal").status_code == 200
    assert appraiser.fire("plan", pid, "forward").status_code == 200
    r = chairman.fire("plan", pid, "approve")
    assert r.status_code == 200 and r.get_json()["state"] == "approved"

    # -- the unit's dossier: results, council vote, nominees, papers -----------------------
    did = staff.get(f"/api/v1/dossiers?campaign_id={cid}").get_json()["items"][0]["id"]
    dossier = staff.get(f"/api/v1/dossiers/{did}").get_json()
    r = staff.patch(f"/api/v1/dossiers/{did}", json={
        "version": dossier["version"],
        "summary": "Báo cáo tổng kết",
        "council_meeting_date": iso(today()),
        "council_members_total": 9, "council_members_present": 9,
        "council_chair": "Trần Văn Bình", "council_secretary": "Nguyễn Thị Lan",
        # the minutes (biên bản): its number, the meeting's times, the members present
        "council_minutes_number": 3, "council_started_at": "08:00",
        "council_ended_at": "10:30", "council_members": "Ông Trần Văn Bình\nBà Nguyễn Thị Lan",
        "results": [{"target_id": t["id"], "value": t["value"]}
                    for c in contents for t in c["targets"]],
    })
    assert r.status_code == 200, r.get_json()
    got = r.get_json()
    assert (got["council_minutes_number"], got["council_started_at"], got["council_ended_at"],
            got["council_members"]) == (3, "08:00:00", "10:30:00",
                                        "Ông Trần Văn Bình\nBà Nguyễn Thị Lan")
    nominee_ids = []
    for body in (
        {"kind": "collective", "name": "Khoa Hồi sức cấp cứu, Bệnh viện Đa khoa tỉnh",
         "award_form": "BKCT", "votes_for": 9},
        {"kind": "individual", "name": "Nguyễn Văn An", "title": "Ông",
         "position_title": "Trưởng phòng Nghiệp vụ Y", "organisation": "Sở Y tế",
         "award_form": "BKCT", "votes_for": 8},
        {"kind": "individual", "name": "Lê Thị Bích", "title": "Bà",
         "position_title": "Chuyên viên", "organisation": "Sở Y tế",
         "award_form": "BKCT", "votes_for": 7},
    ):
        r = staff.post(f"/api/v1/dossiers/{did}/nominees", json=body)
        assert r.status_code == 201, r.get_json()
        nominee_ids.append(r.get_json()["id"])

    r = staff.fire("dossier", did, "submit")
    assert r.status_code == 422
    assert "Thiếu tài liệu bắt buộc" in r.get_json()["error"]["message"]

    def upload(kind, nominee_id=None, name="Tờ trình đề nghị.pdf"):
        data = {"kind": kind, "file": (io.BytesIO(PDF), name)}
        if nominee_id:
            data["nominee_id"] = str(nominee_id)
        return staff.post(f"/api/v1/dossiers/{did}/attachments", data=data,
                          content_type="multipart/form-data")

    assert upload("to_trinh").status_code == 201
    assert upload("bien_ban", name="Biên bản họp Hội đồng.pdf").status_code == 201
    for nid in nominee_ids:
        r = upload("bao_cao_thanh_tich", nid, name="Báo cáo thành tích.pdf")
        assert r.status_code == 201, r.get_json()
    files = staff.get(f"/api/v1/dossiers/{did}/attachments").get_json()
    assert len(files) == 5
    got = staff.get(f"/api/v1/dossiers/{did}/attachments/{files[0]['id']}")
    assert got.status_code == 200 and got.data == PDF
    assert "filename*=UTF-8''T%E1%BB%9D" in got.headers["Content-Disposition"]
    got.close()

    assert staff.fire("dossier", did, "submit").status_code == 200
    assert head.fire("dossier", did, "sign_off").status_code == 200
    assert appraiser.fire("dossier", did, "start_appraisal").status_code == 200
    checks = appraiser.get(f"/api/v1/dossiers/{did}/checklist").get_json()["checks"]
    assert all(c["ok"] for c in checks), checks

    # Returned to the unit with a reason, corrected, sent again.
    r = appraiser.fire("dossier", did, "return_to_unit", comment="Bổ sung số liệu kết quả")
    assert r.status_code == 200 and r.get_json()["state"] == "returned"
    r = staff.patch(f"/api/v1/dossiers/{did}/nominees/{nominee_ids[2]}",
                    json={"achievement_summary": "Bổ sung thành tích theo yêu cầu"})
    assert r.status_code == 200
    assert staff.fire("dossier", did, "submit").status_code == 200
    assert head.fire("dossier", did, "sign_off").status_code == 200
    assert appraiser.fire("dossier", did, "start_appraisal").status_code == 200

    for nid in nominee_ids[:2]:
        r = appraiser.put(f"/api/v1/dossiers/{did}/nominees/{nid}/verdict",
                          json={"verdict": "accepted"})
        assert r.status_code == 200, r.get_json()
    r = appraiser.put(f"/api/v1/dossiers/{did}/nominees/{nominee_ids[2]}/verdict",
                      json={"verdict": "declined", "reason": "Chưa đủ tiêu chuẩn"})
    assert r.status_code == 200
    r = appraiser.fire("dossier", did, "complete_appraisal")
    assert r.status_code == 200 and r.get_json()["state"] == "appraised"

    # -- the decision: composed, proposed, approved, issued ----------------------------------
    r = appraiser.post("/api/v1/decisions", json={"campaign_id": cid, "award_form": "BKCT"})
    assert r.status_code == 201, r.get_json()
    dec = r.get_json()
    assert dec["title"] == "Về việc tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh"
    r = appraiser.post(f"/api/v1/decisions/{dec['id']}/nominees",
                       json={"nominee_ids": nominee_ids[:2]})
    assert r.status_code == 200, r.get_json()
    assert staff.get(f"/api/v1/dossiers/{did}").get_json()["state"] == "in_proposal"
    assert appraiser.fire("decision", dec["id"], "submit").status_code == 200
    r = board.fire("decision", dec["id"], "sign_proposal")
    assert r.status_code == 200, r.get_json()
    signed = board.get(f"/api/v1/decisions/{dec['id']}").get_json()
    assert signed["proposal_number"] == "01/TTr-SNV"
    assert chairman.fire("decision", dec["id"], "approve").status_code == 200
    r = clerk.fire("decision", dec["id"], "issue")
    assert r.status_code == 200 and r.get_json()["state"] == "issued"
    issued = clerk.get(f"/api/v1/decisions/{dec['id']}").get_json()
    assert issued["number"] == "01/QĐ-UBND"
    assert issued["issued_on"] == iso(today())

    assert staff.get(f"/api/v1/dossiers/{did}").get_json()["state"] == "decided"
    # The unit now sees the issued decision that names its people.
    assert staff.get(f"/api/v1/decisions/{dec['id']}").status_code == 200

    history = staff.get(f"/api/v1/dossiers/{did}/history").get_json()
    assert [e["trigger"] for e in history] == [
        "submit", "sign_off", "start_appraisal", "return_to_unit", "submit", "sign_off",
        "start_appraisal", "complete_appraisal", "include", "decide"]
    returned = history[3]
    assert returned["comment"] == "Bổ sung số liệu kết quả"
    assert returned["role"] == "board_appraiser"
    assert len(returned["content_sha256"]) == 64
