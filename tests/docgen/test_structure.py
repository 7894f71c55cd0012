"""The generated documents, opened with python-docx, against Nghị định 30/2020 (Phụ lục I)
and against the records they are written from."""
import json
from datetime import UTC, date

import pytest
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH

from app import docgen
from app.docgen import text as t
from app.extensions import db
from app.models import Decision, Plan
from app.services import documents, org, reference
from tests import helpers
from tests.docgen.structure import (
    assert_appendix,
    assert_closing,
    assert_draft,
    assert_fonts,
    assert_formal,
    assert_letterhead,
    assert_page,
    assert_title,
    body_texts,
)
from tests.docgen.support import (
    CAMPAIGN_PHRASE,
    DECISION_RECIPIENTS,
    EXPECTED_LIST,
    PDK_NOMINEES,
    PLAN_COMMITMENTS,
    STRUCK,
    SYT_NOMINEES,
    after,
    assert_format,
    document,
    legal_bases_on,
    nonblank,
    open_docx,
    paragraphs,
    scenario,
    signed_plan,
    starting,
    text_runs,
    texts,
    the,
    utc_at,
)

# Under `make test-s3` (marked storage): the tests that read a kept final back through
# storage, and of a parametrized one only its first case (the others differ in dates and
# wording, not in how the paper is kept and read). Drafts are rendered, never stored.
CENTER = WD_ALIGN_PARAGRAPH.CENTER
FORM = "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh"


def short(d):
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


# -- the decision --------------------------------------------------------------------------------


ISSUE_DATES = [
    # (local issue date, local hour:minute, the date line)
    (date(2027, 2, 5), (10, 0), "Lạng Sơn, ngày 05 tháng 02 năm 2027"),
    # 00:30 in Hà Nội is still the day before in UTC: the local date must be printed
    (date(2026, 11, 27), (0, 30), "Lạng Sơn, ngày 27 tháng 11 năm 2026"),
    # before 01/7/2025 other Căn cứ lines were in force; March takes no leading zero
    (date(2025, 3, 4), (15, 0), "Lạng Sơn, ngày 04 tháng 3 năm 2025"),
]


@pytest.mark.parametrize("on, at, date_line", [
    pytest.param(*case, id=str(case[0]), marks=[pytest.mark.storage] if i == 0 else [])
    for i, case in enumerate(ISSUE_DATES)])
def test_issued_decision(world, frozen, on, at, date_line):
    frozen(utc_at(on, *at))
    s = scenario(world)
    decision = s.decision
    assert decision.state == "issued" and decision.number == 1 and decision.issued_on == on
    data, _, sha = document("decision", decision, "decision")
    assert sha is not None
    doc = open_docx(data)

    assert_formal(doc)
    assert_letterhead(doc, ("ỦY BAN NHÂN DÂN", "TỈNH LẠNG SƠN"), "Số: 01/QĐ-UBND", date_line)
    assert_title(doc, "QUYẾT ĐỊNH", f"Về việc tặng {FORM}")
    authority = the(doc, "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN")
    assert_format(authority, size=14, bold=True)
    assert authority.alignment == CENTER

    # Căn cứ: the legal bases in force on the issue date, in order, then the launch document,
    # then the Board's tờ trình; all italic.
    bases = legal_bases_on(on)
    assert bases and [b.text for b in reference.legal_bases("decision", on)] == bases
    launch = (f"Căn cứ Kế hoạch số 01/KH-UBND ngày {short(s.campaign.launch_date)} của Ủy ban "
              f"nhân dân tỉnh Lạng Sơn về {CAMPAIGN_PHRASE};")
    proposal = (f"Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 01/TTr-SNV ngày "
                f"{short(on)}.")
    expected_preamble = bases + [launch, proposal]
    assert after(doc, "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN", len(expected_preamble) + 1) == (
        expected_preamble + ["QUYẾT ĐỊNH:"])
    for line in expected_preamble:
        assert_format(the(doc, line), italic=True, bold=False)
    assert_format(the(doc, "QUYẾT ĐỊNH:"), bold=True)
    assert the(doc, "QUYẾT ĐỊNH:").alignment == CENTER

    start, end = s.campaign.period_start, s.campaign.period_end
    articles = [
        ("Điều 1.", f"Tặng {FORM} cho 02 tập thể và 03 cá nhân (có danh sách kèm theo), đã có "
                    f"thành tích xuất sắc trong {CAMPAIGN_PHRASE} (từ ngày {short(start)} đến "
                    f"ngày {short(end)})."),
        ("Điều 2.", f"Tiền thưởng kèm theo {FORM} thực hiện theo quy định hiện hành, từ nguồn "
                    f"Quỹ thi đua, khen thưởng của tỉnh năm {on.year}."),
        ("Điều 3.", "Quyết định này có hiệu lực kể từ ngày ký."),
    ]
    assert after(doc, "QUYẾT ĐỊNH:", 4) == [f"{lead} {body}" for lead, body in articles] + [
        "Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc Sở Nội vụ, Thủ trưởng các cơ quan, đơn vị "
        "có liên quan và các tập thể, cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết "
        "định này./."]
    for lead, body in articles:
        runs = text_runs(the(doc, f"{lead} {body}"))
        assert runs[0].text.strip() == lead and runs[0].bold
        assert all(not r.bold for r in runs[1:]) and "".join(r.text for r in runs[1:]) == body

    # Nơi nhận: the decision's own recipients, as the distribution list gave them
    assert [r.label for r in decision.recipients] == [
        r["label"] for r in helpers.DECISION_RECIPIENTS]
    assert t.recipients(r.label for r in decision.recipients) == tuple(DECISION_RECIPIENTS)
    assert_closing(doc, DECISION_RECIPIENTS, ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), "Đoàn Thị Hậu")

    assert_appendix(
        doc, "DANH SÁCH", f"TẬP THỂ, CÁ NHÂN ĐƯỢC TẶNG {FORM.upper()}",
        f"(Kèm theo Quyết định số 01/QĐ-UBND {t.long_date(on)} của Chủ tịch Ủy ban nhân dân "
        f"tỉnh Lạng Sơn)", EXPECTED_LIST)
    assert not any(STRUCK in x for x in texts(doc))
    # the file's properties: the trích yếu, the issuing body, the moment it was made
    props = doc.core_properties
    assert props.title == f"Về việc tặng {FORM}"
    assert props.author == "Ủy ban nhân dân tỉnh Lạng Sơn"
    assert props.created == props.modified == utc_at(on, *at).replace(tzinfo=UTC)


def test_draft_decision_and_draft_papers(world, frozen):
    """Before issuance: no number, blank date, marked DỰ THẢO, in the file's title too."""
    on = date(2027, 2, 5)
    frozen(utc_at(on))
    s = scenario(world, until="approved")
    decision = s.decision
    assert decision.state == "approved" and decision.number is None and decision.issued_on is None
    data, filename, sha = document("decision", decision, "decision")
    assert sha is None and filename.startswith("Dự thảo - ")
    doc = open_docx(data)
    assert_formal(doc, draft=True)
    assert doc.core_properties.title == f"DỰ THẢO – Về việc tặng {FORM}"
    assert_letterhead(doc, ("ỦY BAN NHÂN DÂN", "TỈNH LẠNG SƠN"), "Số:        /QĐ-UBND",
                      "Lạng Sơn, ngày      tháng      năm 2027")
    # the list is the approved one, with its blank reference
    assert_appendix(
        doc, "DANH SÁCH", f"TẬP THỂ, CÁ NHÂN ĐƯỢC TẶNG {FORM.upper()}",
        "(Kèm theo Quyết định số        /QĐ-UBND ngày      tháng      năm 2027 của Chủ tịch Ủy "
        "ban nhân dân tỉnh Lạng Sơn)", EXPECTED_LIST)
    # the Board's tờ trình is already signed and numbered: the decision cites it
    the(doc, f"Theo đề nghị của Giám đốc Sở Nội vụ tại Tờ trình số 01/TTr-SNV ngày {short(on)}.")

    certificates = open_docx(document("decision", decision, "certificates")[0])
    assert_draft(certificates, True)
    assert starting(certificates, "Quyết định số        /QĐ-UBND")
    assert not any("01/QĐ-UBND" in x for x in texts(certificates))



# -- the launch document, as each launch type ---------------------------------------------------


LAUNCH = {
    "ke_hoach": ("KẾ HOẠCH", f"Phát động {CAMPAIGN_PHRASE}", "01/KH-UBND", "Kế hoạch"),
    "chi_thi": ("CHỈ THỊ", f"Về việc phát động {CAMPAIGN_PHRASE}", "01/CT-UBND", "Chỉ thị"),
    "cong_van": (None, None, "01/UBND-SNV", "Văn bản"),
}


@pytest.mark.parametrize("launch_type", [
    pytest.param(kind, marks=[pytest.mark.storage] if i == 0 else [])
    for i, kind in enumerate(LAUNCH)])
def test_launch_document(world, frozen, launch_type):
    on = date(2027, 2, 5)
    frozen(utc_at(on))
    kind_title, summary, number, cited_as = LAUNCH[launch_type]
    unlaunched = helpers.make_campaign(world, launch=False, launch_type=launch_type)
    draft = open_docx(document("campaign", unlaunched, "launch")[0])
    assert_formal(draft, draft=True)
    assert the(draft, f"Số:        /{number.split('/')[1]}")

    campaign = helpers.make_campaign(world, launch_type=launch_type)
    assert campaign.launch_number == number and campaign.launch_date == on
    data, _, sha = document("campaign", campaign, "launch")
    assert sha is not None
    doc = open_docx(data)
    assert_formal(doc)
    assert_letterhead(doc, ("ỦY BAN NHÂN DÂN", "TỈNH LẠNG SƠN"), f"Số: {number}",
                      "Lạng Sơn, ngày 05 tháng 02 năm 2027")
    all_texts = texts(doc)
    # the body: after the type name and trích yếu, or after a công văn's Kính gửi and its two
    body = body_texts(doc)[2 if kind_title else 3:]
    # NĐ 30: the text ends "./." and nothing of the body follows it before Nơi nhận
    assert body[-1].endswith("./.")
    assert sum(x.endswith("./.") for x in body) == 1
    deadlines = ("gửi kế hoạch hưởng ứng về Sở Nội vụ (Ban Thi đua - Khen thưởng) trước ngày "
                 "15/02/2027; gửi hồ sơ đề nghị khen thưởng trước ngày 16/04/2027")
    if kind_title:
        assert_title(doc, kind_title, summary)
        assert not any(x.startswith(("V/v", "Kính gửi")) for x in all_texts)
    if launch_type == "ke_hoach":
        # headings I–IV; deadlines and award forms inside IV, before the closing
        assert body[0] == f"Ủy ban nhân dân tỉnh Lạng Sơn phát động {CAMPAIGN_PHRASE} như sau:"
        for heading in ("I. MỤC ĐÍCH, Ý NGHĨA, YÊU CẦU", "II. THỜI GIAN, CHỦ ĐỀ THI ĐUA",
                        "III. NỘI DUNG THI ĐUA", "IV. TỔ CHỨC THỰC HIỆN"):
            assert_format(the(doc, heading), bold=True)
        the(doc, f"1. Thời gian: Từ ngày {short(campaign.period_start)} đến ngày "
                 f"{short(campaign.period_end)}.")
        assert after(doc, "III. NỘI DUNG THI ĐUA", 8) == [
            "1. Thi đua đẩy mạnh công tác cải cách hành chính", "Chỉ tiêu thi đua:",
            "- Hồ sơ giải quyết đúng hạn: tối thiểu 99%;",
            "2. Thi đua thúc đẩy tăng trưởng kinh tế", "Chỉ tiêu thi đua:",
            "- Doanh nghiệp thành lập mới: tối thiểu 100 doanh nghiệp;",
            "- Thu ngân sách so với dự toán: tối thiểu 90%;", "IV. TỔ CHỨC THỰC HIỆN"]
        tail = body[body.index("IV. TỔ CHỨC THỰC HIỆN"):]
        assert f"Các cơ quan, đơn vị {deadlines}." in tail
        assert tail[-1] == "Hình thức khen thưởng: Danh hiệu Chiến sĩ thi đua cấp tỉnh./."
        assert (f"Hình thức khen thưởng: {FORM}, mỗi cơ quan, đơn vị đề nghị không quá 03 tập "
                f"thể, cá nhân.") in tail
    elif launch_type == "chi_thi":
        # directive prose, no Kế hoạch headings, no "phát động" by the Committee as a body;
        # numbered directives to the bodies it binds, from the Chairman
        assert not any(x.startswith(("I. ", "II. ", "III. ", "IV. ")) for x in body)
        assert not any("Ủy ban nhân dân tỉnh Lạng Sơn phát động" in x for x in body)
        asks = f"Để {CAMPAIGN_PHRASE} đạt kết quả thiết thực, Chủ tịch Ủy ban nhân dân tỉnh " \
               "Lạng Sơn yêu cầu:"
        assert asks in body
        bound = "Thủ trưởng các cơ quan, đơn vị (Sở Y tế, Ủy ban nhân dân phường Đông Kinh)"
        first = body[body.index(asks) + 1]
        assert first.startswith(f"1. {bound} tổ chức phát động, triển khai {CAMPAIGN_PHRASE} "
                                f"từ ngày {short(campaign.period_start)}")
        assert after(doc, first, 2) == ["a) Thi đua đẩy mạnh công tác cải cách hành chính",
                                        "Chỉ tiêu thi đua:"]
        the(doc, "b) Thi đua thúc đẩy tăng trưởng kinh tế")
        the(doc, f"2. Các cơ quan, đơn vị xây dựng kế hoạch hưởng ứng, {deadlines}.")
        the(doc, f"3. Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn xem xét tặng {FORM} cho tập thể, cá "
                 f"nhân có thành tích xuất sắc trong phong trào thi đua; mỗi cơ quan, đơn vị đề "
                 f"nghị không quá 03 tập thể, cá nhân.")
        assert body[-1] == (f"Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn yêu cầu t{bound[1:]} "
                            "nghiêm túc triển khai, thực hiện Chỉ thị này./.")
    else:
        # a công văn has no type name; its trích yếu "V/v …" sits under the number, 12 pt
        for name in ("KẾ HOẠCH", "CHỈ THỊ", "CÔNG VĂN", "QUYẾT ĐỊNH", "PHÁT ĐỘNG"):
            assert name not in all_texts
        left = [p.text for p in doc.tables[0].rows[0].cells[0].paragraphs if p.text.strip()]
        subject = f"V/v phát động {CAMPAIGN_PHRASE}"
        assert left[-2:] == [f"Số: {number}", subject]
        assert_format(the(doc, subject), size=12, bold=False, italic=False)
        # Kính gửi the bodies it addresses, one a line, right under the place and date
        assert after(doc, "Lạng Sơn, ngày 05 tháng 02 năm 2027", 3) == [
            "Kính gửi:", "- Sở Y tế;", "- Ủy ban nhân dân phường Đông Kinh."]
        assert body[0] == f"Ủy ban nhân dân tỉnh Lạng Sơn phát động {CAMPAIGN_PHRASE}, cụ thể " \
                          "như sau:"
        headings = [x for x in body if x[:2] in ("1.", "2.", "3.", "4.", "5.")]
        assert headings == ["1. Mục đích, yêu cầu", "2. Thời gian, chủ đề thi đua",
                            "3. Nội dung thi đua", "4. Hình thức khen thưởng",
                            "5. Tổ chức thực hiện"]
        # deadlines and award forms are inside the body, before its "./."
        assert body.index(f"{FORM}, mỗi cơ quan, đơn vị đề nghị không quá 03 tập thể, cá "
                          "nhân.") < body.index(f"Các cơ quan, đơn vị {deadlines}.") < len(body) - 1
        assert body[-1] == ("Ủy ban nhân dân tỉnh Lạng Sơn đề nghị các cơ quan, đơn vị triển khai "
                            "thực hiện./.")

    # the province issues its công văn and kế hoạch as the collective (data: the unit's
    # collective papers); a chỉ thị is the Chairman's
    collective = ("TM. ỦY BAN NHÂN DÂN",) if launch_type != "chi_thi" else ()
    to = ["- Như trên;"] if launch_type == "cong_van" else []  # those it is addressed to
    assert_closing(doc, [*to, "- Thường trực Tỉnh ủy;", "- Sở Nội vụ (Ban TĐKT);",
                         "- Lưu: VT, KG-VX."],
                   (*collective, "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), "Đoàn Thị Hậu")

    # the units' plans cite the launch document by its type, number and date
    plan = open_docx(document("plan", helpers.unit_item(Plan, campaign, "SYT"), "plan")[0])
    the(plan, f"Thực hiện {cited_as} số {number} ngày 05/02/2027 của Ủy ban nhân dân tỉnh Lạng Sơn "
              f"về {CAMPAIGN_PHRASE}, Sở Y tế xây dựng Kế hoạch hưởng ứng như sau:")


# -- the unit's papers: plan, tờ trình, minutes ---------------------------------------------------


@pytest.mark.storage
def test_unit_plan(world, frozen):
    on = date(2027, 2, 5)
    frozen(utc_at(on))
    campaign = helpers.make_campaign(world)
    plan = signed_plan(world, campaign)
    assert plan.number == 1 and plan.symbol == "KH-SYT" and plan.signed_on == on
    data, _, sha = document("plan", plan, "plan")
    assert sha is not None
    doc = open_docx(data)
    assert_formal(doc)
    assert_letterhead(doc, ("SỞ Y TẾ",), "Số: 01/KH-SYT", "Lạng Sơn, ngày 05 tháng 02 năm 2027",
                      parent="UBND TỈNH LẠNG SƠN")
    assert_title(doc, "KẾ HOẠCH", f"Hưởng ứng {CAMPAIGN_PHRASE}")
    expected = ["II. NỘI DUNG VÀ CHỈ TIÊU ĐĂNG KÝ"]
    for i, content in enumerate(campaign.contents, start=1):
        expected += [f"{i}. {content.title}", f"Sở triển khai: {content.title.lower()}."]
        for target in content.targets:
            value, note = PLAN_COMMITMENTS[target.label]
            unit = "%" if target.measure_unit == "%" else f" {target.measure_unit}"
            expected.append(f"- {target.label}: đăng ký {t.figure(value)}{unit}"
                            f"{f' ({note})' if note else ''};")
    expected.append("III. TỔ CHỨC THỰC HIỆN")
    assert expected[3] == "- Hồ sơ giải quyết đúng hạn: đăng ký 99,5%;"
    assert "- Doanh nghiệp thành lập mới: đăng ký 120 doanh nghiệp (toàn ngành);" in expected
    assert "- Thu ngân sách so với dự toán: đăng ký 92,25%;" in expected
    items = nonblank(doc)
    at = items.index("II. NỘI DUNG VÀ CHỈ TIÊU ĐĂNG KÝ")
    assert items[at:at + len(expected)] == expected
    assert after(doc, "I. MỤC ĐÍCH, YÊU CẦU", 1) == ["Hưởng ứng sôi nổi, thiết thực, hiệu quả."]
    assert_closing(doc, ["- Sở Nội vụ (Ban TĐKT);", "- Lưu: VT."], ("GIÁM ĐỐC",), "Trần Văn Bình")


@pytest.mark.storage
def test_unit_proposal_and_minutes(world, frozen):
    on = date(2027, 2, 5)
    frozen(utc_at(on))
    s = scenario(world, until="drafting")
    dossier = s.syt
    assert dossier.number == 1 and dossier.symbol == "TTr-SYT" and dossier.signed_on == on
    meeting = dossier.council_meeting_date
    assert meeting == on  # the council meets on the launch day at the earliest (a guard)

    doc = open_docx(document("dossier", dossier, "proposal")[0])
    assert_formal(doc)
    assert_letterhead(doc, ("SỞ Y TẾ",), "Số: 01/TTr-SYT", "Lạng Sơn, ngày 05 tháng 02 năm 2027",
                      parent="UBND TỈNH LẠNG SƠN")
    assert_title(doc, "TỜ TRÌNH", f"Đề nghị tặng {FORM} cho tập thể, cá nhân có thành tích xuất "
                                  f"sắc trong {CAMPAIGN_PHRASE}")
    the(doc, "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn.")
    assert_format(the(doc, f"Căn cứ Biên bản họp Hội đồng Thi đua - Khen thưởng Sở Y tế ngày "
                           f"{short(meeting)},"), italic=True)
    the(doc, f"Sở Y tế kính trình Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn xem xét, tặng {FORM} cho "
             f"01 tập thể và 02 cá nhân (có danh sách kèm theo) đã có thành tích xuất sắc trong "
             f"{CAMPAIGN_PHRASE}.")
    assert_closing(doc, ["- Như trên;", "- Sở Nội vụ (Ban TĐKT);", "- Lưu: VT."], ("GIÁM ĐỐC",),
                   "Trần Văn Bình")
    assert_appendix(doc, "DANH SÁCH", "TẬP THỂ, CÁ NHÂN ĐỀ NGHỊ KHEN THƯỞNG",
                    "(Kèm theo Tờ trình số 01/TTr-SYT ngày 05/02/2027 của Sở Y tế)", {
                        "I. TẬP THỂ (01)": [
                            f"1. Khoa Hồi sức cấp cứu, Bệnh viện Đa khoa tỉnh ({FORM}; 09/09 phiếu, "
                            f"đạt 100%);"],
                        "II. CÁ NHÂN (02)": [
                            f"1. Bà Nguyễn Thị Ánh Tuyết, Điều dưỡng trưởng, Bệnh viện Đa khoa "
                            f"tỉnh ({FORM}; 08/09 phiếu, đạt 88,89%);",
                            f"2. Ông Đặng Văn Ưng, Bác sĩ, Trung tâm Y tế huyện Lộc Bình ({FORM}; "
                            f"07/09 phiếu, đạt 77,78%)."]})

    # the council's minutes (NĐ 30 Phụ lục I, biên bản): its number in the unit's register,
    # start and end time, chair and secretary, the members present by name, the vote per
    # nominee, "./." and the two signatures; counts out of all members, decimal commas
    doc = open_docx(document("dossier", dossier, "minutes")[0])
    assert_page(doc)
    assert_fonts(doc)
    assert_draft(doc, False)
    assert_letterhead(doc, ("SỞ Y TẾ",), "Số: 03/BB-SYT", "Lạng Sơn, ngày 05 tháng 02 năm 2027",
                      parent="UBND TỈNH LẠNG SƠN")
    assert_title(doc, "BIÊN BẢN", "Họp Hội đồng Thi đua - Khen thưởng Sở Y tế")
    the(doc, f"Vào hồi 08 giờ 00 phút, ngày 05 tháng 02 năm 2027, tại Sở Y tế, Hội đồng Thi đua - "
             f"Khen thưởng Sở Y tế họp xét đề nghị khen thưởng trong {CAMPAIGN_PHRASE}.")
    members = [f"+ {m};" for m in helpers.COUNCIL_MEMBERS]
    members[-1] = members[-1][:-1] + "."
    assert after(doc, "I. THÀNH PHẦN", 13) == [
        "- Chủ trì: Trần Văn Bình.", "- Thư ký: Nguyễn Thị Lan.",
        "- Thành viên Hội đồng có mặt: 09/09 thành viên, gồm:", *members, "II. NỘI DUNG"]
    body = body_texts(doc)
    assert body[-1] == ("Cuộc họp kết thúc vào hồi 10 giờ 30 phút cùng ngày. Biên bản được lập "
                        "và thông qua tại cuộc họp./.")
    assert after(doc, "III. KẾT QUẢ BỎ PHIẾU", 5) == [
        f"1. Khoa Hồi sức cấp cứu, Bệnh viện Đa khoa tỉnh - {FORM}: 09/09 phiếu đồng ý, đạt 100%.",
        f"2. Bà Nguyễn Thị Ánh Tuyết, Điều dưỡng trưởng, Bệnh viện Đa khoa tỉnh - {FORM}: 08/09 "
        f"phiếu đồng ý, đạt 88,89%.",
        f"3. Ông Đặng Văn Ưng, Bác sĩ, Trung tâm Y tế huyện Lộc Bình - {FORM}: 07/09 phiếu đồng "
        f"ý, đạt 77,78%.",
        "IV. KẾT LUẬN",
        "Hội đồng thống nhất đề nghị khen thưởng 01 tập thể và 02 cá nhân đạt tỷ lệ phiếu đồng ý "
        "từ 70% trở lên."]
    assert "Nơi nhận:" not in texts(doc)
    left, right = doc.tables[1].rows[0].cells
    assert [p.text for p in left.paragraphs if p.text.strip()] == ["THƯ KÝ", "Nguyễn Thị Lan"]
    assert [p.text for p in right.paragraphs if p.text.strip()] == ["CHỦ TRÌ", "Trần Văn Bình"]

    # the other unit's tờ trình is numbered from its own register
    pdk = open_docx(document("dossier", s.pdk, "proposal")[0])
    assert_letterhead(pdk, ("ỦY BAN NHÂN DÂN", "PHƯỜNG ĐÔNG KINH"), "Số: 01/TTr-UBND",
                      "Đông Kinh, ngày 05 tháng 02 năm 2027")  # its own place
    # a commune's papers are its People's Committee's, signed for the collective
    assert_closing(pdk, ["- Như trên;", "- Sở Nội vụ (Ban TĐKT);", "- Lưu: VT."],
                   ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), "Lộc Văn Hùng")


# -- the Board's proposal and the certificates ----------------------------------------------------


def test_board_proposal_structure(world, frozen):
    """The Board's TỜ TRÌNH (NĐ 30 Phụ lục I; NĐ 98 Mẫu): Căn cứ from the reference data in
    force (the law, the decree, the province's own Quy chế when one is in force), the launch
    and the dossiers; the appraisal's summary with the nominees declined and why; the counts
    by award form; the money (multiplier × mức lương cơ sở in force); the request./."""
    on = date(2027, 2, 5)
    frozen(utc_at(on))
    # the province loads its own Quy chế as reference data: no code knows it
    reference.import_reference(json.dumps({"legal_bases": [{
        "code": "quy-che-tdkt-tinh-2026", "document_kind": "board_proposal", "position": 40,
        "text": "Căn cứ Quyết định số 99/2026/QĐ-UBND ngày 10 tháng 01 năm 2026 của Ủy ban "
                "nhân dân tỉnh Lạng Sơn ban hành Quy chế thi đua, khen thưởng;",
        "effective_from": "2026-01-20", "source_note": "[U] test"}]}))
    reason = "Chưa đủ thời gian công tác tại đơn vị theo Quy chế."
    s = scenario(world, strike=(), until="approved", declined={STRUCK: reason})
    doc = open_docx(document("decision", s.decision, "proposal")[0])
    assert_formal(doc)
    body = body_texts(doc)[3:]  # after TỜ TRÌNH, its trích yếu and Kính gửi
    bases = [b.text for b in reference.legal_bases("board_proposal", on)]
    assert bases[-1].startswith("Căn cứ Quyết định số 99/2026/QĐ-UBND")
    assert any(b.startswith("Căn cứ Luật Thi đua, khen thưởng") for b in bases)
    assert body[:len(bases) + 2] == bases + [
        f"Căn cứ Kế hoạch số 01/KH-UBND ngày 05/02/2027 của Ủy ban nhân dân tỉnh Lạng Sơn về "
        f"{CAMPAIGN_PHRASE};", "Căn cứ hồ sơ đề nghị khen thưởng của 02 cơ quan, đơn vị."]
    for b in bases:
        assert_format(the(doc, b), italic=True)
    rest = body[len(bases) + 2:]
    salary = 2340000  # in force on the date (reference data, [S])
    money = (2 * 2 + 3 * 1) * salary
    assert rest == [
        "I. KẾT QUẢ THẨM ĐỊNH",
        f"Sở Nội vụ (Ban Thi đua - Khen thưởng) đã thẩm định hồ sơ của 02 cơ quan, đơn vị đề "
        f"nghị tặng {FORM} cho 06 tập thể, cá nhân. Kết quả: 05 tập thể, cá nhân đủ điều kiện, "
        f"tiêu chuẩn; 01 tập thể, cá nhân không đủ điều kiện, tiêu chuẩn:",
        f"- Bà Lý Thị Thoa, Công chức, UBND phường Đông Kinh (Ủy ban nhân dân phường Đông Kinh): "
        f"{reason[:-1]}.",
        "II. ĐỀ NGHỊ KHEN THƯỞNG",
        f"- {FORM}: 02 tập thể và 03 cá nhân;",
        f"- Tổng số tiền thưởng: {t.figure(money)} đồng (tính theo hệ số tiền thưởng của từng "
        f"hình thức khen thưởng nhân với mức lương cơ sở 2.340.000 đồng), từ nguồn Quỹ thi đua, "
        f"khen thưởng của tỉnh.",
        f"Sở Nội vụ kính trình Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn xem xét, tặng {FORM} cho 02 "
        f"tập thể và 03 cá nhân (có danh sách kèm theo) đã có thành tích xuất sắc trong "
        f"{CAMPAIGN_PHRASE}.",
        "Kính trình Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn xem xét, quyết định./."]
    assert t.figure(money) == "16.380.000"
    for heading in ("I. KẾT QUẢ THẨM ĐỊNH", "II. ĐỀ NGHỊ KHEN THƯỞNG"):
        assert_format(the(doc, heading), bold=True)
    assert_appendix(doc, "DANH SÁCH", f"TẬP THỂ, CÁ NHÂN ĐỀ NGHỊ TẶNG {FORM.upper()}",
                    "(Kèm theo Tờ trình số 01/TTr-SNV ngày 05/02/2027 của Sở Nội vụ)",
                    EXPECTED_LIST)


@pytest.mark.storage
def test_board_proposal_and_certificates(world, frozen):
    on = date(2027, 2, 5)
    frozen(utc_at(on))
    s = scenario(world)
    decision = s.decision
    assert decision.proposal_number == 1 and decision.proposal_symbol == "TTr-SNV"

    doc = open_docx(document("decision", decision, "proposal")[0])
    assert_formal(doc)
    assert_letterhead(doc, ("SỞ NỘI VỤ",), "Số: 01/TTr-SNV", "Lạng Sơn, ngày 05 tháng 02 năm 2027",
                      parent="UBND TỈNH LẠNG SƠN")
    assert_title(doc, "TỜ TRÌNH", f"Đề nghị tặng {FORM}")
    the(doc, "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn.")
    the(doc, "Căn cứ hồ sơ đề nghị khen thưởng của 02 cơ quan, đơn vị.")
    # signed before the Chairman struck anyone: the tờ trình proposes all six
    the(doc, f"Sở Nội vụ kính trình Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn xem xét, tặng {FORM} "
             f"cho 02 tập thể và 04 cá nhân (có danh sách kèm theo) đã có thành tích xuất sắc "
             f"trong {CAMPAIGN_PHRASE}.")
    # "Lưu" names the drafting part (Ban TĐKT), not SNV, the issuing body itself
    assert_closing(doc, ["- Như trên;", "- Lưu: VT, Ban TĐKT."], ("GIÁM ĐỐC",), "Vi Văn Thắng")
    listed = dict(EXPECTED_LIST)
    listed["II. CÁ NHÂN (04)"] = listed.pop("II. CÁ NHÂN (03)")[:2] + [
        "3. Ông Hoàng Văn Quý, Phó Chủ tịch, UBND phường Đông Kinh;",
        "4. Bà Lý Thị Thoa, Công chức, UBND phường Đông Kinh."]
    assert_appendix(doc, "DANH SÁCH", f"TẬP THỂ, CÁ NHÂN ĐỀ NGHỊ TẶNG {FORM.upper()}",
                    "(Kèm theo Tờ trình số 01/TTr-SNV ngày 05/02/2027 của Sở Nội vụ)", listed)

    # certificates: the paper of the award's model (reference data: A4 landscape, [U]), one
    # page per awardee, the struck one left out; the model named in the file's subject
    form = reference.award_form("BKCT", on)
    assert (form.certificate_paper, form.certificate_orientation) == ("A4", "landscape")
    assert form.certificate_source_note.startswith("[U]")
    doc = open_docx(document("decision", decision, "certificates")[0])
    assert_page(doc, landscape=True)
    assert_fonts(doc)
    assert_draft(doc, False)
    assert doc.core_properties.subject == form.certificate_model
    awardees = [
        ("Khoa Hồi sức cấp cứu", "Bệnh viện Đa khoa tỉnh"),
        ("Tổ dân phố Phai Vệ", "phường Đông Kinh"),
        ("Bà Nguyễn Thị Ánh Tuyết", "Điều dưỡng trưởng, Bệnh viện Đa khoa tỉnh"),
        ("Ông Đặng Văn Ưng", "Bác sĩ, Trung tâm Y tế huyện Lộc Bình"),
        ("Ông Hoàng Văn Quý", "Phó Chủ tịch, UBND phường Đông Kinh"),
    ]
    assert len(SYT_NOMINEES) + len(PDK_NOMINEES) - 1 == len(awardees)
    heads = [p for p in paragraphs(doc) if p.text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    assert len(heads) == len(awardees)
    assert not heads[0].paragraph_format.page_break_before
    assert all(h.paragraph_format.page_break_before for h in heads[1:])
    pages = []
    for p in paragraphs(doc):
        if p.text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM":
            pages.append([])
        if p.text.strip():
            pages[-1].append(p)
    for n, (page, (recipient, detail)) in enumerate(zip(pages, awardees, strict=True), start=1):
        assert [p.text for p in page] == [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
            "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN", "TẶNG", "BẰNG KHEN", recipient, detail,
            f"Đã có thành tích xuất sắc trong {CAMPAIGN_PHRASE}",
            "Quyết định số 01/QĐ-UBND ngày 05/02/2027", f"Số vào sổ: 01/QĐ-UBND - {n:03d}",
            "Lạng Sơn, ngày 05 tháng 02 năm 2027", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Đoàn Thị Hậu"]
        assert_format(page[0], bold=True)  # Quốc hiệu
        assert_format(page[1], bold=True)  # Tiêu ngữ
        assert_format(page[4], size=36, bold=True)
        assert_format(page[5], size=24, bold=True)
        assert_format(page[10], italic=True)
    assert not any(STRUCK in x for x in texts(doc))
    assert decision.number == 1 and isinstance(decision, Decision)

    # a province whose model is A3 portrait says so in its reference data, and only there
    reference.import_reference(json.dumps({"award_forms": [{
        "code": "BKCT", "name": form.name, "subject_kind": form.subject_kind,
        "money_multiplier_individual": 1.0, "money_multiplier_collective": 2.0,
        "effective_from": form.effective_from.isoformat(), "certificate_title": "Bằng khen",
        "certificate_model": "Mẫu số 99 (thử)", "certificate_paper": "A3",
        "certificate_orientation": "portrait", "certificate_source_note": "[U] test"}]}),
        replace=True)
    db.session.refresh(decision)  # the issued file is kept as issued: lay out anew
    doc = open_docx(docgen.render_certificates(
        decision, documents.context("decision", decision, "certificates", False)))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 420)
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert doc.core_properties.subject == "Mẫu số 99 (thử)"
    with pytest.raises(Exception, match="A4 hoặc A3"):
        reference.import_reference(json.dumps({"award_forms": [{
            "code": "BKCT", "name": form.name, "subject_kind": form.subject_kind,
            "effective_from": "2024-01-01", "certificate_paper": "Letter"}]}))


def test_decision_names_finance_when_awards_cost_money(world, frozen):
    """Điều 3: the department that pays the award money (data: ``pays_awards``) is among
    the executors when the awards cost money (multipliers in the reference data)."""
    frozen(utc_at(date(2027, 2, 5)))
    org.import_units_csv("code,name,kind,parent_code,head_title,pays_awards\n"
                         "STC,Sở Tài chính,department,UBND,Giám đốc,1\n")
    s = scenario(world, until="approved")
    doc = open_docx(document("decision", s.decision, "decision")[0])
    the(doc, "Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc Sở Nội vụ, Giám đốc Sở Tài chính, "
             "Thủ trưởng các cơ quan, đơn vị có liên quan và các tập thể, cá nhân có tên tại "
             "Điều 1 chịu trách nhiệm thi hành Quyết định này./.")
