"""The front half shared by plans and dossiers: the unit drafts, its head signs off,
the Board takes it up or hands it back.

``withdraw`` needs no guard of its own: appraisal starts by ``start_appraisal``,
which leaves ``submitted``, so an item still in ``submitted`` is not being appraised.
"""
from workflows.engine import Step
from workflows.guards import campaign_is_launched, deadline_allows

STAFF = frozenset({"unit_staff"})
HEAD = frozenset({"unit_head"})
APPRAISER = frozenset({"board_appraiser"})
CHAIRMAN = frozenset({"chairman"})


def front_half(readiness: tuple) -> list[Step]:
    """``readiness``: the kind's own rules that must hold before the head sees the item."""
    return [
        Step("submit", ("draft", "returned"), "awaiting_head", STAFF,
             guards=(*readiness, campaign_is_launched, deadline_allows), notify=("unit_head",)),
        Step("head_return", ("awaiting_head",), "draft", HEAD, comment=True,
             notify=("drafter", "unit_head")),
        Step("sign_off", ("awaiting_head",), "submitted", HEAD,
             guards=(campaign_is_launched,), notify=("board_appraiser",)),
        Step("withdraw", ("submitted",), "draft", HEAD, optional=True, notify=("unit_staff", "board_appraiser")),
        Step("start_appraisal", ("submitted",), "in_appraisal", APPRAISER, notify=("unit",)),
        Step("return_to_unit", ("in_appraisal",), "returned", APPRAISER, comment=True,
             notify=("drafter", "unit_head")),
    ]


FRONT_STATES = {
    "draft": "Đang soạn",
    "awaiting_head": "Chờ thủ trưởng ký",
    "submitted": "Đã gửi Ban TĐKT",
    "in_appraisal": "Đang thẩm định",
    "returned": "Trả lại đơn vị",
}

FRONT_LABELS = {
    "submit": "Trình thủ trưởng",
    "head_return": "Trả lại để chỉnh sửa",
    "sign_off": "Ký duyệt, gửi Ban TĐKT",
    "withdraw": "Rút lại",
    "start_appraisal": "Bắt đầu thẩm định",
    "return_to_unit": "Trả lại đơn vị",
}
