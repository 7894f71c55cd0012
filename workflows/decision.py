"""Decision (quyết định khen thưởng) with the Board's proposal (tờ trình …/TTr-SNV).

The appraiser composes the draft from appraised dossiers (their ``include`` and
``exclude``); ``sign_proposal`` numbers the tờ trình from the Board unit's register and
keeps it; a ``chairman_return`` clears that number, so the next signature takes a new
one; the Chairman strikes nominees and approves; ``issue`` numbers the decision from
the issuer's register, dates it, keeps it with its certificates, moves its dossiers to
``decided`` and mails it, attached, to its Nơi nhận.
"""
from workflows.engine import BACK, Edit, Process, Step
from workflows.guards import (
    amended_decision_in_force,
    chairman_signed,
    decision_has_nominees,
    decision_keeps_someone,
    proposal_is_numbered,
)
from workflows.roles import APPRAISER, BOARD, BOARD_HEAD, CHAIRMAN, CLERK
from workflows.submission import SEALING, sealing_edit

# A decision may, instead of awarding, act on an issued one (it then has no list of its own):
# it goes through every step below like any decision, drafted by the Board, signed by the
# Chairman, numbered and issued by the Office; its exchange package names the old one.
#   cancel:  hủy bỏ quyết định khen thưởng (Luật Thi đua, khen thưởng 2022): at its issue
#            the old decision's awards are marked cancelled, with what is to be recovered;
#            package BussinessDocType 1 naming the old DocumentId.
#   replace: thay thế (NĐ 30 Điều 18 k3): a new decision with its own number; package
#            BussinessDocType 3 with ReplacementInfo naming the old one.
ACTS = {
    "cancel": "Hủy bỏ quyết định khen thưởng",
    "replace": "Thay thế quyết định",
}
# What the act's title starts from ("Về việc hủy bỏ Quyết định số 05/QĐ-UBND ngày …").
ACT_TITLES = {"cancel": "Về việc hủy bỏ Quyết định số {number} ngày {date}",
              "replace": "Về việc thay thế Quyết định số {number} ngày {date}"}
# The business type of each act's package (QCVN 102:2016, E-ISSUING.md §3.2); the recall
# (an edit of the issued decision below, not a new decision) sends type 1 too.
ACT_PACKAGE_TYPES = {"cancel": 1, "replace": 3}
RECALL_PACKAGE_TYPE = 1

DECISION = Process(
    name="decision",
    collection="decisions",
    label="Quyết định",
    noun="quyết định khen thưởng",
    states={
        "drafting": "Đang dự thảo",
        "awaiting_board_head": "Chờ lãnh đạo Ban ký tờ trình",
        "awaiting_chairman": "Chờ Chủ tịch phê duyệt",
        "approved": "Đã phê duyệt",
        "issued": "Đã ban hành",
    },
    initial="drafting",
    final=frozenset({"issued"}),
    documents={
        "proposal": "Tờ trình đề nghị khen thưởng của Ban Thi đua - Khen thưởng",
        "decision": "Quyết định khen thưởng và danh sách kèm theo",
        "certificates": "Bằng khen (bản in)",
    },
    edits={
        # Sở Nội vụ's Văn thư numbers and seals the Board's tờ trình its head signed
        # digitally, before the Chairman approves
        SEALING: sealing_edit({"awaiting_chairman"}, body="proposer"),
        "content": Edit(APPRAISER, frozenset({"drafting"}), "sửa dự thảo quyết định",
                        "Chỉ sửa được quyết định khi đang dự thảo."),
        "recipients": Edit(BOARD, frozenset({"drafting", "awaiting_board_head",
                                             "awaiting_chairman", "approved"}),
                           "sửa nơi nhận của quyết định",
                           "Quyết định đã ban hành, không thể sửa nơi nhận."),
        # Before issue the Office attaches the scan (it goes with the mail); after
        # it, the official scan is replaced only by a recorded correction with a reason:
        # the old file is kept and both hashes go into the history.
        # The issuing body's Văn thư (the Ủy ban's, in its Văn phòng) makes each of them.
        "signed_scan": Edit(CLERK, frozenset({"approved"}),
                            "đính kèm bản chụp quyết định đã ký",
                            "Chỉ đính kèm bản chụp khi quyết định đã được phê duyệt, trước khi "
                            "ban hành. Quyết định đã ban hành chỉ được thay bản chụp bằng «Thay "
                            "bản chụp đã ký», có ghi lý do.", code="invalid_state", body="issuer"),
        "scan_correction": Edit(CLERK, frozenset({"issued"}),
                                "thay bản chụp quyết định đã ban hành",
                                "Chỉ thay bản chụp đã ký khi quyết định đã ban hành và đã có "
                                "bản chụp.", code="invalid_state",
                                label="Thay bản chụp đã ký", comment=True, body="issuer",
                                confirm=("Thay bản chụp quyết định đã ban hành: bản chụp mới trở "
                                         "thành bản chính thức; bản cũ vẫn được lưu, người thay, "
                                         "thời điểm, lý do và mã kiểm tra của cả hai bản được "
                                         "ghi vào lịch sử. Tiếp tục?")),
        # NĐ 30 Điều 18 k5: the electronic original may be printed on paper (the Office
        # stamps the seal on it); each printing is recorded: who, when, how many copies.
        "paper_print": Edit(CLERK, frozenset({"issued"}), "in bản giấy quyết định đã ban hành",
                            "Chỉ in bản giấy khi quyết định đã ban hành điện tử.",
                            code="invalid_state", label="In bản giấy", body="issuer"),
        # NĐ 30 Điều 18 k4: the Office withdraws an issued decision sent in error, with a
        # reason; every recipient gets a revoke package; the awards do not change (that
        # takes a cancellation decision, ACTS). Recorded in the item's history (audit chain).
        "recall": Edit(CLERK, frozenset({"issued"}), "thu hồi quyết định đã ban hành",
                       "Chỉ thu hồi được quyết định đã ban hành, chưa bị thu hồi.",
                       code="invalid_state", label="Thu hồi", comment=True, body="issuer",
                       confirm=("Thu hồi quyết định đã ban hành (gửi nhầm, sai sót): các nơi "
                                "nhận sẽ nhận thông báo thu hồi kèm lý do; trang xác minh báo "
                                "văn bản đã bị thu hồi. Danh sách khen thưởng không thay đổi "
                                "(muốn hủy bỏ khen thưởng phải ban hành quyết định hủy bỏ). "
                                "Không thể hoàn tác. Tiếp tục?")),
        "strikes": Edit(CHAIRMAN, frozenset({"awaiting_chairman"}),
                        "loại tập thể, cá nhân khỏi danh sách",
                        "Chỉ điều chỉnh danh sách khi quyết định đang chờ Chủ tịch phê duyệt.",
                        code="invalid_state",
                        confirm=("Loại khỏi danh sách khen thưởng: người bị loại sẽ không có "
                                 "trong quyết định, lý do được ghi lại. Tiếp tục?")),
    },
    steps=[
        Step("submit", ("drafting",), "awaiting_board_head", APPRAISER, "Trình lãnh đạo Ban",
             guards=(decision_has_nominees, amended_decision_in_force), notify=("board_head",)),
        Step("board_return", ("awaiting_board_head",), "drafting", BOARD_HEAD,
             "Trả lại chuyên viên", comment=True, tone=BACK, notify=("drafter",),
             confirm=("Trả lại chuyên viên: dự thảo quyết định về lại chuyên viên đã soạn, ở "
                      "trạng thái «Đang dự thảo», kèm lý do đã ghi; tờ trình chưa ký, chưa "
                      "cấp số. Chuyên viên sửa rồi trình lại. Trả lại?"),
             reason="Lý do trả lại, những điểm cần sửa (bắt buộc; chuyên viên sẽ đọc)"),
        Step("sign_proposal", ("awaiting_board_head",), "awaiting_chairman", BOARD_HEAD,
             "Ký tờ trình", guards=(decision_has_nominees,), effect="number_proposal",
             inputs=("number", "issued_on", "authority", "signing_request", "signature",
                     "signed_pdf"),
             signs=("proposal",), sealed_by=CLERK,
             confirm=("Ký tờ trình: hệ thống sẽ cấp số tờ trình của Ban, lưu bản chính thức "
                      "và trình Chủ tịch phê duyệt. Tiếp tục?"),
             finalizes=("proposal",), notify=("chairman",)),
        Step("chairman_return", ("awaiting_chairman",), "drafting", CHAIRMAN,
             "Trả lại Ban TĐKT", comment=True, tone=BACK, effect="clear_proposal",
             confirm=("Trả lại Ban TĐKT: dự thảo quyết định về lại chuyên viên Ban, ở trạng "
                      "thái «Đang dự thảo», kèm lý do đã ghi; tờ trình đã ký bị hủy số, Ban sửa "
                      "dự thảo và ký lại tờ trình mới. Trả lại?"),
             reason="Lý do trả lại (bắt buộc; chuyên viên và lãnh đạo Ban sẽ đọc)",
             notify=("drafter", "board_head")),
        Step("approve", ("awaiting_chairman",), "approved", CHAIRMAN, "Phê duyệt",
             guards=(decision_keeps_someone, proposal_is_numbered, amended_decision_in_force),
             effect="stamp_approval",
             inputs=("authority", "signing_request", "signature", "signed_pdf"),
             signs=("decision",),  # issued by Văn phòng UBND's Văn thư at «Ban hành»
             confirm=("Phê duyệt: danh sách khen thưởng được chốt như đang hiển thị và chuyển "
                      "Văn phòng ban hành. Tiếp tục?"),
             notify=("office_clerk", "drafter")),
        Step("issue", ("approved",), "issued", CLERK, "Ban hành", effect="issue", body="issuer",
             guards=(chairman_signed, amended_decision_in_force),
             inputs=("number", "issued_on", "expected_number", "expected_issued_on",
                     "signing_request", "signature", "signed_pdf"),
             confirm=("Ban hành quyết định số {number}, ngày {date}: hệ thống sẽ ghi số và "
                      "ngày này vào sổ, lưu bản chính thức và gửi quyết định tới các đơn vị và "
                      "nơi nhận. Không thể hoàn tác. Tiếp tục?"),
             finalizes=("decision", "certificates"), attaches=("decision",),
             notify=("awardee_units", "distribution", "drafter")),
    ],
)
