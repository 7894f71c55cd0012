"""Plan (kế hoạch hưởng ứng): the unit's answer to a launched campaign.

The front half (submit, head_return, sign_off, withdraw, start_appraisal,
return_to_unit) is shared with the dossier: see submission.py. The head's
``sign_off`` numbers the plan (…/KH-{unit}) and keeps it; the Board forwards it to
the Chairman, who approves it or hands it back to the Board.
"""
from workflows.engine import BACK, Process, Step
from workflows.guards import plan_is_complete
from workflows.roles import APPRAISER, CHAIRMAN
from workflows.submission import FRONT_STATES, SEALING, content_edit, front_half, sealing_edit

PLAN = Process(
    name="plan",
    collection="plans",
    label="Kế hoạch",
    noun="kế hoạch hưởng ứng",
    states={**FRONT_STATES, "awaiting_chairman": "Chờ Chủ tịch duyệt", "approved": "Đã phê duyệt"},
    initial="draft",
    final=frozenset({"approved"}),
    documents={"plan": "Kế hoạch hưởng ứng"},
    edits={"content": content_edit("soạn kế hoạch", "Kế hoạch"),
           SEALING: sealing_edit({"submitted", "in_appraisal", "awaiting_chairman", "approved"})},
    steps=front_half(noun="kế hoạch", ready=(plan_is_complete,), signed=("plan",),
                     esigned=("plan",)) + [
        Step("forward", ("in_appraisal",), "awaiting_chairman", APPRAISER, "Trình Chủ tịch",
             notify=("chairman",)),
        Step("approve", ("awaiting_chairman",), "approved", CHAIRMAN, "Phê duyệt",
             confirm=("Phê duyệt kế hoạch hưởng ứng: kế hoạch có hiệu lực, đơn vị và Ban "
                      "được báo. Tiếp tục?"), notify=("unit", "board_appraiser")),
        Step("chairman_return", ("awaiting_chairman",), "in_appraisal", CHAIRMAN,
             "Trả lại Ban TĐKT", comment=True, tone=BACK, notify=("board_appraiser",),
             confirm=("Trả lại Ban TĐKT: kế hoạch về lại chuyên viên Ban Thi đua – Khen "
                      "thưởng, ở trạng thái «Đang thẩm định», kèm lý do đã ghi; chuyên viên "
                      "xem lại rồi trình lại. Trả lại?"),
             reason="Lý do trả lại (bắt buộc; chuyên viên Ban TĐKT sẽ đọc)"),
    ],
)
