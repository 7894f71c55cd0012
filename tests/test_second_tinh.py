"""A second province (a tỉnh, not the demo's and not a centrally-run city) issues a
decision electronically through the same flow, set up by the operators' commands and run
through the API alone: its Chủ tịch signs at approval, its Văn phòng's Văn thư numbers,
dates and seals with its Ủy ban's seal. pdfsig and pyHanko read the issued PDF: the
province's names, its Chủ tịch's and its Ủy ban's certificates. Its Sở's Văn thư may not
issue the decision (issue 21 §3: each body's Văn thư issues its own body's papers)."""
import csv
import io
import secrets
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from app.clock import today
from tests.esign.support import pdfsig, pdftotext, signature_blocks
from tests.helpers import PDF
from tests.test_second_province import PASSWORD, Api, _cli

PROVINCE = "Ủy ban nhân dân tỉnh Cao Bằng"
CHAIRMAN = "Nông Văn Thành"
OFFICE = "Văn phòng Ủy ban nhân dân tỉnh"
UNITS = [
    {"code": "CB", "name": PROVINCE, "kind": "province",
     "header_lines": "ỦY BAN NHÂN DÂN | TỈNH CAO BẰNG", "place_name": "Cao Bằng",
     "head_title": "Chủ tịch", "locality": "tỉnh", "collective_name": "Ủy ban nhân dân",
     "collective_papers": "cong_van,ke_hoach", "abbreviation": "UBND",
     "email": "ubnd@caobang.test"},
    {"code": "VPCB", "name": OFFICE, "kind": "office", "parent_code": "CB",
     "header_lines": "VĂN PHÒNG", "parent_header": "UBND TỈNH CAO BẰNG",
     "head_title": "Chánh", "abbreviation": "VP", "email": "vp@caobang.test"},
    {"code": "SNVCB", "name": "Sở Nội vụ", "kind": "department", "parent_code": "CB",
     "header_lines": "SỞ NỘI VỤ", "parent_header": "UBND TỈNH CAO BẰNG",
     "head_title": "Giám đốc", "abbreviation": "SNV", "email": "snv@caobang.test"},
    {"code": "SYTCB", "name": "Sở Y tế", "kind": "department", "parent_code": "CB",
     "header_lines": "SỞ Y TẾ", "parent_header": "UBND TỈNH CAO BẰNG",
     "head_title": "Giám đốc", "abbreviation": "SYT", "email": "syt@caobang.test"},
]
USERS = [  # username, role, unit, full name, signing title
    ("canbo.cb", "unit_staff", "SYTCB", "Hà Thị Liên", None),
    ("giamdoc.cb", "unit_head", "SYTCB", "Lý Văn Sơn", "GIÁM ĐỐC"),
    ("chuyenvien.cb", "board_appraiser", "SNVCB", "Đàm Thị Huệ", None),
    ("truongban.cb", "board_head", "SNVCB", "Bế Văn Kiên", "GIÁM ĐỐC"),
    ("chutich.cb", "chairman", "CB", CHAIRMAN, "CHỦ TỊCH"),
    ("vanthu.cb", "office_clerk", "VPCB", "La Thị Nga", None),
    ("vanthu.snvcb", "office_clerk", "SNVCB", "Hoàng Thị Lụa", None),
]
OTHER_PLACES = ("Lạng Sơn", "LẠNG SƠN", "Hải Phòng", "HẢI PHÒNG", "Đông Kinh")


@pytest.fixture
def tinh(app, ctx, tmp_path, monkeypatch):
    """The province, its people, its register and its certificates, by the commands alone."""
    runner = app.test_cli_runner()
    _cli(runner, "seed", "reference")
    units = tmp_path / "units.csv"
    with units.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=sorted({k for u in UNITS for k in u}))
        writer.writeheader()
        writer.writerows(UNITS)
    assert "4 created" in _cli(runner, "units", "import", units)
    for username, role, unit, full_name, title in USERS:
        args = ["users", "create", "--username", username, "--password", PASSWORD, "--unit",
                unit, "--full-name", full_name, "--email", f"{username}@caobang.test",
                "--role", role]
        _cli(runner, *(args + (["--signing-title", title] if title else [])))
    assert "next 311" in _cli(runner, "registers", "set", "CB", "QĐ", today().year, 310)
    directory = Path(app.instance_path) / "signing" / f"test-cb-{secrets.token_hex(4)}"
    _cli(runner, "signing", "demo-ca", directory, "--name", "Demo Cao Bằng")
    _cli(runner, "signing", "certificate", directory, "ct-cb", "--name", CHAIRMAN,
         "--organisation", PROVINCE, "--title", "Chủ tịch")
    _cli(runner, "signing", "certificate", directory, "ubnd-cb", "--name", PROVINCE,
         "--organisation", PROVINCE, "--seal")
    for key, name in (("SIGNING_TRUST_ROOTS", "root.pem"),
                      ("SIGNING_INTERMEDIATES", "sub-ca.pem"), ("SIGNING_CRLS", "sub-ca.crl")):
        monkeypatch.setitem(app.config, key, str(directory / name))
    _cli(runner, "signing", "register-user", "chutich.cb", directory / "ct-cb.p12")
    _cli(runner, "signing", "register-unit", "CB", directory / "ubnd-cb.p12")
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def _approved_decision(who) -> int:
    """A campaign, Sở Y tế's dossier with one nominee, appraised, and the decision signed
    digitally by the Chủ tịch at approval (the Board head has no certificate: his tờ
    trình follows the paper path)."""
    board, appraiser, staff, head = (who[u] for u in (
        "truongban.cb", "chuyenvien.cb", "canbo.cb", "giamdoc.cb"))
    start = today()
    campaign = board.ok("post", "/api/v1/campaigns", status=201, json={
        "code": f"CB-{start.year}-BIENGIOI",
        "title": "Phong trào thi đua xây dựng biên giới hòa bình, hữu nghị",
        "theme": "Chung sức xây dựng biên giới hòa bình, hữu nghị, hợp tác",
        "purpose": "Động viên các cơ quan, đơn vị thi đua hoàn thành nhiệm vụ.",
        "period_start": start.isoformat(), "period_end": (start + timedelta(days=30)).isoformat(),
        "plan_deadline": start.isoformat(), "dossier_deadline": start.isoformat(),
        "accepts_late": True, "vote_threshold": 70, "launch_type": "ke_hoach",
        "contents": [{"title": "Thi đua chăm sóc sức khỏe nhân dân vùng biên",
                      "targets": [{"label": "Trạm y tế đạt chuẩn", "measure_unit": "%",
                                   "value": 90}]}],
        "award_forms": [{"code": "BKCT", "quota_per_unit": 5}],
        "participants": ["SYTCB"], "signer": "chutich.cb"})
    cid = campaign["id"]
    board.step("campaign", cid, "launch")
    [dossier] = staff.ok("get", f"/api/v1/dossiers?campaign_id={cid}")["items"]
    did = dossier["id"]
    dossier = staff.ok("get", f"/api/v1/dossiers/{did}")
    staff.ok("patch", f"/api/v1/dossiers/{did}", json={
        "version": dossier["version"], "summary": "Báo cáo tổng kết phong trào",
        "council_meeting_date": today().isoformat(), "council_members_total": 7,
        "council_members_present": 7, "council_chair": "Lý Văn Sơn",
        "council_secretary": "Hà Thị Liên", "council_minutes_number": "05/BB-HĐTĐKT",
        "council_started_at": "08:00", "council_ended_at": "09:00",
        "council_members": "Ông Lý Văn Sơn\nBà Hà Thị Liên",
        "results": [{"target_id": campaign["contents"][0]["targets"][0]["id"], "value": 95}]})
    nominee = staff.ok("post", f"/api/v1/dossiers/{did}/nominees", status=201, json={
        "kind": "individual", "name": "Triệu Thị Mai", "title": "Bà",
        "position_title": "Trạm trưởng", "organisation": "Trạm Y tế xã Đàm Thủy",
        "award_form": "BKCT", "votes_for": 7})["id"]
    for kind, nominee_id in (("to_trinh", None), ("bien_ban", None),
                             ("bao_cao_thanh_tich", nominee)):
        data = {"kind": kind, "file": (io.BytesIO(PDF), f"{kind}.pdf")}
        if nominee_id:
            data["nominee_id"] = str(nominee_id)
        staff.ok("post", f"/api/v1/dossiers/{did}/attachments", status=201, data=data,
                 content_type="multipart/form-data")
    staff.step("dossier", did, "submit")
    head.step("dossier", did, "sign_off")
    appraiser.step("dossier", did, "start_appraisal")
    appraiser.ok("put", f"/api/v1/dossiers/{did}/nominees/{nominee}/verdict",
                 json={"verdict": "accepted"})
    appraiser.step("dossier", did, "complete_appraisal")
    decision = appraiser.ok("post", "/api/v1/decisions", status=201,
                            json={"campaign_id": cid, "award_form": "BKCT"})
    appraiser.ok("post", f"/api/v1/decisions/{decision['id']}/nominees",
                 json={"nominee_ids": [nominee]})
    appraiser.step("decision", decision["id"], "submit")
    board.step("decision", decision["id"], "sign_proposal")
    who["chutich.cb"].step("decision", decision["id"], "approve")
    return decision["id"]


def _certificates(data: bytes, directory: Path):
    """pyHanko: each signature's bottom line (trusting the province's CA) and its signer's
    certificate's subject."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from app.esign import aio

    def load(name):
        return asn1_x509.Certificate.load(pem.unarmor((directory / name).read_bytes())[2])

    context = ValidationContext(trust_roots=[load("root.pem")], other_certs=[load("sub-ca.pem")],
                                allow_fetching=False)
    reader = PdfFileReader(io.BytesIO(data))

    async def run():
        return [(await async_validate_pdf_signature(sig, context, context)).bottom_line
                for sig in reader.embedded_signatures]

    return aio.run(run()), [sig.signer_cert.subject.human_friendly
                            for sig in reader.embedded_signatures]


def test_a_second_province_issues_electronically_with_its_own_seal_and_names(
        app, tinh, tmp_path):
    who = {u[0]: Api(app.test_client(), u[0]) for u in USERS}
    decision_id = _approved_decision(who)
    clerk, snv_clerk = who["vanthu.cb"], who["vanthu.snvcb"]

    # its Sở Nội vụ's Văn thư sees the decision (her body signed its tờ trình) but may not
    # issue it: only the Văn thư of the Ủy ban's Văn phòng
    refused = snv_clerk.fire("decision", decision_id, "issue")
    assert refused.status_code == 403, refused.get_json()
    assert f"Văn thư của {OFFICE}" in refused.get_json()["error"]["message"]
    assert clerk.ok("get", f"/api/v1/decisions/{decision_id}")["state"] == "approved"

    clerk.step("decision", decision_id, "issue")
    assert clerk.ok("get", f"/api/v1/decisions/{decision_id}")["number"] == "311/QĐ-UBND"
    r = clerk.get(f"/api/v1/decisions/{decision_id}/signed-pdfs/decision_issued_pdf")
    assert r.status_code == 200, r.get_json()
    data = r.data
    r.close()
    path = tmp_path / "issued.pdf"
    path.write_bytes(data)

    blocks = signature_blocks(pdfsig(path))
    assert len(blocks) == 2 and all("Signature is Valid." in b for b in blocks), blocks
    assert all("ETSI.CAdES.detached" in b and "SHA-256" in b for b in blocks)
    assert "Not total document signed" in blocks[0]
    assert CHAIRMAN in blocks[0] and PROVINCE in blocks[1]
    valid, subjects = _certificates(data, tinh)
    assert valid == [True, True]
    assert CHAIRMAN in subjects[0] and PROVINCE in subjects[1] and CHAIRMAN not in subjects[1]
    text = " ".join(pdftotext(path).split())
    assert "Số: 311/QĐ-UBND" in text and "Cao Bằng, ngày" in text
    assert "ỦY BAN NHÂN DÂN TỈNH CAO BẰNG" in text and "CHỦ TỊCH" in text and CHAIRMAN in text
    assert "Triệu Thị Mai" in text
    for word in OTHER_PLACES:
        assert word not in text and word not in "".join(blocks + subjects), word
