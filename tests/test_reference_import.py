"""`flask reference import FILE`: a province keeps its own reference file outside the
package; the file is checked whole and loaded in one go, a new decree being a new row."""
import json
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models import AwardForm, LegalBasis, ReferenceChange
from app.services.reference import legal_bases

QUY_CHE = {"code": "quy-che-tdkt-hn", "document_kind": "decision", "position": 40,
           "text": "Căn cứ Quyết định số 12/2026/QĐ-UBND ngày 02 tháng 3 năm 2026 của Ủy ban "
                   "nhân dân thành phố ban hành Quy chế công tác thi đua, khen thưởng;",
           "effective_from": "2026-03-12", "effective_to": None,
           "source_note": "[U] ví dụ của thành phố"}
FORM = {"code": "BKCT", "name": "Bằng khen của Chủ tịch Ủy ban nhân dân thành phố",
        "subject_kind": "both", "money_multiplier_individual": 1.0,
        "money_multiplier_collective": 2.0, "effective_from": "2026-03-12",
        "effective_to": None, "source_note": "[U]", "certificate_title": "Bằng khen"}


def _run(app, tmp_path, data):
    path = tmp_path / "reference.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False),
                    encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["reference", "import", str(path)])
    db.session.expire_all()
    return result


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_province_file_adds_rows_and_keeps_the_old_ones(app, ctx, world, tmp_path):
    forms, bases = _count(AwardForm), _count(LegalBasis)
    old = db.session.scalars(sa.select(AwardForm).where(AwardForm.code == "BKCT")).all()
    result = _run(app, tmp_path, {"_comment": "Thành phố", "legal_bases": [QUY_CHE],
                                  "award_forms": [FORM]})
    assert result.exit_code == 0, result.output
    assert "legal_bases +1" in result.output and "award_forms +1" in result.output
    assert (_count(AwardForm), _count(LegalBasis)) == (forms + 1, bases + 1)
    assert QUY_CHE["text"] in [b.text for b in legal_bases("decision", date(2026, 4, 1))]
    assert [f.name for f in old] == [f.name for f in db.session.scalars(
        sa.select(AwardForm).where(AwardForm.code == "BKCT",
                                   AwardForm.effective_from < date(2026, 3, 12)))]
    again = _run(app, tmp_path, {"legal_bases": [QUY_CHE], "award_forms": [FORM]})
    assert again.exit_code == 0 and (_count(AwardForm), _count(LegalBasis)) == (forms + 1,
                                                                                bases + 1)


def test_a_wrong_file_loads_nothing_and_says_why(app, ctx, world, tmp_path):
    bases = _count(LegalBasis)
    bad = dict(QUY_CHE, effective_from="12/03/2026", colour="đỏ")
    result = _run(app, tmp_path, {"legal_bases": [QUY_CHE, bad, {"text": "x"},
                                                  dict(QUY_CHE, document_kind="board_proposal")],
                                  "decrees": []})
    assert result.exit_code == 2
    assert "Mục «decrees» không được hỗ trợ" in result.output
    assert "«legal_bases» dòng 2: trường không hợp lệ colour." in result.output
    assert "«legal_bases» dòng 2: effective_from không phải ngày (YYYY-MM-DD)." in result.output
    assert "«legal_bases» dòng 3: thiếu code, document_kind, effective_from." in result.output
    # Two rows with one natural key: the second would silently replace the first.
    assert ("«legal_bases» dòng 4: trùng code và effective_from với dòng 1."
            in result.output)
    assert _count(LegalBasis) == bases
    broken = _run(app, tmp_path, "{not json")
    assert broken.exit_code == 2 and "Tệp không phải JSON hợp lệ" in broken.output


def _audits(**where):
    return db.session.scalars(sa.select(ReferenceChange).filter_by(**where)
                              .order_by(ReferenceChange.id)).all()


def test_every_row_a_file_adds_leaves_an_audit_row(app, ctx, world, tmp_path):
    # the shipped file's own rows, loaded by `flask seed reference`, are audited as well
    shipped = _audits(origin="file", note="tệp reference.json")
    assert "document_types" in {a.section for a in shipped}
    result = _run(app, tmp_path, {"legal_bases": [QUY_CHE], "award_forms": [FORM]})
    assert result.exit_code == 0, result.output
    added = _audits(origin="file", action="added", note="tệp reference.json")[len(shipped):]
    assert [(a.section, a.row_key) for a in added] == [("award_forms", "BKCT từ 12/03/2026"),
                                                       ("legal_bases",
                                                        "quy-che-tdkt-hn từ 12/03/2026")]
    assert added[1].after["text"] == QUY_CHE["text"] and added[1].before is None
    count = len(_audits())
    assert _run(app, tmp_path, {"legal_bases": [QUY_CHE]}).exit_code == 0
    assert len(_audits()) == count  # the same row again: nothing written, nothing audited


def test_a_changed_row_is_refused_unless_replace_and_then_audited(app, ctx, world, tmp_path):
    assert _run(app, tmp_path, {"award_forms": [FORM]}).exit_code == 0
    count = len(_audits())
    changed = dict(FORM, name="Bằng khen của Chủ tịch thành phố", money_multiplier_individual=1.5)
    refused = _run(app, tmp_path, {"award_forms": [changed], "legal_bases": [QUY_CHE]})
    assert refused.exit_code == 2
    assert "1 dòng đã có (cùng mã và ngày hiệu lực) nhưng khác tệp; chưa nạp gì" in \
        refused.output and "--replace" in refused.output
    assert ("«award_forms» BKCT từ 12/03/2026: name «Bằng khen của Chủ tịch Ủy ban nhân dân "
            "thành phố» → «Bằng khen của Chủ tịch thành phố»; money_multiplier_individual "
            "«1.00» → «1.5»") in refused.output
    form = db.session.scalars(sa.select(AwardForm).where(
        AwardForm.code == "BKCT", AwardForm.effective_from == date(2026, 3, 12))).one()
    assert form.name == FORM["name"] and len(_audits()) == count
    assert QUY_CHE["text"] not in [b.text for b in legal_bases("decision", date(2026, 4, 1))]

    path = tmp_path / "reference.json"
    path.write_text(json.dumps({"award_forms": [changed]}, ensure_ascii=False), "utf-8")
    replaced = app.test_cli_runner().invoke(args=["reference", "import", "--replace", str(path)])
    assert replaced.exit_code == 0, replaced.output
    assert "award_forms +0 (1 replaced)" in replaced.output
    db.session.expire_all()
    assert db.session.get(AwardForm, form.id).name == changed["name"]
    audit = _audits(action="replaced")[-1]
    assert (audit.section, audit.row_id, audit.origin) == ("award_forms", form.id, "file")
    assert audit.before == {"name": FORM["name"], "money_multiplier_individual": "1.00"}
    assert audit.after == {"name": changed["name"], "money_multiplier_individual": 1.5}


def test_seed_reference_keeps_an_admins_edit_unless_told_to_replace(app, ctx, world):
    form = db.session.scalars(sa.select(AwardForm).where(AwardForm.code == "BKCT")
                              .order_by(AwardForm.effective_from)).first()
    form.name = "Tên do quản trị sửa"
    db.session.commit()
    runner = app.test_cli_runner()
    kept = runner.invoke(args=["seed", "reference"])
    assert kept.exit_code == 2 and "Tên do quản trị sửa" in kept.output
    db.session.expire_all()
    assert db.session.get(AwardForm, form.id).name == "Tên do quản trị sửa"
    assert runner.invoke(args=["seed", "reference", "--replace"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(AwardForm, form.id).name != "Tên do quản trị sửa"


# -- the same import from the reference page (issue 22 #10) ---------------------------------

def _upload(client, data, replace=False, name="tinh.json"):
    import io

    from tests.web.test_views import csrf_of

    page = client.get("/admin/reference").get_data(as_text=True)
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    form = {"csrf_token": csrf_of(page), "file": (io.BytesIO(raw), name)}
    if replace:
        form["replace"] = "1"
    r = client.post("/admin/reference/import", data=form, content_type="multipart/form-data",
                    follow_redirects=True)
    db.session.expire_all()
    return r.status_code, r.get_data(as_text=True)


def test_the_admin_uploads_a_reference_file_on_the_page(client, world):
    from tests.web.test_views import login

    login(client, "admin")
    page = client.get("/admin/reference").get_data(as_text=True)
    assert "flask reference import" not in page and 'id="reference-file"' in page
    forms, bases, count = _count(AwardForm), _count(LegalBasis), len(_audits())
    status, page = _upload(client, {"legal_bases": [QUY_CHE], "award_forms": [FORM]})
    assert status == 200 and "Đã nạp tệp dữ liệu tham chiếu: 2 dòng mới, 0 dòng được thay" in page
    assert (_count(AwardForm), _count(LegalBasis)) == (forms + 1, bases + 1)
    # audited as the command's rows are, and by whom
    audits = _audits()[count:]
    assert [(a.origin, a.action, a.note) for a in audits] == [
        ("file", "added", "tệp tinh.json")] * 2
    assert {a.user_id for a in audits} == {world.users["admin"].id}

    # a wrong file: nothing loaded, each row's reason in Vietnamese as the command prints it
    bad = dict(QUY_CHE, code="khac", effective_from="12/03/2026", colour="đỏ")
    status, page = _upload(client, {"legal_bases": [bad, {"text": "x"}]})
    assert status == 422 and 'id="import-error"' in page
    assert "<li>«legal_bases» dòng 1: trường không hợp lệ colour.</li>" in page
    assert "«legal_bases» dòng 1: effective_from không phải ngày (YYYY-MM-DD)." in page
    assert "«legal_bases» dòng 2: thiếu code, document_kind, effective_from." in page
    assert _count(LegalBasis) == bases + 1 and len(_audits()) == count + 2
    status, page = _upload(client, b'{"legal_bases": [\n  {"code": }]}')
    assert status == 422
    assert "Tệp không phải JSON hợp lệ: lỗi cú pháp ở dòng 2, cột 12." in page
    status, page = _upload(client, "Căn cứ".encode("utf-16"))
    assert status == 422 and "bảng mã UTF-8" in page

    # a changed row is refused, with the page's own way to replace it; then replaced, audited
    changed = dict(FORM, name="Bằng khen của Chủ tịch thành phố")
    status, page = _upload(client, {"award_forms": [changed]})
    assert status == 409 and "--replace" not in page
    assert "chọn «Thay các dòng đã có nhưng khác tệp»" in page
    status, page = _upload(client, {"award_forms": [changed]}, replace=True)
    assert status == 200 and "0 dòng mới, 1 dòng được thay" in page
    audit = _audits(action="replaced")[-1]
    assert (audit.origin, audit.user_id, audit.after) == (
        "file", world.users["admin"].id, {"name": changed["name"]})


def test_only_an_admin_uploads_reference_files(client, world):
    from tests.web.test_views import login

    login(client, "appraiser")
    forms = _count(AwardForm)
    r = client.post("/admin/reference/import", data={}, content_type="multipart/form-data")
    assert r.status_code == 403 and _count(AwardForm) == forms
