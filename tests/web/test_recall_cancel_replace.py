"""Issue 23: three different acts on an issued decision, each in the audit chain.

- Recall (thu hồi, NĐ 30 Điều 18 k4): the Office only, with a reason; the awards stay; the
  verification page reports the PDF recalled.
- Cancellation (hủy bỏ, Luật TĐKT 2022): a new decision drafted by the Board, signed by
  the Chairman, issued by the Office; only at its issue are the old awards marked
  cancelled, with what is to be recovered; the verification page then names it.
- Replacement (thay thế, Điều 18 k3): a new decision with its own number naming the one it
  replaces; the verification page says «Đã bị thay thế bởi …».

The decision's kept PDF is the signed PDF of tests/esign (as in tests/web/test_verification).
"""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AwardRecord, Decision, WorkflowEvent
from app.services import audit_chain, workflow
from app.services.errors import Conflict, Invalid
from tests.web import test_verification as verifying
from tests.web.test_verification import page, text_of
from tests.web.test_views import login

# tests/web/test_verification's fixtures: the test PKI's signed PDF kept as the decision's
pki, settings, blank_pdf = verifying.pki, verifying.settings, verifying.blank_pdf
approved, issued, trusting, kept = (verifying.approved, verifying.issued, verifying.trusting,
                                    verifying.kept)

REASON = "Gửi nhầm nơi nhận, sai trích yếu."


def _records(decision_id):
    return db.session.scalars(sa.select(AwardRecord).where(
        AwardRecord.decision_id == decision_id).order_by(AwardRecord.id)).all()


def _events(decision_id, trigger):
    return db.session.scalars(sa.select(WorkflowEvent).where(
        WorkflowEvent.item_type == "decision", WorkflowEvent.item_id == decision_id,
        WorkflowEvent.trigger == trigger)).all()


def _through_the_workflow(api, decision_id):
    """The act's draft goes the way of every decision: the Board head's tờ trình, the
    Chairman's signature, the Office's number and issue."""
    for who, trigger in (("appraiser", "submit"), ("board_head", "sign_proposal"),
                         ("chairman", "approve"), ("clerk", "issue")):
        answer = api(who).fire("decision", decision_id, trigger)
        assert answer.status_code == 200, (trigger, answer.get_json())
    return db.session.get(Decision, decision_id)


def test_only_the_office_recalls_with_a_reason_and_the_awards_stay(app, api, client, kept):
    s, row = kept
    decision_id = s.decision.id
    awards = [(r.id, r.money, r.cancelled_by_id) for r in _records(decision_id)]
    assert awards and all(c is None for _, _, c in awards)
    for who in ("appraiser", "board_head", "chairman", "head_a"):
        refused = api(who).post(f"/api/v1/decisions/{decision_id}/recall",
                                json={"reason": REASON})
        assert refused.status_code in (403, 404), who
        assert refused.get_json()["error"]["message"]
    assert api("chairman").post(f"/api/v1/decisions/{decision_id}/recall",
                                json={"reason": REASON}).status_code == 403
    empty = api("clerk").post(f"/api/v1/decisions/{decision_id}/recall", json={"reason": "  "})
    assert empty.status_code == 422
    missing = api("clerk").post(f"/api/v1/decisions/{decision_id}/recall", json={})
    assert missing.status_code == 422
    db.session.expire_all()
    assert db.session.get(Decision, decision_id).recalled_at is None
    assert "Đang có hiệu lực" in text_of(page(client, row_bytes(kept)))

    done = api("clerk").post(f"/api/v1/decisions/{decision_id}/recall", json={"reason": REASON})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["recalled_at"] and body["recall_reason"] == REASON
    assert body["state"] == "issued"  # the decision itself is not undone
    again = api("clerk").post(f"/api/v1/decisions/{decision_id}/recall", json={"reason": REASON})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_recalled"

    db.session.expire_all()
    assert [(r.id, r.money, r.cancelled_by_id) for r in _records(decision_id)] == awards
    [event] = _events(decision_id, "recall")
    assert event.comment == REASON and event.role == "office_clerk"
    assert event.snapshot["recall"]["number"] == s.decision.number_label
    assert not audit_chain.verify().breaks

    shown = text_of(page(client, row_bytes(kept)))
    assert "Đã bị thu hồi" in shown and "Đang có hiệu lực" not in shown
    # the recalled decision can no longer be cancelled or replaced
    refused = api("appraiser").post(f"/api/v1/decisions/{decision_id}/amendments",
                                    json={"act": "cancel", "reason": REASON})
    assert refused.status_code == 409 and "thu hồi" in refused.get_json()["error"]["message"]


def row_bytes(kept_fixture):
    """The kept decision PDF's bytes: the signed PDF tests/esign made."""
    from app.services import storage

    _, row = kept_fixture
    return storage.read(row.storage_key, row.sha256)


def test_a_cancellation_decision_marks_the_awards_only_when_issued(app, api, client, kept):
    s, row = kept
    old = s.decision
    before = [(r.id, r.money) for r in _records(old.id)]
    refused = api("clerk").post(f"/api/v1/decisions/{old.id}/amendments",
                                json={"act": "cancel", "reason": REASON})
    assert refused.status_code == 403  # the Board drafts it
    assert api("appraiser").post(f"/api/v1/decisions/{old.id}/amendments",
                                 json={"act": "undo", "reason": REASON}).status_code == 422
    made = api("appraiser").post(f"/api/v1/decisions/{old.id}/amendments",
                                 json={"act": "cancel", "reason": REASON})
    assert made.status_code == 201, made.get_json()
    draft = made.get_json()
    assert draft["act"] == "cancel" and draft["amends_id"] == old.id
    assert draft["title"].startswith(f"Về việc hủy bỏ Quyết định số {old.number_label} ngày")
    assert draft["act_reason"] == REASON and draft["state"] == "drafting"

    # the Chairman's signature: the Board head cannot approve, the Office cannot issue first
    api("appraiser").fire("decision", draft["id"], "submit")
    api("board_head").fire("decision", draft["id"], "sign_proposal")
    assert api("board_head").fire("decision", draft["id"], "approve").status_code == 403
    assert api("clerk").fire("decision", draft["id"], "issue").status_code == 409
    db.session.expire_all()
    assert all(r.cancelled_by_id is None for r in _records(old.id))  # not before its issue
    assert "Đang có hiệu lực" in text_of(page(client, row_bytes(kept)))

    assert api("chairman").fire("decision", draft["id"], "approve").status_code == 200
    assert api("clerk").fire("decision", draft["id"], "issue").status_code == 200
    db.session.expire_all()
    cancelling = db.session.get(Decision, draft["id"])
    assert cancelling.state == "issued" and cancelling.number_label
    assert cancelling.number != old.number
    records = _records(old.id)
    assert [(r.id, r.money) for r in records] == before  # kept, marked
    assert all(r.cancelled_by_id == cancelling.id and r.cancelled_on == cancelling.issued_on
               and r.recover_objects == "Bằng khen" and r.recover_money == r.money
               for r in records)
    assert not _records(cancelling.id)  # the cancellation awards nobody
    history = api("appraiser").get(f"/api/v1/awards/{records[0].id}/history")
    assert history.status_code == 200
    [award] = [a for a in history.get_json()["awards"] if a["id"] == records[0].id]
    assert award["cancelled"] and award["cancelled_by_id"] == cancelling.id
    assert award["recover_objects"] == "Bằng khen" and award["recover_money"] == award["money"]
    login(client, "appraiser")
    page_text = text_of(client.get(f"/khen-thuong/{records[0].id}"))
    assert f"Đã hủy bỏ từ {cancelling.issued_on:%d/%m/%Y}; thu hồi Bằng khen" in page_text

    shown = text_of(page(client, row_bytes(kept)))
    assert (f"Đã bị hủy bỏ bởi Quyết định số {cancelling.number_label} ngày "
            f"{cancelling.issued_on:%d/%m/%Y}") in shown
    assert [e.trigger for e in db.session.scalars(sa.select(WorkflowEvent).where(
        WorkflowEvent.item_type == "decision", WorkflowEvent.item_id == cancelling.id)
        .order_by(WorkflowEvent.id))][-1] == "issue"
    assert not audit_chain.verify().breaks
    again = api("appraiser").post(f"/api/v1/decisions/{old.id}/amendments",
                                  json={"act": "replace", "reason": REASON})
    assert again.status_code == 409 and "hủy bỏ" in again.get_json()["error"]["message"]


def test_a_replacement_names_the_decision_it_replaces(app, world, api, client, kept):
    s, row = kept
    old = s.decision
    made = api("appraiser").post(f"/api/v1/decisions/{old.id}/amendments",
                                 json={"act": "replace", "reason": REASON})
    assert made.status_code == 201
    replacing = _through_the_workflow(api, made.json["id"])
    assert replacing.act == "replace" and replacing.amends_id == old.id
    assert replacing.title.startswith(f"Về việc thay thế Quyết định số {old.number_label}")
    db.session.expire_all()
    assert all(r.cancelled_by_id is None for r in _records(old.id))  # no award changes
    shown = text_of(page(client, row_bytes(kept)))
    assert (f"Đã bị thay thế bởi Quyết định số {replacing.number_label} ngày "
            f"{replacing.issued_on:%d/%m/%Y}") in shown


def test_an_act_is_issued_only_with_the_chairmans_signature(app, world, api, kept):
    """Were the draft approved by anyone but a Chairman (a record written around the
    workflow), the issue step's guard still refuses it."""
    s, _ = kept
    made = api("appraiser").post(f"/api/v1/decisions/{s.decision.id}/amendments",
                                 json={"act": "cancel", "reason": REASON}).get_json()
    api("appraiser").fire("decision", made["id"], "submit")
    api("board_head").fire("decision", made["id"], "sign_proposal")
    draft = db.session.get(Decision, made["id"])
    draft.state, draft.approved_by_id = "approved", world.users["board_head"].id
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        workflow.perform("decision", draft.id, world.users["clerk"], "issue",
                         version=draft.version)
    assert refused.value.code == "guard_failed" and "Chủ tịch ký" in str(refused.value)
    db.session.expire_all()
    assert db.session.get(Decision, draft.id).number is None


def test_a_recall_refuses_what_is_not_issued(app, world, api, kept):
    s, _ = kept
    made = api("appraiser").post(f"/api/v1/decisions/{s.decision.id}/amendments",
                                 json={"act": "cancel", "reason": REASON}).get_json()
    refused = api("clerk").post(f"/api/v1/decisions/{made['id']}/recall",
                                json={"reason": REASON})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "invalid_state"
    with pytest.raises(Conflict):
        from app.services import decisions

        decisions.recall(world.users["clerk"], made["id"], REASON)


def _csrf(body: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)


def test_the_decision_page_recalls_and_drafts_the_acts(app, world, client, kept):
    s, _ = kept
    url = f"/decisions/{s.decision.id}"
    login(client, "appraiser")
    body = client.get(url).get_data(as_text=True)
    assert 'id="amend-form"' in body and 'id="recall-form"' not in body
    answer = client.post(f"{url}/amendments", data={"csrf_token": _csrf(body), "act": "cancel",
                                                     "reason": ""})
    assert answer.status_code == 302 and answer.location.endswith(url)
    assert "Cần ghi lý do" in client.get(url).get_data(as_text=True)  # flashed, nothing made
    assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 1
    answer = client.post(f"{url}/amendments", data={"csrf_token": _csrf(body),
                                                     "act": "replace", "reason": REASON})
    assert answer.status_code == 302
    draft = db.session.scalars(sa.select(Decision).where(Decision.act == "replace")).one()
    assert answer.location.endswith(f"/decisions/{draft.id}")
    shown = text_of(client.get(answer.location))
    assert "Thay thế quyết định" in shown and f"Quyết định số {s.decision.number_label}" in shown
    assert REASON in shown

    login(client, "clerk")
    body = client.get(url).get_data(as_text=True)
    assert 'id="recall-form"' in body and 'id="amend-form"' not in body
    answer = client.post(f"{url}/recall", data={"csrf_token": _csrf(body), "reason": " ",
                                                 "version": s.decision.version})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(Decision, s.decision.id).recalled_at is None
    answer = client.post(f"{url}/recall", data={"csrf_token": _csrf(body), "reason": REASON})
    assert answer.status_code == 302
    shown = text_of(client.get(url))
    assert "Đã thu hồi" in shown and REASON in shown and 'id="recall-form"' not in shown
