"""The roles people act in, defined once: identifier -> how the pages name it.

A unit-scoped role acts only on its own unit's items; a body-scoped role (the Văn thư)
acts for one body, which each step or edit it takes names (``Step.body``, ``Edit.body``:
one of BODIES); the others act province-wide.
"""
ROLES = {
    "unit_staff": "Cán bộ thi đua – khen thưởng đơn vị",
    "unit_head": "Thủ trưởng đơn vị",
    "board_appraiser": "Chuyên viên Ban Thi đua – Khen thưởng",
    "board_head": "Lãnh đạo Ban Thi đua – Khen thưởng",
    "chairman": "Chủ tịch / Phó Chủ tịch UBND",  # of a tỉnh or a city: no area word
    # The Văn thư of her own unit (NĐ 30): a Văn phòng's Văn thư is also the Văn thư of the
    # body it is the office of (Văn phòng UBND tỉnh → the Ủy ban: the Chairman's decisions).
    "office_clerk": "Văn thư",
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
BODY_SCOPED = CLERK
SYSTEM = frozenset()  # steps fired by another item's step

# The roles that act province-wide in the processes (the administrator acts in none); the
# Văn thư acts province-wide only where the body she serves is the province's Ủy ban.
PROVINCE = BOARD | CHAIRMAN | CLERK

# The bodies a body-scoped role's step or edit names: whose Văn thư acts on the item.
BODIES = {
    "unit": "the item's own unit (its kế hoạch, hồ sơ and tờ trình)",
    "issuer": "the body that issues the item: the campaign's issuer (the Ủy ban; its Văn "
              "thư sits in its Văn phòng)",
    "proposer": "the body of the Board head who signed the decision's tờ trình (Sở Nội vụ)",
}

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
