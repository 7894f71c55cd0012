"""Campaign (phong trào thi đua): drafted and launched by the Board, then closed.

``launch`` numbers the launch document from the issuer's register, keeps it, and
opens a draft plan and a draft dossier for every participating unit. Once launched,
only the deadlines may change.
"""
from workflows.engine import STOP, Edit, Process, Step
from workflows.guards import campaign_is_ready, launch_dated_within_period
from workflows.roles import BOARD, BOARD_HEAD

CAMPAIGN = Process(
    name="campaign",
    collection="campaigns",
    label="Phong trào",
    noun="phong trào thi đua",
    states={
        "draft": "Dự thảo",
        "launched": "Đã phát động",
        "closed": "Đã kết thúc",
    },
    initial="draft",
    final=frozenset({"closed"}),
    documents={"launch": "Văn bản phát động"},
    edits={
        "content": Edit(BOARD, frozenset({"draft"}), "sửa phong trào thi đua",
                        "Phong trào đã phát động: chỉ được điều chỉnh hạn nộp và việc nhận "
                        "hồ sơ muộn.", code="frozen_after_launch"),
        "deadlines": Edit(BOARD, frozenset({"draft", "launched"}), "sửa phong trào thi đua",
                          "Phong trào đã kết thúc, không thể sửa.", code="invalid_state"),
    },
    steps=[
        Step("launch", ("draft",), "launched", BOARD_HEAD, "Phát động",
             guards=(campaign_is_ready, launch_dated_within_period), effect="open_unit_items",
             confirm=("Phát động: hệ thống sẽ cấp số văn bản phát động, mở kế hoạch và hồ sơ "
                      "cho mọi đơn vị tham gia và báo cho họ. Không thể hoàn tác. Tiếp tục?"),
             finalizes=("launch",), notify=("participants",),
             # the launch paper's signer (the campaign's, e.g. a Phó Chủ tịch) signs with one
             # of the authorities they may use: TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH, …
             inputs=("authority",)),
        Step("close", ("launched",), "closed", BOARD_HEAD, "Kết thúc phong trào",
             optional=True, effect="stamp_close", tone=STOP,
             confirm=("Kết thúc phong trào: không nhận thêm kế hoạch, hồ sơ và không mở lại "
                      "được. Tiếp tục?"),
             notify=("participants",)),
    ],
)
