"""Decision (quyết định khen thưởng) with the Board's proposal (tờ trình …/TTr-SNV).

Effects carried out by the services with each step: ``sign_proposal`` numbers the
tờ trình; ``approve`` keeps the nominees the Chairman did not strike; ``issue``
numbers the decision from the register, dates it and moves its dossiers to
``decided``.
"""
from workflows.engine import Process, Step
from workflows.guards import decision_has_nominees, decision_keeps_someone

DECISION = Process(
    name="decision",
    label="Quyết định",
    states={
        "drafting": "Đang dự thảo",
        "awaiting_board_head": "Chờ lãnh đạo Ban ký tờ trình",
        "awaiting_chairman": "Chờ Chủ tịch phê duyệt",
        "approved": "Đã phê duyệt",
        "issued": "Đã ban hành",
    },
    initial="drafting",
    final=frozenset({"issued"}),
    steps=[
        Step("submit", ("drafting",), "awaiting_board_head", frozenset({"board_appraiser"}),
             guards=(decision_has_nominees,), notify=("board_head",)),
        Step("board_return", ("awaiting_board_head",), "drafting", frozenset({"board_head"}),
             comment=True, notify=("drafter",)),
        Step("sign_proposal", ("awaiting_board_head",), "awaiting_chairman",
             frozenset({"board_head"}), guards=(decision_has_nominees,), notify=("chairman",)),
        Step("chairman_return", ("awaiting_chairman",), "drafting", frozenset({"chairman"}),
             comment=True, notify=("drafter", "board_head")),
        Step("approve", ("awaiting_chairman",), "approved", frozenset({"chairman"}),
             guards=(decision_keeps_someone,), notify=("office_clerk", "drafter")),
        Step("issue", ("approved",), "issued", frozenset({"office_clerk"}),
             notify=("awardee_units", "distribution", "drafter")),
    ],
    trigger_labels={
        "submit": "Trình lãnh đạo Ban",
        "board_return": "Trả lại chuyên viên",
        "sign_proposal": "Ký tờ trình",
        "chairman_return": "Trả lại Ban TĐKT",
        "approve": "Phê duyệt",
        "issue": "Ban hành",
    },
)
