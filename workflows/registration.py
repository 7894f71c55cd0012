"""Registration (đăng ký thi đua): a unit's registration for a regular-emulation year.

At the start of the year each unit registers the titles (danh hiệu thi đua) it aims
for: its collective's, and each person's (name, position, title). No registration, no
title (DOMAIN.md §4.4): the year's proposals check their title nominees against it.

The unit's staff drafts it and sends it to the head; the head signs it (digitally when
he has a certificate, the paper path otherwise) and it goes to the Board, which receives
it or returns it to the unit. A registration past the year's registration deadline is
refused unless the year accepts late items; a received one is final.
"""
from workflows.engine import BACK, Edit, Process, Step
from workflows.guards import campaign_is_launched, deadline_allows, registration_is_complete
from workflows.roles import APPRAISER, HEAD, STAFF
from workflows.submission import EDITABLE, FRONT_STATES

REGISTRATION = Process(
    name="registration",
    collection="registrations",
    label="Đăng ký thi đua",
    noun="bản đăng ký thi đua",
    states={**{k: v for k, v in FRONT_STATES.items() if k != "in_appraisal"},
            "received": "Ban TĐKT đã nhận"},
    initial="draft",
    final=frozenset({"received"}),
    documents={"registration": "Bản đăng ký thi đua"},
    edits={"content": Edit(STAFF, EDITABLE, "soạn bản đăng ký thi đua",
                           "Bản đăng ký thi đua đã gửi đi, không thể sửa ở trạng thái này.")},
    steps=[
        Step("submit", ("draft", "returned"), "awaiting_head", STAFF, "Trình thủ trưởng",
             guards=(registration_is_complete, campaign_is_launched, deadline_allows),
             effect="stamp_submission", notify=("unit_head",)),
        Step("head_return", ("awaiting_head",), "draft", HEAD, "Trả lại để chỉnh sửa",
             comment=True, tone=BACK, notify=("drafter", "unit_head"),
             confirm=("Trả lại để chỉnh sửa: bản đăng ký về lại cán bộ soạn thảo của đơn vị, ở "
                      "trạng thái «Đang soạn», kèm lý do đã ghi. Chưa có gì gửi Ban Thi đua – "
                      "Khen thưởng. Trả lại?"),
             reason="Lý do trả lại, những điểm cần sửa (bắt buộc; cán bộ soạn thảo sẽ đọc)"),
        Step("sign_off", ("awaiting_head",), "submitted", HEAD, "Ký duyệt, gửi Ban TĐKT",
             guards=(campaign_is_launched,), effect="sign", finalizes=("registration",),
             inputs=("number", "issued_on", "authority", "signing_request", "signature",
                     "signed_pdf"),
             signs=("registration",),
             confirm=("Ký duyệt: hệ thống sẽ cấp số văn bản của đơn vị, lưu bản đăng ký chính "
                      "thức và gửi Ban Thi đua – Khen thưởng. Số đã cấp không lấy lại được. "
                      "Tiếp tục?"),
             notify=("board_appraiser",)),
        Step("receive", ("submitted",), "received", APPRAISER, "Tiếp nhận",
             confirm=("Tiếp nhận: bản đăng ký của đơn vị được ghi nhận cho năm thi đua; đơn vị "
                      "được báo. Tiếp tục?"),
             notify=("unit",)),
        Step("return_to_unit", ("submitted",), "returned", APPRAISER, "Trả lại đơn vị",
             comment=True, tone=BACK, notify=("drafter", "unit_head"),
             confirm=("Trả lại đơn vị: bản đăng ký về lại đơn vị, ở trạng thái «Trả lại đơn "
                      "vị», kèm lý do đã ghi; đơn vị sửa, thủ trưởng ký duyệt và gửi lại. "
                      "Trả lại?"),
             reason="Lý do trả lại, những điểm đơn vị cần sửa (bắt buộc; đơn vị sẽ đọc)"),
    ],
)

# A registration the Board has (its head sent it): the year's proposals check their title
# nominees against these.
REGISTRATION_SENT = frozenset({"submitted", "received"})
