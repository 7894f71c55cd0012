"""Dossier (hồ sơ đề nghị khen thưởng): the unit's nominees, appraised by the Board.

The front half (submit, head_return, sign_off, withdraw, start_appraisal,
return_to_unit) is shared with the plan: see submission.py. The head's ``sign_off``
numbers the unit's tờ trình (…/TTr-{unit}) and keeps it with the council's minutes.
An appraised dossier's accepted nominees go into a Decision; ``include``,
``exclude`` and ``decide`` are fired by the Decision's own steps, never by hand.
"""
from dataclasses import dataclass

from workflows.engine import STOP, Edit, Process, Step
from workflows.guards import (
    council_meets_after_launch,
    dossier_is_complete,
    every_nominee_has_verdict,
    has_required_attachments,
    is_late,
    missing_attachments,
    no_duplicate_nominees,
    nominees_registered,
    plan_sent_where_required,
    plan_was_sent,
    quotas_respected,
    registered_where_required,
    some_nominee_accepted,
    vote_shares_meet_threshold,
)
from workflows.roles import APPRAISER, SYSTEM
from workflows.submission import FRONT_STATES, SEALING, content_edit, front_half, sealing_edit

# Everything the unit must settle before its head sees the dossier.
DOSSIER_READY = (dossier_is_complete, council_meets_after_launch, has_required_attachments,
                 vote_shares_meet_threshold, quotas_respected, no_duplicate_nominees)

DOSSIER = Process(
    name="dossier",
    collection="dossiers",
    label="Hồ sơ",
    noun="hồ sơ đề nghị khen thưởng",
    states={
        **FRONT_STATES,
        "appraised": "Đã thẩm định",
        "rejected": "Không chấp nhận",
        "in_proposal": "Đang trình khen thưởng",
        "decided": "Đã có quyết định",
    },
    initial="draft",
    final=frozenset({"rejected", "decided"}),
    documents={
        "proposal": "Tờ trình đề nghị khen thưởng",
        "minutes": "Biên bản họp Hội đồng Thi đua - Khen thưởng",
    },
    edits={
        "content": content_edit("sửa hồ sơ", "Hồ sơ"),
        SEALING: sealing_edit({"submitted", "in_appraisal", "appraised", "in_proposal",
                               "decided", "rejected"}),
        "verdicts": Edit(APPRAISER, frozenset({"in_appraisal"}), "ghi ý kiến thẩm định",
                         "Chỉ ghi ý kiến thẩm định khi hồ sơ đang được thẩm định.",
                         code="invalid_state",
                         questions={
                             "declined": (
                                 "Không đề nghị khen thưởng {name}: ý kiến «Không đề nghị» "
                                 "được ghi cho người này kèm lý do đã nhập; hồ sơ vẫn đang "
                                 "thẩm định, đơn vị đọc lý do khi Ban hoàn thành thẩm định. "
                                 "Ghi «Không đề nghị»?"),
                             "declined_many": (
                                 "Không đề nghị khen thưởng các tập thể, cá nhân đã chọn: ý "
                                 "kiến «Không đề nghị» được ghi cho từng người, cùng một lý do "
                                 "đã nhập; hồ sơ vẫn đang thẩm định, đơn vị đọc lý do khi Ban "
                                 "hoàn thành thẩm định. Ghi «Không đề nghị»?"),
                         }),
    },
    # the head signs the tờ trình; the biên bản is signed by the council's chair and
    # secretary, who are not signers in the system
    steps=front_half(noun="hồ sơ", ready=DOSSIER_READY, signed=("proposal", "minutes"),
                     esigned=("proposal",),
                     appraisal_effect="stamp_appraisal") + [
        Step("complete_appraisal", ("in_appraisal",), "appraised", APPRAISER,
             "Hoàn thành thẩm định",
             # the step that lets the dossier's nominees into a decision: where the campaign
             # blocks on an unsent plan, it is refused here, while the Board may still
             # return the dossier to the unit or reject it
             # and where a regular year blocks a title nominee without registration
             guards=(every_nominee_has_verdict, some_nominee_accepted, plan_sent_where_required,
                     registered_where_required),
             confirm=("Hoàn thành thẩm định: ý kiến về từng tập thể, cá nhân được chốt và "
                      "báo cho đơn vị; những người được chấp nhận có thể đưa vào dự thảo "
                      "quyết định. Tiếp tục?"),
             notify=("unit",)),
        Step("reject", ("in_appraisal",), "rejected", APPRAISER, "Không chấp nhận hồ sơ",
             comment=True, tone=STOP,
             confirm=("Không chấp nhận hồ sơ: hồ sơ kết thúc tại đây, ở trạng thái «Không "
                      "chấp nhận»; đơn vị được báo kèm lý do đã ghi và không gửi lại được hồ "
                      "sơ này. Tiếp tục?"),
             reason="Lý do không chấp nhận hồ sơ (bắt buộc; đơn vị sẽ đọc)",
             notify=("unit",)),
        Step("include", ("appraised",), "in_proposal", SYSTEM, "Đưa vào dự thảo quyết định",
             system=True),
        Step("exclude", ("in_proposal",), "appraised", SYSTEM, "Rút khỏi dự thảo quyết định",
             system=True),
        Step("decide", ("in_proposal",), "decided", SYSTEM, "Đã có quyết định khen thưởng",
             system=True),
    ],
)

# Papers the law asks a dossier to carry that the system writes itself from the dossier
# (requirement code -> the dossier's own document): they are never asked for as uploads.
GENERATED_PAPERS = {"to_trinh": "proposal", "bien_ban": "minutes"}

# A dossier in these states has put its nominees forward: the same subject may not be
# proposed again by another unit in the campaign.
PROPOSING = frozenset({"awaiting_head", "submitted", "in_appraisal", "returned", "appraised",
                       "in_proposal", "decided"})
# A decision draws its nominees from dossiers in these states.
DECIDABLE = frozenset({"appraised", "in_proposal"})


@dataclass(frozen=True)
class Check:
    code: str
    label: str
    ok: bool
    detail: str | None = None
    # a failed check that only warns: nothing refuses the appraisal for it
    warning: bool = False


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
    if f.regular_year:  # a year has registrations, not plans
        checks.append(Check("registration", "Danh hiệu đề nghị đã đăng ký thi đua",
                            *_verdict(registered_where_required(f) or nominees_registered(f)),
                            warning=not f.block_unregistered))
    else:
        checks.append(Check("plan", "Kế hoạch hưởng ứng của đơn vị đã gửi Ban TĐKT",
                            *_verdict(plan_sent_where_required(f) or plan_was_sent(f)),
                            warning=f.unsent_plan_rule != "block"))
    return checks


def _verdict(reason):
    return (reason is None, reason)
