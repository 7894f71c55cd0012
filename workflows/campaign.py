"""Campaign (phong trào thi đua): drafted and launched by the Board, then closed."""
from workflows.engine import Process, Step
from workflows.guards import campaign_is_ready

BOARD_HEAD = frozenset({"board_head"})

CAMPAIGN = Process(
    name="campaign",
    label="Phong trào",
    states={
        "draft": "Dự thảo",
        "launched": "Đã phát động",
        "closed": "Đã kết thúc",
    },
    initial="draft",
    final=frozenset({"closed"}),
    steps=[
        Step("launch", ("draft",), "launched", BOARD_HEAD, guards=(campaign_is_ready,),
             notify=("participants",)),
        Step("close", ("launched",), "closed", BOARD_HEAD, optional=True, notify=("participants",)),
    ],
    trigger_labels={"launch": "Phát động", "close": "Kết thúc phong trào"},
)
