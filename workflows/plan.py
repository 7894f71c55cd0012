"""Plan (kế hoạch hưởng ứng): the unit's answer to a launched campaign."""
from workflows.engine import Process, Step
from workflows.guards import plan_is_complete
from workflows.submission import APPRAISER, CHAIRMAN, FRONT_LABELS, FRONT_STATES, front_half

PLAN = Process(
    name="plan",
    label="Kế hoạch",
    states={**FRONT_STATES, "awaiting_chairman": "Chờ Chủ tịch duyệt", "approved": "Đã phê duyệt"},
    initial="draft",
    final=frozenset({"approved"}),
    steps=front_half((plan_is_complete,)) + [
        Step("forward", ("in_appraisal",), "awaiting_chairman", APPRAISER, notify=("chairman",)),
        Step("approve", ("awaiting_chairman",), "approved", CHAIRMAN, notify=("unit", "board_appraiser")),
        Step("chairman_return", ("awaiting_chairman",), "in_appraisal", CHAIRMAN, comment=True,
             notify=("board_appraiser",)),
    ],
    trigger_labels={
        **FRONT_LABELS,
        "forward": "Trình Chủ tịch",
        "approve": "Phê duyệt",
        "chairman_return": "Trả lại Ban TĐKT",
    },
)
