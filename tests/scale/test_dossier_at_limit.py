"""A dossier as large as an import may make it (EXCEL_IMPORT_MAX_ROWS nominees) answers its
page, its edit page and its API, and no read of it sends a list of its nominees to the
database: the database's limit on bound parameters (about 32,750 on PostgreSQL) is never
approached, whatever the dossier's size (issue 20, item 11)."""
import io
import time
from contextlib import contextmanager
from html.parser import HTMLParser

import openpyxl
import pytest
import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from werkzeug.test import encode_multipart

from app.clock import now_utc
from app.extensions import db
from app.models import Attachment, AwardForm, Dossier, Nominee
from app.services import dossiers, imports
from tests import helpers
from tests.award_helpers import imported
from tests.web.test_views import login

# Bound parameters any one statement of these reads may carry: a handful of ids and
# states, never one per nominee.
MAX_PARAMS = 60


@contextmanager
def statements():
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        count = len(parameters) if isinstance(parameters, (list, tuple, dict)) else 0
        seen.append((count, statement[:200]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _file(count, form_name, tag):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(imports.NOMINEE_SHEET)
    ws.append([c.heading for c in imports.NOMINEE_COLUMNS])
    for i in range(count):
        ws.append(["Cá nhân", "Bà", f"Nguyễn Thị {tag} {i:05d}", "Chuyên viên", "Sở Y tế",
                   form_name, 9, "Hoàn thành xuất sắc nhiệm vụ năm"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def full_dossier(world):
    """A dossier filled to the limit by one import of the template, a few of its people
    with earlier awards, and the same people proposed by another unit's dossier."""
    limit = current_app.config["EXCEL_IMPORT_MAX_ROWS"]
    campaign = helpers.make_campaign(world, award_forms=[{"code": "BKCT"}])
    form = db.session.scalars(sa.select(AwardForm.name).where(AwardForm.code == "BKCT")).first()
    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    started = time.perf_counter()
    assert imports.import_nominees(world.users["staff_a"], dossier.id,
                                   _file(limit, form, "A"), "ds.xlsx") == limit
    took = time.perf_counter() - started
    assert took < 60, f"an import at the limit took {took:.1f} s"
    for i in range(0, limit, limit // 5):
        imported(f"Nguyễn Thị A {i:05d}", world.units["SYT"], 2022, organisation="Sở Y tế")
    # the report every nominee must carry, and the dossier's own papers: rows as an upload
    # writes them (the pages list files, they do not read them)
    ids = db.session.scalars(sa.select(Nominee.id).where(Nominee.dossier_id == dossier.id))
    owners = [(i, "bao_cao_thanh_tich") for i in ids] + [(None, "to_trinh"), (None, "other")]
    db.session.execute(sa.insert(Attachment), [
        {"dossier_id": dossier.id, "nominee_id": owner, "kind": kind,
         "filename": f"Báo cáo thành tích {n}.pdf", "content_type": "application/pdf",
         "size": 52000, "sha256": "0" * 64, "storage_key": f"limit/{n}.pdf",
         "uploaded_by_id": world.users["staff_a"].id, "uploaded_at": now_utc()}
        for n, (owner, kind) in enumerate(owners)])
    db.session.commit()
    return dossier


def test_a_dossier_at_the_limit_answers_its_pages_and_api(full_dossier, world, client, api):
    limit = current_app.config["EXCEL_IMPORT_MAX_ROWS"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nominee)
                             .where(Nominee.dossier_id == full_dossier.id)) == limit
    sizes, took = {}, {}
    with statements() as seen:
        started = time.perf_counter()
        r = api("staff_a").get(f"/api/v1/dossiers/{full_dossier.id}")
        took["api"] = time.perf_counter() - started
        assert r.status_code == 200
        body = r.get_json()
        assert len(body["nominees"]) == limit
        sizes["api"] = len(r.get_data())
        login(client, "staff_a")
        for name, url in (("page", f"/dossiers/{full_dossier.id}"),
                          ("edit", f"/dossiers/{full_dossier.id}/edit")):
            started = time.perf_counter()
            r = client.get(url)
            took[name] = time.perf_counter() - started
            assert r.status_code == 200, name
            sizes[name] = len(r.get_data())
    edit = r.get_data(as_text=True)
    assert "Nguyễn Thị A 00000" in edit
    assert "Chuyển tệp của một người sang người khác" in edit  # moves in two steps
    widest = max(seen)
    assert widest[0] <= MAX_PARAMS, widest
    # every nominee's file listed once, not with a choice of every nominee (the page grew
    # with the square of the dossier: 204 MB at 2,000 nominees with their reports)
    print(f"\nat {limit} nominees, each with a file: " + ", ".join(
        f"{k} {sizes[k] / 1024 / 1024:.2f} MB in {took[k]:.1f} s" for k in sizes))
    assert sizes["edit"] < 5 * limit * 1024, sizes  # linear: under 5 KB a nominee
    assert sizes["page"] < 3 * limit * 1024, sizes
    assert max(took.values()) < 20, took


class _FormFields(HTMLParser):
    """The fields a browser sends with the drafting form, as the page renders them: every
    named input, textarea and select (its selected option, else its first) of the one
    form without an action (the page's other form imports a file)."""

    def __init__(self):
        super().__init__()
        self.fields, self.inside, self.select, self.textarea = [], False, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = "action" not in a
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("file", "checkbox"):
            self.fields.append([a["name"], a.get("value") or ""])
        elif tag == "select":
            self.select = [a["name"], None]
            self.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            if self.select[1] is None or "selected" in a:
                self.select[1] = a.get("value") or ""
        elif tag == "textarea":
            self.textarea = [a["name"], ""]
            self.fields.append(self.textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


def test_the_drafting_form_of_a_dossier_at_the_limit_saves(full_dossier, world, client, app):
    """Everything the page shows is sent back at once: Flask's 1,000 form parts refused it
    (413) past about 95 nominees, and every nominee's award form was looked up again."""
    limit = current_app.config["EXCEL_IMPORT_MAX_ROWS"]
    login(client, "staff_a")
    page = client.get(f"/dossiers/{full_dossier.id}/edit").get_data(as_text=True)
    parser = _FormFields()
    parser.feed(page)
    fields = dict(parser.fields)
    assert len(parser.fields) > 10 * limit
    last = max(n.id for n in full_dossier.nominees)
    fields[f"n{last}-position_title"] = "Trưởng khoa"
    saved = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024  # production's default (the tests: 2)
    try:
        with statements() as seen:
            started = time.perf_counter()
            # encoded here, in memory: the test client would spool a body this large to a
            # temporary file it never closes
            boundary, body = encode_multipart(fields)
            r = client.post(f"/dossiers/{full_dossier.id}/edit", data=body,
                            content_type=f"multipart/form-data; boundary={boundary}")
            took = time.perf_counter() - started
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Nominee, last).position_title == "Trưởng khoa"
    print(f"\nsaving the drafting form of {limit} nominees: {took:.1f} s, "
          f"{len(seen)} statements")
    assert took < 20
    assert len(seen) < limit / 4, len(seen)  # not one per nominee


def test_the_appraisal_of_a_dossier_at_the_limit(full_dossier, world, client, api):
    """The Board's view: every nominee's earlier awards and proposals elsewhere, read with
    statements of a few parameters each."""
    limit = current_app.config["EXCEL_IMPORT_MAX_ROWS"]
    # set in place (the steps' guards are tested elsewhere): under appraisal, and three of
    # its people also put forward by another unit
    other = helpers.unit_item(Dossier, full_dossier.campaign, "PDK")
    dossiers.add_nominee(world.users["staff_b"], other.id, {
        "kind": "individual", "name": "Nguyễn Thị A 00007", "title": "Bà",
        "organisation": "Sở Y tế", "award_form": "BKCT", "votes_for": 9})
    db.session.execute(sa.update(Dossier).where(Dossier.id == other.id)
                       .values(state="submitted"))
    db.session.execute(sa.update(Dossier).where(Dossier.id == full_dossier.id)
                       .values(state="in_appraisal"))
    db.session.commit()
    with statements() as seen:
        r = api("appraiser").get(f"/api/v1/dossiers/{full_dossier.id}")
        assert r.status_code == 200
        nominees = r.get_json()["nominees"]
        assert len([n for n in nominees if n["earlier_awards"]]) == 5
        assert [n["name"] for n in nominees
                if any(f["code"] == "proposed_same_year" for f in n["flags"])] == [
            "Nguyễn Thị A 00007"]
        login(client, "appraiser")
        r = client.get(f"/dossiers/{full_dossier.id}")
        assert r.status_code == 200
    assert r.get_data(as_text=True).count("Quyết định số 12/QĐ-UBND") == 5
    widest = max(seen)
    assert widest[0] <= MAX_PARAMS, widest
    assert len(seen) < 80 and limit > len(seen)


def test_a_decision_takes_any_number_of_ids_a_form_sends(world, monkeypatch):
    """The ids of a draft's nominees are looked up a chunk at a time: a page's form can
    send any number of them (here chunks of 2, for 3 nominees and an unknown id)."""
    from app.services import decisions
    from app.services.errors import NotFound

    monkeypatch.setattr(decisions, "ID_CHUNK", 2)
    campaign = helpers.make_campaign(world)
    dossier = helpers.appraised_dossier(world, campaign)
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    ids = [n.id for n in dossier.nominees]
    with pytest.raises(NotFound) as caught:
        decisions.add_nominees(world.users["appraiser"], decision.id, [*ids, 999999])
    assert caught.value.details == {"nominee_ids": [999999]}
    db.session.rollback()
    decisions.add_nominees(world.users["appraiser"], decision.id, ids)
    assert sorted(db.session.scalars(sa.select(Nominee.id).where(
        Nominee.decision_id == decision.id))) == sorted(ids)


def test_a_small_dossier_still_moves_a_file_to_any_nominee_in_one_step(world, client):
    import re

    dossier = helpers.complete_dossier(world, helpers.make_campaign(world))
    first, second, _third = dossier.nominees
    paper = next(a for a in dossier.attachments if a.nominee_id == first.id)
    login(client, "staff_a")
    page = client.get(f"/dossiers/{dossier.id}/edit").get_data(as_text=True)
    choices = re.search(rf'<select[^>]*name="a{paper.id}-nominee"[^>]*>(.*?)</select>', page,
                        re.S).group(1)
    assert f'<option value="{second.id}">{second.name}</option>' in choices
    assert "Chuyển tệp của một người sang người khác" not in page
