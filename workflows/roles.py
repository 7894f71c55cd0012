"""The roles people act in, defined once: identifier -> how the pages name it.

A unit-scoped role acts only on its own unit's items; the others act province-wide.
"""
ROLES = {
    "unit_staff": "Cán bộ thi đua – khen thưởng đơn vị",
    "unit_head": "Thủ trưởng đơn vị",
    "board_appraiser": "Chuyên viên Ban Thi đua – Khen thưởng",
    "board_head": "Lãnh đạo Ban Thi đua – Khen thưởng",
    "chairman": "Chủ tịch / Phó Chủ tịch UBND",  # of a tỉnh or a city: no area word
    "office_clerk": "Văn thư Văn phòng UBND",
    "admin": "Quản trị hệ thống",
}

STAFF = frozenset({"unit_staff"})
HEAD = frozenset({"unit_head"})
UNIT = STAFF | HEAD
UNIT_SCOPED = UNIT
APPRAISER = frozenset({"board_appraiser"})
BOARD_HEAD = frozenset({"board_head"})
BOARD = APPRAISER | BOARD_HEAD
CHAIRMAN = frozenset({"chairman"})
CLERK = frozenset({"office_clerk"})
ADMIN = frozenset({"admin"})
SYSTEM = frozenset()  # steps fired by another item's step

# The roles that act province-wide in the processes (the administrator acts in none).
PROVINCE = BOARD | CHAIRMAN | CLERK

# Who a step's message may go to (``Step.notify``), each resolved by the outbox
# (app/services/outbox.py, ``recipients``): a role of the processes (its holders; for a
# unit-scoped role, those of the item's unit), or one of these groups.
GROUPS = frozenset({
    "unit",            # the item's unit: its staff and its head
    "drafter",         # who last sent the item up (or created it)
    "participants",    # a campaign's participating units, staff and heads
    "awardee_units",   # a decision's units with a nominee on it (not struck)
    "distribution",    # the paper's Nơi nhận that have an address (not accounts)
})
AUDIENCES = PROVINCE | UNIT_SCOPED | GROUPS
