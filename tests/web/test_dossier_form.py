"""The dossier's drafting page: one form whose every button keeps what was typed, problems
shown beside their fields, nominees and papers edited in place, papers opened safely."""
import io

import pytest

from app.extensions import db
from app.models import Dossier
from tests import helpers
from tests.web.test_views import csrf_of, login

pytestmark = pytest.mark.storage  # run again with S3 by `make test-s3`

COUNCIL = {"summary": "Hoàn thành vượt mức", "council_meeting_date": "20/11/2026",
           "council_members_total": "9", "council_members_present": "8",
           "council_chair": "Trần Văn Bình", "council_secretary": "Nguyễn Thị Lan"}


def _post(client, dossier, **fields):
    db.session.refresh(dossier)
    page = client.get(f"/dossiers/{dossier.id}/edit").get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "version": dossier.version, **fields}
    return client.post(f"/dossiers/{dossier.id}/edit", data=data,
                       content_type="multipart/form-data")


def _dossier(world, campaign):
    return helpers.unit_item(Dossier, campaign, "SYT")


def test_a_refused_nominee_keeps_everything_typed_and_says_where(client, world, campaign):
    dossier = _dossier(world, campaign)
    target = campaign.targets[0]
    login(client, "staff_a")
    r = _post(client, dossier, **COUNCIL, **{f"target-{target.id}": "42,5",
              "new-kind": "individual", "new-name": "Nguyễn Văn An", "new-votes_for": "chín",
              "new-achievement_summary": "Dòng một\nDòng hai", "op": "add_nominee"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    for typed in ("Trần Văn Bình", "Nguyễn Thị Lan", "20/11/2026", "42,5", "Nguyễn Văn An",
                  "Dòng một\nDòng hai"):
        assert typed in page, typed
    assert 'id="err-new-votes_for"' in page and "phải là số" in page
    assert 'aria-describedby="err-new-votes_for"' in page
    db.session.refresh(dossier)
    assert dossier.council_chair == "" and dossier.nominees == []  # nothing half-saved


def test_adding_a_nominee_saves_the_rest_of_the_form_with_it(client, world, campaign):
    dossier = _dossier(world, campaign)
    target = campaign.targets[0]
    login(client, "staff_a")
    r = _post(client, dossier, **COUNCIL, **{f"target-{target.id}": "42,5",
              "new-kind": "individual", "new-title": "Ông", "new-name": "Nguyễn Văn An",
              "new-award_form": "BKCT", "new-votes_for": "8",
              "new-achievement_summary": "Dòng một\nDòng hai", "op": "add_nominee"})
    assert r.status_code == 302
    db.session.refresh(dossier)
    assert dossier.council_chair == "Trần Văn Bình" and dossier.council_members_present == 8
    assert [str(r.value) for r in dossier.results] == ["42.50"]
    (n,) = dossier.nominees
    assert (n.name, n.votes_for, n.achievement_summary) == ("Nguyễn Văn An", 8,
                                                            "Dòng một\nDòng hai")
    page = client.get(f"/dossiers/{dossier.id}/edit").get_data(as_text=True)
    assert f'<textarea class="form-control" id="n{n.id}-achievement_summary"' in page


def test_nominees_and_papers_are_edited_and_removed_in_place(client, world, campaign):
    dossier = helpers.complete_dossier(world, campaign)
    first, second, third = dossier.nominees
    paper = next(a for a in dossier.attachments if a.nominee_id == first.id)
    general = next(a for a in dossier.attachments if a.kind == "to_trinh")
    login(client, "staff_a")
    fields = {f"n{n.id}-{k}": getattr(n, k) or "" for n in (first, second, third)
              for k in ("kind", "title", "name", "position_title", "organisation",
                        "achievement_summary")}
    fields.update({f"n{n.id}-award_form": n.award_form.code for n in (first, second, third)})
    fields.update({f"n{n.id}-votes_for": str(n.votes_for) for n in (first, second, third)})
    fields[f"n{second.id}-achievement_summary"] = "Sáng kiến cấp tỉnh"
    fields[f"n{second.id}-votes_for"] = "9"
    fields.update({f"a{paper.id}-kind": "other", f"a{paper.id}-nominee": str(second.id)})
    r = _post(client, dossier, **COUNCIL, **fields, remove_nominee=str(third.id))
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.refresh(dossier)
    assert [n.name for n in dossier.nominees] == [first.name, second.name]
    assert (second.achievement_summary, second.votes_for) == ("Sáng kiến cấp tỉnh", 9)
    assert (paper.kind, paper.nominee_id) == ("other", second.id)
    assert dossier.council_members_present == 8
    r = _post(client, dossier, remove_attachment=str(general.id))
    assert r.status_code == 302
    db.session.refresh(dossier)
    assert general.id not in {a.id for a in dossier.attachments}
    assert dossier.council_chair == "Trần Văn Bình"  # fields not sent are left as they are


def test_an_upload_with_the_form_keeps_the_form(client, world, campaign):
    dossier = _dossier(world, campaign)
    login(client, "staff_a")
    r = _post(client, dossier, **COUNCIL, op="upload", **{
        "upload-kind": "to_trinh", "upload-file": (io.BytesIO(b"not a pdf"), "Tờ trình.pdf")})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="err-upload-file"' in page and "Trần Văn Bình" in page
    r = _post(client, dossier, **COUNCIL, op="upload", **{
        "upload-kind": "to_trinh", "upload-file": (io.BytesIO(helpers.PDF), "Tờ trình.pdf")})
    assert r.status_code == 302
    db.session.refresh(dossier)
    assert [a.filename for a in dossier.attachments] == ["Tờ trình.pdf"]
    assert dossier.council_chair == "Trần Văn Bình"


def test_papers_open_in_the_browser_only_for_who_may_see_the_dossier(client, world, campaign):
    dossier = helpers.complete_dossier(world, campaign)
    paper = next(a for a in dossier.attachments if a.kind == "to_trinh")
    url = f"/dossiers/{dossier.id}/attachments/{paper.id}"
    login(client, "staff_a")
    r = client.get(url)
    assert r.status_code == 200 and r.data == helpers.PDF
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("inline; ")
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    login(client, "staff_b")
    assert client.get(url).status_code == 404
    login(client, "appraiser")
    assert client.get(url).status_code == 200


def test_papers_the_system_writes_are_never_asked_for(client, world, campaign):
    from app.services import dossiers, workflow

    dossier = helpers.complete_dossier(world, campaign)
    for a in [a for a in dossier.attachments if a.kind in ("to_trinh", "bien_ban")]:
        dossiers.remove_attachment(world.users["staff_a"], dossier.id, a.id)
    login(client, "staff_a")
    page = client.get(f"/dossiers/{dossier.id}/edit").get_data(as_text=True)
    papers = page[page.index('id="papers"'):page.index("</ul>", page.index('id="papers"'))]
    assert papers.count("hệ thống tự tạo") == 2 and "✘" not in papers
    assert f"/dossiers/{dossier.id}/documents/proposal" in papers
    upload_select = page[page.index('id="upload-kind"'):page.index("</select>",
                                                                 page.index('id="upload-kind"'))]
    assert 'value="to_trinh"' not in upload_select and 'value="bien_ban"' not in upload_select
    db.session.refresh(dossier)
    helpers.fire(world, "dossier", dossier, "staff_a", "submit")  # nothing else is asked for
    assert workflow.load("dossier", dossier.id, world.users["staff_a"]).state == "awaiting_head"


def test_the_plan_form_keeps_what_was_typed_and_marks_the_field(client, world, campaign):
    from app.models import Plan

    plan = helpers.unit_item(Plan, campaign, "SYT")
    first, second = campaign.targets[0], campaign.targets[1]
    content = campaign.contents[0]
    login(client, "staff_a")
    page = client.get(f"/plans/{plan.id}/edit").get_data(as_text=True)
    r = client.post(f"/plans/{plan.id}/edit", data={
        "csrf_token": csrf_of(page), "version": plan.version, "summary": "Mục đích đã gõ",
        f"section-{content.id}": "Nội dung dài\nhai dòng", f"target-{first.id}": "12,5",
        f"target-{second.id}": "-3"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Mục đích đã gõ" in page and "Nội dung dài\nhai dòng" in page and "12,5" in page
    assert f'id="err-target-{second.id}"' in page and "không được nhỏ hơn 0" in page
    db.session.refresh(plan)
    assert plan.summary == "" and plan.commitments == []


def test_someone_acting_first_does_not_lose_the_dossier_form(client, world, campaign):
    dossier = _dossier(world, campaign)
    login(client, "staff_a")
    page = client.get(f"/dossiers/{dossier.id}/edit").get_data(as_text=True)
    stale = dossier.version
    from app.services import dossiers as service

    service.update_dossier(world.users["staff_a"], dossier.id, {"summary": "Bản khác"}, stale)
    r = client.post(f"/dossiers/{dossier.id}/edit", data={
        "csrf_token": csrf_of(page), "version": stale, **COUNCIL})
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "Trần Văn Bình" in page and "Hoàn thành vượt mức" in page
    assert "Nội dung bạn đã nhập vẫn còn dưới đây" in page


def test_the_minutes_fields_are_saved_and_a_meeting_ending_before_it_starts_is_refused(
        client, world, campaign):
    dossier = _dossier(world, campaign)
    login(client, "staff_a")
    minutes = {"council_minutes_number": "3", "council_started_at": "08:00",
               "council_ended_at": "07:30", "council_members": "Trần Văn Bình\nNguyễn Thị Lan"}
    r = _post(client, dossier, **COUNCIL, **minutes, op="save")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="err-council_ended_at"' in page and "phải sau giờ bắt đầu" in page
    for typed in ("07:30", "08:00", "Trần Văn Bình\nNguyễn Thị Lan", "Nguyễn Thị Lan"):
        assert typed in page, typed
    db.session.refresh(dossier)
    assert dossier.council_started_at is None  # nothing saved
    r = _post(client, dossier, **COUNCIL, **{**minutes, "council_ended_at": "10:15"}, op="save")
    assert r.status_code == 302
    db.session.refresh(dossier)
    assert (dossier.council_minutes_number, f"{dossier.council_started_at:%H:%M}",
            f"{dossier.council_ended_at:%H:%M}") == (3, "08:00", "10:15")
    assert dossier.council_members == "Trần Văn Bình\nNguyễn Thị Lan"


def test_the_minutes_number_is_typed_as_offices_write_it(client, world, campaign):
    """«Số biên bản» takes a number with its ký hiệu (12/BB-HĐTĐKT), shown back as typed."""
    dossier = _dossier(world, campaign)
    login(client, "staff_a")
    r = _post(client, dossier, **COUNCIL, council_minutes_number="12/bb-x", op="save")
    assert r.status_code == 422
    assert "12/BB-HĐTĐKT" in r.get_data(as_text=True)  # the refusal says how to write it
    db.session.refresh(dossier)
    assert dossier.council_minutes_number is None  # nothing saved
    r = _post(client, dossier, **COUNCIL, council_minutes_number="12/BB-HĐTĐKT", op="save")
    assert r.status_code == 302
    db.session.refresh(dossier)
    assert (dossier.council_minutes_number, dossier.council_minutes_symbol) == (12, "BB-HĐTĐKT")
    assert 'value="12/BB-HĐTĐKT"' in client.get(f"/dossiers/{dossier.id}/edit").get_data(
        as_text=True)
    assert 'minutes-number">12/BB-HĐTĐKT</dd>' in client.get(f"/dossiers/{dossier.id}").get_data(
        as_text=True)


def test_a_wrong_field_elsewhere_does_not_stop_adding_a_nominee_or_an_upload(
        client, world, campaign):
    """«Thêm» and «Tải lên» do their own part even when another field is refused: the rest
    comes back as typed, each problem beside its field with the form it expects."""
    dossier = _dossier(world, campaign)
    login(client, "staff_a")
    wrong = {**COUNCIL, "council_minutes_number": "12/bb-x", "council_meeting_date": "31/02/2026"}
    r = _post(client, dossier, **wrong, **{
        "new-kind": "individual", "new-title": "Bà", "new-name": "Lê Thị Hoa",
        "new-award_form": "BKCT", "new-votes_for": "8", "op": "add_nominee"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Đã thêm «Lê Thị Hoa» vào hồ sơ." in page
    assert 'id="err-council_minutes_number"' in page and "12/BB-HĐTĐKT" in page
    assert 'id="err-council_meeting_date"' in page and "dd/mm/yyyy, ví dụ" in page
    for typed in ("12/bb-x", "31/02/2026", "Trần Văn Bình"):
        assert typed in page, typed
    db.session.refresh(dossier)
    (n,) = dossier.nominees
    assert (n.name, n.title, n.votes_for) == ("Lê Thị Hoa", "Bà", 8)
    assert f'id="n{n.id}-name" name="n{n.id}-name" value="Lê Thị Hoa"' in page
    assert 'id="new-name" name="new-name" value=""' in page  # ready for the next one
    assert dossier.council_chair == "" and dossier.council_minutes_number is None

    # a nominee with no name is still refused, and nothing is added
    r = _post(client, dossier, **wrong, **{"new-kind": "individual", "op": "add_nominee"})
    assert r.status_code == 422 and 'id="err-new-name"' in r.get_data(as_text=True)
    # the upload is kept the same way
    r = _post(client, dossier, **wrong, **{
        "upload-kind": "other", "op": "upload",
        "upload-file": (io.BytesIO(helpers.PDF), "Bản sao bằng khen.pdf")})
    assert r.status_code == 422
    assert "Đã tải lên «Bản sao bằng khen.pdf»." in r.get_data(as_text=True)
    db.session.refresh(dossier)
    assert len(dossier.nominees) == 1
    assert [a.filename for a in dossier.attachments] == ["Bản sao bằng khen.pdf"]
