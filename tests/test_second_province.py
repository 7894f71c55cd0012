"""A second province from nothing, through the CLI and the API alone: a centrally-run city
(thành phố trực thuộc trung ương, not a tỉnh) and one of its wards run a campaign to two
issued decisions, and every paper they produced is read back.

Nothing here goes through the test helpers that build the demo-like "world": the national
reference data comes from `flask seed reference`, the city's own Quy chế from its own file,
its units from a CSV, its people from `flask users create`, the register from
`flask registers set`, and everything else from the API with tokens the API gave out.
"""
import csv
import io
import json
import re
import secrets
import shutil
from datetime import timedelta
from pathlib import Path

import docx
import pytest

from app.clock import today
from app.docgen import text as t
from app.extensions import db, limiter
from tests.docgen.structure import (
    assert_closing,
    assert_draft,
    assert_fonts,
    assert_formal,
    assert_letterhead,
    assert_page,
    assert_title,
)
from tests.esign.support import pdfsig, pdftotext, signature_blocks
from tests.helpers import PDF
from tests.web.test_views import login

pytestmark = pytest.mark.storage  # run again with S3 by `make test-s3`

PASSWORD = "mat-khau-thanh-pho"
CITY_NAME = "Ủy ban nhân dân thành phố Hải Phòng"
QUY_CHE = ("Căn cứ Quyết định số 15/2024/QĐ-UBND ngày 20 tháng 5 năm 2024 của Ủy ban nhân "
           "dân thành phố Hải Phòng ban hành Quy chế công tác thi đua, khen thưởng trên địa "
           "bàn thành phố;")
REFERENCE = {"_comment": "Thành phố Hải Phòng: quy chế riêng của thành phố (ví dụ)",
             "legal_bases": [
                 {"code": f"quy-che-tdkt-hp-{kind}", "document_kind": kind, "position": 40,
                  "text": QUY_CHE, "effective_from": "2024-06-01", "effective_to": None,
                  "source_note": "[U] ví dụ kiểm thử"}
                 for kind in ("decision", "board_proposal")],
             # The award's name as the city's decisions print it: a later row of the same
             # code, in force from the city's own date; the national row stays as it was.
             "award_forms": [{"code": "BKCT", "effective_from": "2024-06-01",
                              "name": "Bằng khen của Chủ tịch Ủy ban nhân dân thành phố",
                              "subject_kind": "both", "money_multiplier_individual": 1.0,
                              "money_multiplier_collective": 2.0, "effective_to": None,
                              "certificate_title": "Bằng khen",
                              "certificate_model": "Mẫu Bằng khen của Chủ tịch Ủy ban nhân "
                                                   "dân thành phố",
                              "source_note": "[U] ví dụ kiểm thử"},
                             # every shipped name that says "tỉnh" has the city's row: the
                             # units import refuses a city whose award names say "tỉnh"
                             {"code": "CTDT", "effective_from": "2024-06-01",
                              "name": "Cờ thi đua của Ủy ban nhân dân thành phố",
                              "subject_kind": "collective", "money_multiplier_individual": None,
                              "money_multiplier_collective": 8.0, "effective_to": None,
                              "certificate_title": "Cờ thi đua",
                              "certificate_model": "Mẫu Cờ thi đua của Ủy ban nhân dân "
                                                   "thành phố",
                              "source_note": "[U] ví dụ kiểm thử"},
                             {"code": "CSTDT", "effective_from": "2024-06-01",
                              "name": "Danh hiệu Chiến sĩ thi đua thành phố",
                              "subject_kind": "individual", "money_multiplier_individual": 3.0,
                              "money_multiplier_collective": None, "effective_to": None,
                              "certificate_title": "Chiến sĩ thi đua thành phố",
                              "certificate_model": "Mẫu Giấy chứng nhận Chiến sĩ thi đua "
                                                   "thành phố",
                              "source_note": "[U] ví dụ kiểm thử"}]}
UNITS = [
    {"code": "HP", "name": "Ủy ban nhân dân thành phố Hải Phòng", "kind": "province",
     "header_lines": "ỦY BAN NHÂN DÂN | THÀNH PHỐ HẢI PHÒNG", "place_name": "Hải Phòng",
     "head_title": "Chủ tịch", "locality": "thành phố", "collective_name": "Ủy ban nhân dân",
     "collective_papers": "cong_van,ke_hoach", "abbreviation": "UBND",
     "email": "ubnd@haiphong.test"},
    {"code": "VPHP", "name": "Văn phòng Ủy ban nhân dân thành phố", "kind": "office",
     "parent_code": "HP", "header_lines": "VĂN PHÒNG", "parent_header": "UBND THÀNH PHỐ HẢI PHÒNG",
     "head_title": "Chánh", "abbreviation": "VP", "email": "vp@haiphong.test"},
    {"code": "SNVHP", "name": "Sở Nội vụ", "kind": "department", "parent_code": "HP",
     "header_lines": "SỞ NỘI VỤ", "parent_header": "UBND THÀNH PHỐ HẢI PHÒNG",
     "head_title": "Giám đốc", "abbreviation": "SNV", "email": "snv@haiphong.test"},
    {"code": "STCHP", "name": "Sở Tài chính", "kind": "department", "parent_code": "HP",
     "header_lines": "SỞ TÀI CHÍNH", "parent_header": "UBND THÀNH PHỐ HẢI PHÒNG",
     "head_title": "Giám đốc", "abbreviation": "STC", "pays_awards": "có",
     "email": "stc@haiphong.test"},
    # The abbreviation in the ký hiệu is Vietnamese: KH-SGDĐT, never KH-SGDDT.
    {"code": "SGDDTHP", "name": "Sở Giáo dục và Đào tạo", "kind": "department",
     "parent_code": "HP", "header_lines": "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
     "parent_header": "UBND THÀNH PHỐ HẢI PHÒNG", "head_title": "Giám đốc",
     "abbreviation": "SGDĐT", "email": "sgddt@haiphong.test"},
    # A ward's papers are issued by its Ủy ban nhân dân as a collective: TTr-UBND. A
    # People's Committee has no body above its name, and dates its papers at its own place.
    {"code": "PHB", "name": "Ủy ban nhân dân phường Hồng Bàng", "kind": "commune",
     "parent_code": "HP", "header_lines": "ỦY BAN NHÂN DÂN | PHƯỜNG HỒNG BÀNG",
     "place_name": "Hồng Bàng", "head_title": "Chủ tịch",
     "locality": "phường", "collective_name": "Ủy ban nhân dân", "collective_papers": "*",
     "abbreviation": "UBND", "council_symbol": "HĐTĐKT", "email": "phb@haiphong.test"},
]
USERS = [  # username, roles, unit, full name, signing title, signing modes
    ("quantri.hp", ["admin"], "SNVHP", "Phạm Văn Quản", None, None),
    ("canbo.sgd", ["unit_staff"], "SGDDTHP", "Vũ Thị Hạnh", None, None),
    ("giamdoc.sgd", ["unit_head"], "SGDDTHP", "Đỗ Minh Đức", "GIÁM ĐỐC", None),
    ("canbo.phb", ["unit_staff"], "PHB", "Bùi Thị Ngọc", None, None),
    ("chutich.phb", ["unit_head"], "PHB", "Trịnh Văn Lực", "CHỦ TỊCH", None),
    ("chuyenvien.hp", ["board_appraiser"], "SNVHP", "Ngô Thị Thủy", None, None),
    ("truongban.hp", ["board_head"], "SNVHP", "Lê Quang Đạo", "GIÁM ĐỐC", None),
    ("phochutich.hp", ["chairman"], "HP", "Hoàng Minh Tuấn", "PHÓ CHỦ TỊCH", "KT"),
    ("vanthu.hp", ["office_clerk"], "VPHP", "Mai Thị Thu", None, None),
]
# Nothing of the demo province, and no word that only a tỉnh uses.
DEMO_WORDS = ("Lạng Sơn", "LẠNG SƠN", "Đông Kinh", "nhân dân tỉnh", "NHÂN DÂN TỈNH",
              "UBND tỉnh", "của tỉnh")


def _cli(runner, *args):
    result = runner.invoke(args=[str(a) for a in args])
    db.session.expire_all()
    assert result.exit_code == 0, (args, result.output)
    return result.output


class Api:
    """A JSON client signed in through the API, as a second province's systems would be."""

    def __init__(self, client, username):
        self.client = client
        r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        assert r.status_code == 201, r.get_json()
        self.headers = {"Authorization": f"Bearer {r.get_json()['token']}"}

    def __getattr__(self, method):
        def call(url, **kw):
            return getattr(self.client, method)(url, headers=self.headers, **kw)
        return call

    def ok(self, method, url, status=200, **kw):
        r = getattr(self, method)(url, **kw)
        assert r.status_code == status, (url, r.status_code, r.get_json())
        return r.get_json()

    def fire(self, kind, item_id, trigger, **body):
        item = self.ok("get", f"/api/v1/{kind}s/{item_id}")
        return self.post(f"/api/v1/{kind}s/{item_id}/transitions",
                         json={"trigger": trigger, "version": item["version"], **body})

    def step(self, kind, item_id, trigger, **body):
        r = self.fire(kind, item_id, trigger, **body)
        assert r.status_code == 200, (kind, trigger, r.get_json())
        return r.get_json()


def _texts(data: bytes) -> list[str]:
    """Every paragraph of a DOCX, body tables, headers and footers included."""
    document = docx.Document(io.BytesIO(data))
    out = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                out.extend(p.text for p in cell.paragraphs)
    for section in document.sections:
        for part in (section.header, section.footer):
            out.extend(p.text for p in part.paragraphs)
    return [t.strip() for t in out if t.strip()]


def _papers(who: Api, kind: str, item_id: int, files=None) -> dict[str, str]:
    """Every document an item has: name -> its whole text (and its bytes into ``files``)."""
    papers = {}
    for doc in who.ok("get", f"/api/v1/{kind}s/{item_id}/documents"):
        r = who.get(f"/api/v1/{kind}s/{item_id}/documents/{doc['name']}")
        assert r.status_code == 200, (kind, doc["name"])
        if r.mimetype.endswith("wordprocessingml.document"):
            papers[f"{kind}:{item_id}:{doc['name']}"] = "\n".join(_texts(r.data))
            if files is not None:
                files[f"{kind}:{item_id}:{doc['name']}"] = docx.Document(io.BytesIO(r.data))
        r.close()
    return papers


@pytest.fixture
def city(app, ctx, tmp_path):
    """The city and its ward, set up by the operators' commands alone."""
    runner = app.test_cli_runner()
    _cli(runner, "seed", "reference")
    reference = tmp_path / "hai-phong.json"
    reference.write_text(json.dumps(REFERENCE, ensure_ascii=False), encoding="utf-8")
    _cli(runner, "reference", "import", reference)
    units = tmp_path / "units.csv"
    with units.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=sorted({k for u in UNITS for k in u}))
        writer.writeheader()
        writer.writerows(UNITS)
    assert "6 created" in _cli(runner, "units", "import", units)
    for username, roles, unit, full_name, title, modes in USERS:
        args = ["users", "create", "--username", username, "--password", PASSWORD,
                "--unit", unit, "--full-name", full_name, "--email", f"{username}@haiphong.test"]
        for role in roles:
            args += ["--role", role]
        if title:
            args += ["--signing-title", title]
        if modes:
            args += ["--signing-modes", modes]
        _cli(runner, *args)
    out = _cli(runner, "registers", "set", "HP", "QĐ", today().year, 1204, "--note", "sổ của Văn thư")
    assert "next 1205" in out
    return runner


def _city_signs_digitally(app, runner, monkeypatch, directory):
    """The city's Phó Chủ tịch and its People's Committee get demo certificates by the
    `flask signing` commands, and the app trusts that CA: its decisions are issued
    electronically, the seal and the names its own."""
    _cli(runner, "signing", "demo-ca", directory, "--name", "Demo Hải Phòng")
    _cli(runner, "signing", "certificate", directory, "pct-hp", "--name", "Hoàng Minh Tuấn",
         "--organisation", CITY_NAME, "--title", "Phó Chủ tịch")
    _cli(runner, "signing", "certificate", directory, "ubnd-hp", "--name", CITY_NAME,
         "--organisation", CITY_NAME, "--seal")
    for key, name in (("SIGNING_TRUST_ROOTS", "root.pem"),
                      ("SIGNING_INTERMEDIATES", "sub-ca.pem"), ("SIGNING_CRLS", "sub-ca.crl")):
        monkeypatch.setitem(app.config, key, str(directory / name))
    _cli(runner, "signing", "register-user", "phochutich.hp", directory / "pct-hp.p12")
    _cli(runner, "signing", "register-unit", "HP", directory / "ubnd-hp.p12")


def _issued_pdf(clerk, decision_id, tmp_path):
    """The issued decision's signed PDF: pdfsig's signature blocks and its text."""
    r = clerk.get(f"/api/v1/decisions/{decision_id}/signed-pdfs/decision_issued_pdf")
    assert r.status_code == 200, r.get_json()
    path = tmp_path / f"decision-{decision_id}.pdf"
    path.write_bytes(r.data)
    r.close()
    return signature_blocks(pdfsig(path)), pdftotext(path)


def test_a_city_and_its_ward_from_the_cli_and_the_api(app, city, monkeypatch, tmp_path):
    ca_dir = Path(app.instance_path) / "signing" / f"test-hp-{secrets.token_hex(4)}"
    _city_signs_digitally(app, city, monkeypatch, ca_dir)
    try:
        _city_and_ward(app, tmp_path)
    finally:
        shutil.rmtree(ca_dir, ignore_errors=True)


def _city_and_ward(app, tmp_path):
    who = {u[0]: Api(app.test_client(), u[0]) for u in USERS}
    board, appraiser = who["truongban.hp"], who["chuyenvien.hp"]
    chairman, clerk = who["phochutich.hp"], who["vanthu.hp"]
    board.ok("put", "/api/v1/distribution-lists/QDHP", json={
        "name": "Nơi nhận quyết định khen thưởng", "entries": [
            {"label": "Như Điều 3"}, {"label": "CT, các PCT UBND thành phố",
                                      "email": "lanhdao@haiphong.test"},
            {"label": "Sở Tài chính", "email": "stc@haiphong.test"},
            {"label": "Lưu: VT, SNV"}]})
    board.ok("put", "/api/v1/distribution-lists/PDHP", json={
        "name": "Nơi nhận phát động", "entries": [
            {"label": "Thường trực Thành ủy"}, {"label": "Các sở, ban, ngành thành phố"},
            {"label": "UBND các phường, xã"}, {"label": "Lưu: VT, SNV"}]})

    # -- the campaign: a Kế hoạch of the city's People's Committee -------------------------
    start = today()
    campaign = board.ok("post", "/api/v1/campaigns", status=201, json={
        "code": f"HP-{today().year}-CAODIEM",
        "title": "Phong trào thi đua cao điểm chào mừng kỷ niệm ngày giải phóng thành phố",
        "theme": "Đoàn kết, sáng tạo, lập thành tích chào mừng ngày giải phóng thành phố",
        "purpose": "Tạo khí thế thi đua sôi nổi trong toàn thành phố.",
        "period_start": start.isoformat(), "period_end": (start + timedelta(days=30)).isoformat(),
        "plan_deadline": start.isoformat(), "dossier_deadline": start.isoformat(),
        "accepts_late": True, "vote_threshold": 70, "launch_type": "ke_hoach",
        "contents": [{"title": "Thi đua cải cách hành chính",
                      "targets": [{"label": "Hồ sơ giải quyết đúng hạn", "measure_unit": "%",
                                   "value": 98}]}],
        "award_forms": [{"code": "BKCT", "quota_per_unit": 5}],
        "participants": ["SGDDTHP", "PHB"], "signer": "phochutich.hp",
        "launch_recipients": "PDHP", "decision_recipients": "QDHP"})
    cid = campaign["id"]
    target = campaign["contents"][0]["targets"][0]["id"]
    board.step("campaign", cid, "launch")

    # -- each unit: plan and dossier, signed by its head, appraised, accepted --------------
    nominees = {"SGDDTHP": [
        {"kind": "collective", "name": "Trường Trung học phổ thông Ngô Quyền",
         "organisation": "Sở Giáo dục và Đào tạo", "award_form": "BKCT", "votes_for": 9},
        {"kind": "individual", "name": "Đặng Thị Ngọc Ánh", "title": "Bà",
         "position_title": "Hiệu trưởng", "organisation": "Trường Tiểu học Đằng Giang",
         "award_form": "BKCT", "votes_for": 8}],
        "PHB": [{"kind": "individual", "name": "Phùng Văn Đạt", "title": "Ông",
                 "position_title": "Tổ trưởng tổ dân phố", "organisation": "phường Hồng Bàng",
                 "award_form": "BKCT", "votes_for": 9}]}
    staff = {"SGDDTHP": who["canbo.sgd"], "PHB": who["canbo.phb"]}
    heads = {"SGDDTHP": who["giamdoc.sgd"], "PHB": who["chutich.phb"]}
    items = {}
    for unit, drafter in staff.items():
        head = heads[unit]
        [plan] = drafter.ok("get", f"/api/v1/plans?campaign_id={cid}")["items"]
        plan = drafter.ok("get", f"/api/v1/plans/{plan['id']}")
        drafter.ok("patch", f"/api/v1/plans/{plan['id']}", json={
            "version": plan["version"], "summary": "Kế hoạch hưởng ứng phong trào",
            "sections": [{"content_id": campaign["contents"][0]["id"],
                          "text": "Rà soát, rút ngắn thời gian giải quyết hồ sơ."}],
            "commitments": [{"target_id": target, "value": 99}]})
        drafter.step("plan", plan["id"], "submit")
        head.step("plan", plan["id"], "sign_off")
        appraiser.step("plan", plan["id"], "start_appraisal")
        appraiser.step("plan", plan["id"], "forward")
        chairman.step("plan", plan["id"], "approve")

        [dossier] = drafter.ok("get", f"/api/v1/dossiers?campaign_id={cid}")["items"]
        did = dossier["id"]
        dossier = drafter.ok("get", f"/api/v1/dossiers/{did}")
        drafter.ok("patch", f"/api/v1/dossiers/{did}", json={
            "version": dossier["version"], "summary": "Báo cáo tổng kết phong trào",
            "council_meeting_date": today().isoformat(), "council_members_total": 9,
            "council_members_present": 9, "council_chair": "Đỗ Minh Đức",
            "council_secretary": "Vũ Thị Hạnh",
            # as offices write it (the Sở), or the number alone (the ward's data gives the
            # council's symbol): both print …/BB-HĐTĐKT
            "council_minutes_number": "07/BB-HĐTĐKT" if unit == "SGDDTHP" else 7,
            "council_started_at": "08:00", "council_ended_at": "09:30",
            "council_members": "Ông Đỗ Minh Đức\nBà Vũ Thị Hạnh",
            "results": [{"target_id": target, "value": 99.5}]})
        ids = [drafter.ok("post", f"/api/v1/dossiers/{did}/nominees", status=201, json=n)["id"]
               for n in nominees[unit]]
        for kind, nominee in [("to_trinh", None), ("bien_ban", None)] + [
                ("bao_cao_thanh_tich", n) for n in ids]:
            data = {"kind": kind, "file": (io.BytesIO(PDF), f"{kind}.pdf")}
            if nominee:
                data["nominee_id"] = str(nominee)
            drafter.ok("post", f"/api/v1/dossiers/{did}/attachments", status=201, data=data,
                       content_type="multipart/form-data")
        drafter.step("dossier", did, "submit")
        head.step("dossier", did, "sign_off")
        appraiser.step("dossier", did, "start_appraisal")
        for nid in ids:
            appraiser.ok("put", f"/api/v1/dossiers/{did}/nominees/{nid}/verdict",
                         json={"verdict": "accepted"})
        appraiser.step("dossier", did, "complete_appraisal")
        items[unit] = (plan["id"], did, ids)

    # -- two decisions: the first takes the register's next number, the second the
    # number the Office gave it --------------------------------------------------------------
    def compose(nominee_ids):
        dec = appraiser.ok("post", "/api/v1/decisions", status=201,
                           json={"campaign_id": cid, "award_form": "BKCT"})
        appraiser.ok("post", f"/api/v1/decisions/{dec['id']}/nominees",
                     json={"nominee_ids": nominee_ids})
        appraiser.step("decision", dec["id"], "submit")
        board.step("decision", dec["id"], "sign_proposal")
        chairman.step("decision", dec["id"], "approve", authority="KT")
        return dec["id"]

    first = compose(items["SGDDTHP"][2])
    second = compose(items["PHB"][2])
    clerk.step("decision", first, "issue")
    assert clerk.ok("get", f"/api/v1/decisions/{first}")["number"] == "1205/QĐ-UBND"
    refused = clerk.fire("decision", second, "issue", number=1205)
    assert refused.status_code in (409, 422), refused.get_json()
    assert "1205" in refused.get_json()["error"]["message"]
    assert clerk.ok("get", f"/api/v1/decisions/{second}")["state"] == "approved"
    clerk.step("decision", second, "issue", number=1210, issued_on=today().isoformat())
    assert clerk.ok("get", f"/api/v1/decisions/{second}")["number"] == "1210/QĐ-UBND"

    # -- issued electronically, by the city's own signer and seal ----------------------------
    blocks, text = _issued_pdf(clerk, first, tmp_path)
    assert len(blocks) == 2 and all("Signature is Valid." in b for b in blocks), blocks
    assert "Hoàng Minh Tuấn" in blocks[0] and CITY_NAME in blocks[1]
    text = " ".join(text.split())
    assert "Số: 1205/QĐ-UBND" in text and "Hải Phòng, ngày" in text
    assert "KT. CHỦ TỊCH" in text and "Hoàng Minh Tuấn" in text
    for word in DEMO_WORDS:
        assert word not in text and word not in "".join(blocks), word

    # -- every paper, read back --------------------------------------------------------------
    files = {}
    papers = _papers(board, "campaign", cid, files)
    for unit in staff:
        plan_id, did, _ = items[unit]
        papers |= (_papers(staff[unit], "plan", plan_id, files)
                   | _papers(staff[unit], "dossier", did, files))
    for dec in (first, second):
        papers |= _papers(clerk, "decision", dec, files)
    _structure(files, cid, items, first, second)
    assert len(papers) >= 13, sorted(papers)
    for name, text in papers.items():
        for word in DEMO_WORDS:
            assert word not in text, (name, word)
        assert not TINH.search(text), (name, TINH.search(text).string)  # a city's papers

    # the award history: a centrally-run city's People's Committee decides at cấp tỉnh
    [subject] = board.ok("get", "/api/v1/awards?q=Phùng Văn Đạt")["items"]
    history = board.ok("get", f"/api/v1/awards/{subject['id']}/history")["awards"]
    assert history and {r["issuing_level"] for r in history} == {"Cấp tỉnh"}
    _crawl_city_pages(app, cid, items, first)

    launch = next(t for n, t in papers.items() if n.startswith("campaign:"))
    assert "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HẢI PHÒNG" in launch
    assert "Hải Phòng, ngày" in launch
    assert "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH" in launch, launch
    assert "Hoàng Minh Tuấn" in launch

    decision = papers[next(n for n in papers if n.startswith("decision:")
                           and "1205/QĐ-UBND" in papers[n] and "QUYẾT ĐỊNH" in papers[n])]
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG" in decision
    assert QUY_CHE in decision, decision
    assert "Quỹ thi đua, khen thưởng của thành phố" in decision
    assert "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH" in decision and "TM. ỦY BAN NHÂN DÂN" not in decision
    assert "Sở Tài chính" in decision
    assert "Trường Trung học phổ thông Ngô Quyền" in decision
    assert any("1210/QĐ-UBND" in t for t in papers.values())

    sgd = "\n".join(t for n, t in papers.items()
                    if n.startswith(("plan:", "dossier:")) and "SỞ GIÁO DỤC VÀ ĐÀO TẠO" in t)
    assert "/KH-SGDĐT" in sgd and "/TTr-SGDĐT" in sgd, sgd
    assert "GIÁM ĐỐC\n" in sgd and "TM. ỦY BAN NHÂN DÂN" not in sgd
    ward = "\n".join(t for n, t in papers.items()
                     if n.startswith(("plan:", "dossier:")) and "PHƯỜNG HỒNG BÀNG" in t)
    assert "/TTr-UBND" in ward and "/KH-UBND" in ward, ward
    assert "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH" in ward
    assert "Trịnh Văn Lực" in ward


TINH = re.compile(r"\btỉnh\b", re.IGNORECASE)


def _crawl_city_pages(app, cid, items, decision_id):
    """A city's main pages, as each role reads them, never say "tỉnh" (the level of the
    award history, «Cấp tỉnh», is the law's name of the level: item 9 of issue 20)."""
    visits = {
        "canbo.phb": ["/", "/campaigns", f"/campaigns/{cid}", f"/plans/{items['PHB'][0]}",
                      f"/dossiers/{items['PHB'][1]}",
                      "/khen-thuong/"],
        "truongban.hp": ["/", f"/campaigns/{cid}", f"/campaigns/{cid}/nominees",
                         f"/plans/{items['SGDDTHP'][0]}", f"/dossiers/{items['SGDDTHP'][1]}",
                         "/decisions", f"/decisions/{decision_id}", "/tong-quan"],
        "phochutich.hp": ["/", f"/decisions/{decision_id}"],
        "vanthu.hp": ["/", f"/decisions/{decision_id}"],
    }
    limiter.reset()  # the nine API sign-ins above count against the per-minute limit
    for username, urls in visits.items():
        _visit(app, username, urls)


def _visit(app, username, urls):
    # its own app context: the test's one holds the user the last API request signed in
    with app.app_context():
        client = app.test_client()
        assert login(client, username, PASSWORD).status_code == 302
        for url in urls:
            r = client.get(url)
            assert r.status_code == 200, (username, url, r.status_code)
            shown = re.sub(r"<[^>]+>", " ", r.get_data(as_text=True)).replace("Cấp tỉnh", "")
            assert not TINH.search(shown), (username, url, shown[max(
                0, TINH.search(shown).start() - 80):TINH.search(shown).end() + 80])


PHRASE = "phong trào thi đua cao điểm chào mừng kỷ niệm ngày giải phóng thành phố"
FORM = "Bằng khen của Chủ tịch Ủy ban nhân dân thành phố"
CITY = ("ỦY BAN NHÂN DÂN", "THÀNH PHỐ HẢI PHÒNG")
PARENT = "UBND THÀNH PHỐ HẢI PHÒNG"


def _structure(files, cid, items, first, second):
    """The city's papers pass the same structure checks as the test province's
    (tests/docgen/test_structure.py), with the city's own names and words."""
    on = f"Hải Phòng, {t.long_date(today())}"
    launch = files[f"campaign:{cid}:launch"]
    assert_formal(launch)
    assert_letterhead(launch, CITY, "Số: 01/KH-UBND", on)
    assert_title(launch, "KẾ HOẠCH", f"Phát động {PHRASE}")
    assert_closing(launch, ["- Thường trực Thành ủy;", "- Các sở, ban, ngành thành phố;",
                            "- UBND các phường, xã;", "- Lưu: VT, SNV."],
                   ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), "Hoàng Minh Tuấn")
    ward_on = f"Hồng Bàng, {t.long_date(today())}"  # a ward's own place, not the city's
    units = {"SGDDTHP": (("SỞ GIÁO DỤC VÀ ĐÀO TẠO",), "SGDĐT", ("GIÁM ĐỐC",), "Đỗ Minh Đức",
                         PARENT, on),
             "PHB": (("ỦY BAN NHÂN DÂN", "PHƯỜNG HỒNG BÀNG"), "UBND",
                     ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), "Trịnh Văn Lực", None, ward_on)}
    for unit, (issuer, abbreviation, authority, name, parent, dated) in units.items():
        plan_id, did, _ = items[unit]
        plan = files[f"plan:{plan_id}:plan"]
        assert_formal(plan)
        assert_letterhead(plan, issuer, f"Số: 01/KH-{abbreviation}", dated, parent=parent)
        assert_title(plan, "KẾ HOẠCH", f"Hưởng ứng {PHRASE}")
        assert_closing(plan, ["- Sở Nội vụ (Ban TĐKT);", "- Lưu: VT."], authority, name)
        proposal = files[f"dossier:{did}:proposal"]
        assert_formal(proposal)
        assert_letterhead(proposal, issuer, f"Số: 01/TTr-{abbreviation}", dated, parent=parent)
        assert_title(proposal, "TỜ TRÌNH", f"Đề nghị tặng {FORM} cho tập thể, cá nhân có thành "
                                           f"tích xuất sắc trong {PHRASE}")
        assert_closing(proposal, ["- Như trên;", "- Sở Nội vụ (Ban TĐKT);", "- Lưu: VT."],
                       authority, name)
        minutes = files[f"dossier:{did}:minutes"]
        assert_page(minutes)
        assert_fonts(minutes)
        assert_draft(minutes, False)
        assert_letterhead(minutes, issuer, "Số: 07/BB-HĐTĐKT", dated, parent=parent)
    for dec, number in ((first, "1205"), (second, "1210")):
        decision = files[f"decision:{dec}:decision"]
        assert_formal(decision)
        assert_letterhead(decision, CITY, f"Số: {number}/QĐ-UBND", on)
        assert_title(decision, "QUYẾT ĐỊNH", f"Về việc tặng {FORM}")
        assert_closing(decision, ["- Như Điều 3;", "- CT, các PCT UBND thành phố;",
                                  "- Sở Tài chính;", "- Lưu: VT, SNV."],
                       ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), "Hoàng Minh Tuấn")
        proposal = files[f"decision:{dec}:proposal"]
        assert_formal(proposal)
        assert_letterhead(proposal, ("SỞ NỘI VỤ",),
                          f"Số: {'01' if dec == first else '02'}/TTr-SNV", on, parent=PARENT)
        assert_closing(proposal, ["- Như trên;", "- Lưu: VT, Ban TĐKT."], ("GIÁM ĐỐC",),
                       "Lê Quang Đạo")
        certificates = files[f"decision:{dec}:certificates"]
        assert_fonts(certificates)
        assert_draft(certificates, False)
