"""The unit's registration for a regular year (đăng ký thi đua): a công văn to the Board
with its list, against NĐ 30/2020 Phụ lục I, for the demo province and for a centrally-run
city's ward."""
from datetime import date

import pytest

from app.models import Registration
from app.services import reference
from tests import helpers
from tests.docgen.structure import (
    assert_appendix,
    assert_closing,
    assert_formal,
    assert_letterhead,
    body_texts,
)
from tests.docgen.support import assert_format, document, open_docx, texts, the, utc_at
from tests.docgen.test_city import CITY_UNIT, city_award_names

pytestmark = pytest.mark.storage  # the final is kept and read back through storage


def test_registration_paper_of_the_demo_province(world, frozen):
    on = date(2027, 2, 5)
    frozen(utc_at(on))
    year = helpers.make_year(world)
    unsigned = helpers.unit_item(Registration, year, "PDK")
    draft = open_docx(document("registration", unsigned, "registration")[0])
    assert_formal(draft, draft=True)

    reg = helpers.signed_registration(world, year)
    assert (reg.number, reg.symbol, reg.signed_on) == (1, "SYT-TĐKT", on)
    data, filename, sha = document("registration", reg, "registration")
    assert sha is not None and filename == "Đăng ký thi đua năm 2027 01-SYT-TĐKT - Sở Y tế.docx"
    doc = open_docx(data)
    assert_formal(doc)
    assert_letterhead(doc, ("SỞ Y TẾ",), "Số: 01/SYT-TĐKT",
                      "Lạng Sơn, ngày 05 tháng 02 năm 2027", parent="UBND TỈNH LẠNG SƠN")
    # a công văn: no type name, its trích yếu «V/v …» under the number in 12 pt, Kính gửi
    all_texts = texts(doc)
    assert not any(x in all_texts for x in ("CÔNG VĂN", "KẾ HOẠCH", "TỜ TRÌNH"))
    left = [p.text for p in doc.tables[0].rows[0].cells[0].paragraphs if p.text.strip()]
    assert left[-2:] == ["Số: 01/SYT-TĐKT", "V/v đăng ký thi đua năm 2027"]
    assert_format(the(doc, "V/v đăng ký thi đua năm 2027"), size=12, bold=False, italic=False)
    body = body_texts(doc)
    assert body[0] == "Kính gửi: Sở Nội vụ (Ban Thi đua - Khen thưởng)."
    assert body[1] == (
        f"Thực hiện Kế hoạch số {year.launch_number} ngày 05/02/2027 của Ủy ban nhân dân tỉnh "
        f"Lạng Sơn về phong trào thi đua thường xuyên năm 2027, Sở Y tế đăng ký thi đua năm "
        f"2027 như sau:")
    assert ("Sở Y tế đăng ký danh hiệu thi đua năm 2027 cho 01 tập thể và 02 cá nhân (có danh "
            "sách kèm theo) và cam kết tổ chức thực hiện thắng lợi các mục tiêu, chỉ tiêu đã "
            "đăng ký.") in body
    assert body[-1].endswith("./.") and sum(x.endswith("./.") for x in body) == 1
    assert_closing(doc, ["- Như trên;", "- Lưu: VT."], ("GIÁM ĐỐC",), "Trần Văn Bình")
    assert_appendix(
        doc, "DANH SÁCH", "ĐĂNG KÝ DANH HIỆU THI ĐUA NĂM 2027",
        "(Kèm theo Công văn số 01/SYT-TĐKT ngày 05/02/2027 của Sở Y tế)",
        {"I. TẬP THỂ (01)": ["1. Sở Y tế: đăng ký danh hiệu “Tập thể lao động xuất sắc”;"],
         "II. CÁ NHÂN (02)": [
             "1. Nguyễn Văn An, Trưởng phòng, SYT: đăng ký danh hiệu “Chiến sĩ thi đua cấp "
             "tỉnh”;",
             "2. Lê Thị Bích, Chuyên viên, SYT: đăng ký danh hiệu “Chiến sĩ thi đua cơ sở”."]})


def test_registration_paper_of_a_city_ward(world, api, frozen):
    on = date(2027, 2, 5)
    frozen(utc_at(on))
    reference.import_reference(city_award_names())
    assert api("admin").patch("/api/v1/units/UBND", json=CITY_UNIT).status_code == 200
    year = helpers.make_year(world, award_forms=[{"code": "LDTT"}, {"code": "TTLDTT"},
                                                 {"code": "CSTDT"}])
    reg = helpers.signed_registration(world, year, "PDK", "staff_b", "head_b", entries=[
        {"kind": "collective", "name": "Ủy ban nhân dân phường Đông Kinh",
         "award_form": "TTLDTT"},
        {"kind": "individual", "name": "Hoàng Văn Dũng", "position_title": "Công chức",
         "award_form": "CSTDT"}])
    doc = open_docx(document("registration", reg, "registration")[0])
    assert_formal(doc)
    left, right = doc.tables[0].rows[0].cells
    assert [p.text for p in left.paragraphs if p.text.strip()] == [
        "ỦY BAN NHÂN DÂN", "PHƯỜNG ĐÔNG KINH", "Số: 01/UBND-TĐKT",
        "V/v đăng ký thi đua năm 2027"]
    assert "Đông Kinh, ngày 05 tháng 02 năm 2027" in [p.text for p in right.paragraphs]
    lines = texts(doc)
    assert not any("Lạng Sơn" in x or "tỉnh" in x for x in lines), [
        x for x in lines if "Lạng Sơn" in x or "tỉnh" in x]
    assert any("của Ủy ban nhân dân thành phố Hải Phòng về" in x for x in lines)
    assert "2. Hoàng Văn Dũng, Công chức: đăng ký danh hiệu “Chiến sĩ thi đua thành phố”." \
        not in lines  # numbered within its own section
    assert "1. Hoàng Văn Dũng, Công chức: đăng ký danh hiệu “Chiến sĩ thi đua thành phố”." \
        in lines
