"""The front half shared by plans and dossiers: the unit drafts, its head signs off,
the Board takes it up or hands it back.

``withdraw`` needs no guard of its own: appraisal starts by ``start_appraisal``,
which leaves ``submitted``, so an item still in ``submitted`` is not being appraised.
"""
from workflows.engine import BACK, Edit, Step
from workflows.guards import campaign_is_launched, deadline_allows
from workflows.roles import APPRAISER, CLERK, HEAD, STAFF

FRONT_STATES = {
    "draft": "Đang soạn",
    "awaiting_head": "Chờ thủ trưởng ký",
    "submitted": "Đã gửi Ban TĐKT",
    "in_appraisal": "Đang thẩm định",
    "returned": "Trả lại đơn vị",
}

# The unit's staff writes while the item is with the unit.
EDITABLE = frozenset({"draft", "returned"})
# Not (or no longer) with the Board: past the campaign's deadline such an item is overdue.
UNSENT = frozenset({"draft", "awaiting_head", "returned"})


def content_edit(what: str, noun: str) -> Edit:
    return Edit(STAFF, EDITABLE, what, f"{noun} đã gửi đi, không thể sửa ở trạng thái này.")


# The unit's Văn thư numbers, dates and seals the papers its head signed digitally (NĐ 30
# Điều 15, 32): while the item has left the unit and before it could be sent back.
SEALING = "paper_issue"


def sealing_edit(states, body="unit") -> Edit:
    """``body``: whose Văn thư (workflows/roles.py BODIES): the unit for its own papers."""
    return Edit(CLERK, frozenset(states), "cấp số và ký số phát hành văn bản",
                "Văn bản không ở trạng thái chờ Văn thư cấp số và ký số phát hành.",
                code="invalid_state", label="Văn thư cấp số, ký số phát hành", body=body,
                confirm=("Cấp số (số tiếp theo của sổ, hoặc số đã nhập), ngày hôm nay và ký số "
                         "của cơ quan: số được ghi vào sổ, văn bản điện tử được phát hành. "
                         "Không thể hoàn tác. Tiếp tục?"))


def front_half(*, noun: str, ready: tuple, signed: tuple[str, ...], esigned: tuple[str, ...],
               appraisal_effect=None) -> list[Step]:
    """The steps every submission takes.

    ``noun``: the item as the questions name it ("kế hoạch", "hồ sơ");
    ``ready``: the kind's own rules that must hold before the head sees the item;
    ``signed``: the documents the head's signature numbers and keeps (effect ``sign``);
    ``esigned``: those of them the head signs (digitally when he has a certificate), which
    the unit's own Văn thư then numbers and seals;
    ``appraisal_effect``: what the kind records when the Board takes the item up.
    """
    return [
        Step("submit", ("draft", "returned"), "awaiting_head", STAFF, "Trình thủ trưởng",
             guards=(*ready, campaign_is_launched, deadline_allows),
             effect="stamp_submission", notify=("unit_head",)),
        Step("head_return", ("awaiting_head",), "draft", HEAD, "Trả lại để chỉnh sửa",
             comment=True, tone=BACK, notify=("drafter", "unit_head"),
             confirm=(f"Trả lại để chỉnh sửa: {noun} về lại cán bộ soạn thảo của đơn vị, ở "
                      f"trạng thái «Đang soạn», kèm lý do đã ghi. Chưa có gì gửi Ban Thi đua – "
                      f"Khen thưởng; cán bộ sửa xong sẽ trình lại. Trả lại?"),
             reason="Lý do trả lại, những điểm cần sửa (bắt buộc; cán bộ soạn thảo sẽ đọc)"),
        Step("sign_off", ("awaiting_head",), "submitted", HEAD, "Ký duyệt, gửi Ban TĐKT",
             guards=(campaign_is_launched,), effect="sign", finalizes=signed,
             inputs=("number", "issued_on", "authority", "signing_request", "signature",
                     "signed_pdf"),
             signs=esigned, sealed_by=CLERK,
             confirm=("Ký duyệt: hệ thống sẽ cấp số văn bản của đơn vị, lưu bản chính thức "
                      "và gửi Ban Thi đua – Khen thưởng. Số đã cấp không lấy lại được. "
                      "Tiếp tục?"),
             notify=("board_appraiser",)),
        Step("withdraw", ("submitted",), "draft", HEAD, "Rút lại", optional=True, tone=BACK,
             confirm=(f"Rút lại: {noun} về lại đơn vị, ở trạng thái «Đang soạn»; Ban Thi đua – "
                      f"Khen thưởng và cán bộ soạn thảo được báo. Sửa xong phải trình và ký "
                      f"duyệt lại. Rút lại?"),
             notify=("unit_staff", "board_appraiser")),
        Step("start_appraisal", ("submitted",), "in_appraisal", APPRAISER, "Bắt đầu thẩm định",
             effect=appraisal_effect, notify=("unit",)),
        Step("return_to_unit", ("in_appraisal",), "returned", APPRAISER, "Trả lại đơn vị",
             comment=True, tone=BACK, notify=("drafter", "unit_head"),
             confirm=(f"Trả lại đơn vị: {noun} về lại đơn vị, ở trạng thái «Trả lại đơn vị»; "
                      f"cán bộ soạn thảo và thủ trưởng được báo kèm lý do đã ghi. Đơn vị sửa, "
                      f"thủ trưởng ký duyệt và gửi lại Ban. Trả lại?"),
             reason="Lý do trả lại, những điểm đơn vị cần sửa (bắt buộc; đơn vị sẽ đọc)"),
    ]
