"""Dossier (hồ sơ đề nghị khen thưởng): the unit's nominees, appraised by the Board.

An appraised dossier's accepted nominees go into a Decision; ``include``,
``exclude`` and ``decide`` are fired by the Decision's own steps, never by hand.
"""
from dataclasses import dataclass

from workflows.engine import Process, Step
from workflows.guards import (
    dossier_is_complete,
    every_nominee_has_verdict,
    has_required_attachments,
    is_late,
    missing_attachments,
    no_duplicate_nominees,
    quotas_respected,
    some_nominee_accepted,
    vote_shares_meet_threshold,
)
from workflows.submission import APPRAISER, FRONT_LABELS, FRONT_STATES, front_half

SYSTEM = frozenset()


# Everything the unit must settle before its head sees the dossier.
DOSSIER_READY = (dossier_is_complete, has_required_attachments, vote_shares_meet_threshold,
                 quotas_respected, no_duplicate_nominees)


DOSSIER = Process(
    name="dossier",
    label="Hồ sơ",
    states={
        **FRONT_STATES,
        "appraised": "Đã thẩm định",
        "rejected": "Không chấp nhận",
        "in_proposal": "Đang trình khen thưởng",
        "decided": "Đã có quyết định",
    },
    initial="draft",
    final=frozenset({"rejected", "decided"}),
    steps=front_half(DOSSIER_READY) + [
        Step("complete_appraisal", ("in_appraisal",), "appraised", APPRAISER,
             guards=(every_nominee_has_verdict, some_nominee_accepted), notify=("unit",)),
        Step("reject", ("in_appraisal",), "rejected", APPRAISER, comment=True, notify=("unit",)),
        Step("include", ("appraised",), "in_proposal", SYSTEM, system=True),
        Step("exclude", ("in_proposal",), "appraised", SYSTEM, system=True),
        Step("decide", ("in_proposal",), "decided", SYSTEM, system=True),
    ],
    trigger_labels={
        **FRONT_LABELS,
        "complete_appraisal": "Hoàn thành thẩm định",
        "reject": "Không chấp nhận hồ sơ",
        "include": "Đưa vào dự thảo quyết định",
        "exclude": "Rút khỏi dự thảo quyết định",
        "decide": "Đã có quyết định khen thưởng",
    },
)


@dataclass(frozen=True)
class Check:
    code: str
    label: str
    ok: bool
    detail: str | None = None


def appraisal_checklist(f) -> list[Check]:
    """The automatic checks the Board relies on, shown with the dossier."""
    missing = missing_attachments(f)
    checks = [
        Check("complete", "Hồ sơ đầy đủ thông tin", *_verdict(dossier_is_complete(f))),
        Check("attachments", "Đủ tài liệu bắt buộc", not missing,
              has_required_attachments(f)),
        Check("vote_share", "Tỷ lệ phiếu bầu đạt mức tối thiểu",
              *_verdict(vote_shares_meet_threshold(f))),
        Check("quota", "Trong chỉ tiêu số lượng của đơn vị", *_verdict(quotas_respected(f))),
        Check("duplicates", "Không trùng đề nghị trong phong trào",
              *_verdict(no_duplicate_nominees(f))),
        Check("deadline", "Gửi đúng hạn", not (f.submitted_late or is_late(f)),
              "Hồ sơ gửi sau hạn nộp." if (f.submitted_late or is_late(f)) else None),
    ]
    return checks


def _verdict(reason):
    return (reason is None, reason)
