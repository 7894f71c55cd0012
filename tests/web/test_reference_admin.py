"""The admin edits reference data on its page: a correction of a row, or a new row (a new
decree) from its effective date, each with an audit row; a concurrent edit answers 409."""
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.models import AwardForm, ReferenceChange, RuleValue
from app.services import reference
from tests.web.test_views import csrf_of, login


def _page(client):
    return client.get("/admin/reference").get_data(as_text=True)


def _form(row, **changes):
    """What the row's edit form posts when only ``changes`` are typed over it."""
    data = {f.name: ("" if getattr(row, f.name) is None else
                     getattr(row, f.name).isoformat() if isinstance(getattr(row, f.name), date)
                     else str(getattr(row, f.name)))
            for f in reference.SECTIONS[row.__tablename__].fields if not f.key}
    return {**data, "version": str(row.version), **changes}


def _bkct():
    return db.session.scalars(sa.select(AwardForm).where(AwardForm.code == "BKCT")
                              .order_by(AwardForm.effective_from.desc())).first()


def _audits(**where):
    return db.session.scalars(sa.select(ReferenceChange).filter_by(**where)
                              .order_by(ReferenceChange.id)).all()


def test_the_admin_corrects_an_award_form_and_the_change_is_audited(client, world):
    login(client, "admin")
    form = _bkct()
    csrf = csrf_of(_page(client))
    name = "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh (đính chính)"
    r = client.post(f"/admin/reference/award_forms/{form.id}",
                    data={**_form(form, name=name, money_multiplier_individual="1,5",
                                  note="Đính chính tên"), "csrf_token": csrf})
    assert r.status_code == 302 and r.headers["Location"].endswith("#award_forms")
    db.session.expire_all()
    form = db.session.get(AwardForm, form.id)
    assert form.name == name and form.money_multiplier_individual == Decimal("1.50")
    assert form.version == 2
    audit = _audits(section="award_forms", action="edited", origin="page")[-1]
    assert audit.row_id == form.id and audit.user_id == world.users["admin"].id
    assert audit.after == {"money_multiplier_individual": "1.5", "name": name}
    assert audit.before["name"] == "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh"
    assert audit.note == "Đính chính tên"
    page = _page(client)
    assert "Đã lưu dữ liệu tham chiếu" in page and "Nhật ký thay đổi" in page
    assert f"BKCT từ {form.effective_from:%d/%m/%Y}" in page and "Đính chính tên" in page


def test_a_new_rule_value_is_a_new_row_that_ends_the_old_one(client, world):
    login(client, "admin")
    old = db.session.scalars(sa.select(RuleValue).where(RuleValue.effective_to.is_(None))
                             .order_by(RuleValue.key)).first()
    before = reference.rule(old.key, date(2030, 1, 1))
    r = client.post("/admin/reference/rule_values/new", data={
        "csrf_token": csrf_of(_page(client)), "key": old.key, "label": old.label,
        "value": "7", "effective_from": "01/01/2030", "source_note": "[U] quy chế mới"})
    assert r.status_code == 302
    db.session.expire_all()
    assert reference.rule(old.key, date(2030, 1, 1)) == Decimal("7")
    assert reference.rule(old.key, date(2029, 12, 31)) == before
    assert db.session.get(RuleValue, old.id).effective_to == date(2029, 12, 31)
    assert [(a.action, a.row_key) for a in _audits(section="rule_values", origin="page")] == [
        ("added", f"{old.key} từ 01/01/2030"),
        ("edited", f"{old.key} từ {old.effective_from:%d/%m/%Y}")]
    assert [r.key for r in reference.rules(date(2030, 6, 1))].count(old.key) == 1


def test_a_legal_basis_added_on_the_page_is_cited_from_its_date(client, world):
    login(client, "admin")
    text = ("Căn cứ Quyết định số 12/2030/QĐ-UBND của Ủy ban nhân dân tỉnh ban hành Quy chế "
            "công tác thi đua, khen thưởng;")
    client.post("/admin/reference/legal_bases/new", data={
        "csrf_token": csrf_of(_page(client)), "code": "quy-che-2030", "document_kind": "decision",
        "position": "40", "text": text, "effective_from": "2030-03-01"})
    assert text in [b.text for b in reference.legal_bases("decision", date(2030, 3, 1))]
    assert text not in [b.text for b in reference.legal_bases("decision", date(2030, 2, 28))]


def test_wrong_values_are_refused_in_vietnamese_and_nothing_is_written(client, world):
    login(client, "admin")
    form = _bkct()
    audits = len(_audits())
    csrf = csrf_of(_page(client))
    r = client.post(f"/admin/reference/award_forms/{form.id}", follow_redirects=True, data={
        **_form(form, name="", money_multiplier_collective="hai",
                effective_to="1999-01-01"), "csrf_token": csrf})
    page = r.get_data(as_text=True)
    assert "«Tên»: bắt buộc." in page and "«Hệ số tiền thưởng tập thể»: phải là số." in page
    r = client.post("/admin/reference/rule_values/new", follow_redirects=True, data={
        "csrf_token": csrf, "key": "x", "label": "Ngưỡng", "value": "1",
        "effective_from": "31/02/2030"})
    assert "«Có hiệu lực từ ngày»: không phải ngày (dd/mm/yyyy)." in r.get_data(as_text=True)
    r = client.post(f"/admin/reference/award_forms/{form.id}", follow_redirects=True, data={
        **_form(form, effective_to="1999-01-01"), "csrf_token": csrf})
    assert "Ngày hết hiệu lực không được trước ngày có hiệu lực." in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AwardForm, form.id).version == 1 and len(_audits()) == audits


def test_two_admins_editing_one_row_the_second_gets_409(client, app, world):
    login(client, "admin")
    form = _bkct()
    csrf = csrf_of(_page(client))
    read = _form(form)  # both read the page at version 1
    first = client.post(f"/admin/reference/award_forms/{form.id}",
                        data={**read, "name": "Tên thứ nhất", "csrf_token": csrf})
    assert first.status_code == 302
    second = client.post(f"/admin/reference/award_forms/{form.id}",
                         data={**read, "name": "Tên thứ hai", "csrf_token": csrf})
    assert second.status_code == 409
    assert "vừa được người khác thay đổi" in second.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AwardForm, form.id).name == "Tên thứ nhất"
    assert len(_audits(section="award_forms", origin="page")) == 1


def test_only_an_admin_edits_reference_data(client, world):
    form = _bkct()
    login(client, "board_head")
    csrf = csrf_of(client.get("/").get_data(as_text=True))
    r = client.post(f"/admin/reference/award_forms/{form.id}",
                    data={**_form(form, name="Không được"), "csrf_token": csrf})
    assert r.status_code == 403
    db.session.expire_all()
    assert db.session.get(AwardForm, form.id).name != "Không được"
