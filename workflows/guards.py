"""Pure predicates for the process definitions.

Each takes a facts snapshot and returns ``None`` when its rule holds, or the
reason it does not, in Vietnamese, for the person who pressed the button.
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from workflows.numbers import percent


def fmt_date(d) -> str:
    return d.strftime("%d/%m/%Y")


def _list(items, limit=5) -> str:
    items = list(items)
    shown = ", ".join(f"«{i}»" for i in items[:limit])
    return shown + (f" và {len(items) - limit} mục khác" if len(items) > limit else "")


# -- campaign ---------------------------------------------------------------------


def campaign_is_ready(f) -> str | None:
    if f.kind == "regular":
        return year_is_ready(f)
    problems = []
    if not f.title.strip():
        problems.append("tên phong trào")
    if not f.period_start or not f.period_end or f.period_start > f.period_end:
        problems.append("thời gian thi đua hợp lệ")
    if not f.plan_deadline or not f.dossier_deadline:
        problems.append("hạn nộp kế hoạch và hạn nộp hồ sơ")
    elif f.plan_deadline > f.dossier_deadline:
        problems.append("hạn nộp kế hoạch không muộn hơn hạn nộp hồ sơ")
    if not f.contents:
        problems.append("ít nhất một nội dung thi đua")
    elif not all(f.contents.values()):
        empty = [t for t, n in f.contents.items() if not n]
        problems.append(f"chỉ tiêu cho nội dung {_list(empty)}")
    if not f.participant_count:
        problems.append("đơn vị tham gia")
    if not f.award_form_count:
        problems.append("hình thức khen thưởng")
    if f.vote_threshold is None or not (0 < f.vote_threshold <= 100):
        problems.append("tỷ lệ phiếu bầu tối thiểu (0–100%)")
    if problems:
        return "Phong trào chưa đủ thông tin để phát động: cần " + "; ".join(problems) + "."
    return None


def year_is_ready(f) -> str | None:
    """A regular-emulation year (thi đua thường xuyên) is launched with its plan's words,
    its year, its titles, its units and its two deadlines: registration, then year-end
    proposals."""
    problems = []
    if not f.title.strip():
        problems.append("tên kế hoạch thi đua năm")
    if not f.year:
        problems.append("năm thi đua")
    if not f.period_start or not f.period_end or f.period_start > f.period_end:
        problems.append("thời gian thi đua hợp lệ")
    if not f.registration_deadline or not f.dossier_deadline:
        problems.append("hạn đăng ký thi đua và hạn gửi hồ sơ đề nghị cuối năm")
    elif f.registration_deadline > f.dossier_deadline:
        problems.append("hạn đăng ký không muộn hơn hạn gửi hồ sơ đề nghị")
    if not f.participant_count:
        problems.append("đơn vị tham gia")
    if not f.award_form_count:
        problems.append("danh hiệu thi đua, hình thức khen thưởng")
    if f.vote_threshold is None or not (0 < f.vote_threshold <= 100):
        problems.append("tỷ lệ phiếu bầu tối thiểu (0–100%)")
    if problems:
        return "Năm thi đua chưa đủ thông tin để phát động: cần " + "; ".join(problems) + "."
    return None


def launch_dated_within_period(f) -> str | None:
    """The launch document is dated within the campaign's period, or shortly before it;
    never after the period has ended (nor years before it starts)."""
    if f.launch_date is None or f.period_start is None or f.period_end is None:
        return None
    if f.launch_date > f.period_end:
        return (f"Văn bản phát động không thể ban hành ngày {fmt_date(f.launch_date)}, sau khi "
                f"thời gian thi đua đã kết thúc ({fmt_date(f.period_end)}).")
    if f.launch_lead_days is not None:
        earliest = f.period_start - timedelta(days=f.launch_lead_days)
        if f.launch_date < earliest:
            return (f"Văn bản phát động ngày {fmt_date(f.launch_date)} sớm hơn quá "
                    f"{f.launch_lead_days} ngày so với thời gian thi đua (bắt đầu "
                    f"{fmt_date(f.period_start)}).")
    return None


# -- the shared front half of plans and dossiers --------------------------------------


def campaign_is_launched(f) -> str | None:
    if f.campaign_state != "launched":
        return "Phong trào chưa được phát động hoặc đã kết thúc, không thể gửi."
    return None


def is_late(f) -> bool:
    return f.deadline is not None and f.today > f.deadline


def deadline_allows(f) -> str | None:
    if is_late(f) and not f.accepts_late:
        return (
            f"Đã quá hạn nộp ({fmt_date(f.deadline)}) và phong trào không nhận hồ sơ nộp muộn."
        )
    return None


# -- plans -------------------------------------------------------------------------------


def plan_is_complete(f) -> str | None:
    missing_text = [title for title, text in f.sections.items() if not (text or "").strip()]
    missing_figures = [label for label, value in f.commitments.items() if value is None]
    problems = []
    if missing_text:
        problems.append(f"nội dung hưởng ứng cho {_list(missing_text)}")
    if missing_figures:
        problems.append(f"chỉ tiêu đăng ký cho {_list(missing_figures)}")
    if problems:
        return "Kế hoạch chưa đầy đủ: còn thiếu " + "; ".join(problems) + "."
    return None


# -- registrations (đăng ký thi đua) ----------------------------------------------------


def registration_is_complete(f) -> str | None:
    """A registration names at least one title, and every line names its title."""
    if not f.entries:
        return ("Bản đăng ký chưa có danh hiệu nào: đăng ký danh hiệu của tập thể hoặc của "
                "cá nhân trước khi trình.")
    return None


# -- dossiers ----------------------------------------------------------------------------


def dossier_is_complete(f) -> str | None:
    problems = []
    missing_results = [label for label, value in f.results.items() if value is None]
    if missing_results:
        problems.append(f"kết quả thực hiện chỉ tiêu {_list(missing_results)}")
    if not f.council_meeting_date:
        problems.append("ngày họp Hội đồng Thi đua – Khen thưởng của đơn vị")
    total, present = f.council_members_total, f.council_members_present
    if not total or not present:
        problems.append("số thành viên Hội đồng (tổng số và có mặt)")
    elif present > total:
        problems.append("số thành viên có mặt không vượt quá tổng số thành viên Hội đồng")
    if not f.nominees:
        problems.append("ít nhất một tập thể hoặc cá nhân được đề nghị")
    no_votes = [n.name for n in f.nominees if n.votes_for is None]
    if no_votes:
        problems.append(f"số phiếu đồng ý cho {_list(no_votes)}")
    if present:
        too_many = [n.name for n in f.nominees if n.votes_for is not None and n.votes_for > present]
        if too_many:
            problems.append(f"số phiếu không vượt quá số thành viên có mặt ({_list(too_many)})")
    not_offered = [n.name for n in f.nominees if not n.award_offered]
    if not_offered:
        problems.append(f"hình thức khen thưởng thuộc phong trào cho {_list(not_offered)}")
    if problems:
        return "Hồ sơ chưa đầy đủ: cần " + "; ".join(problems) + "."
    return None


def council_meets_after_launch(f) -> str | None:
    """The council cannot meet on a campaign before the launch document its minutes cite."""
    if f.council_meeting_date is None or f.launch_date is None:
        return None
    if f.council_meeting_date < f.launch_date:
        cited = f.launch_ref or "văn bản phát động"
        return (f"Ngày họp Hội đồng Thi đua – Khen thưởng ({fmt_date(f.council_meeting_date)}) "
                f"không thể trước ngày ban hành {cited} mà biên bản căn cứ "
                f"({fmt_date(f.launch_date)}).")
    return None


def missing_attachments(f) -> list[str]:
    missing = [name for code, name in f.required_dossier_attachments.items()
               if code not in f.attachments]
    for n in f.nominees:
        missing += [f"{name} của {n.name}" for code, name in f.required_nominee_attachments.items()
                    if code not in n.attachments]
    return missing


def has_required_attachments(f) -> str | None:
    missing = missing_attachments(f)
    if missing:
        return f"Thiếu tài liệu bắt buộc: {_list(missing)}."
    return None


def vote_share(votes_for, total) -> Decimal | None:
    if votes_for is None or not total:
        return None
    return (Decimal(votes_for) * 100 / Decimal(total)).quantize(Decimal("0.01"))


def vote_shares_meet_threshold(f) -> str | None:
    below = []
    for n in f.nominees:
        share = vote_share(n.votes_for, f.council_members_total)
        if share is not None and share < f.vote_threshold:
            below.append(f"{n.name} ({percent(share)})")
    if below:
        return (f"Tỷ lệ phiếu đồng ý dưới mức tối thiểu {percent(f.vote_threshold)} tổng số thành viên "
                f"Hội đồng: {_list(below)}.")
    return None


def quotas_respected(f) -> str | None:
    counts = Counter(n.award_form for n in f.nominees)
    over = [f"{form}: {counts[form]}/{quota}" for form, quota in f.quotas.items()
            if quota is not None and counts[form] > quota]
    if over:
        return f"Vượt chỉ tiêu số lượng đề nghị cho mỗi đơn vị ({'; '.join(over)})."
    return None


def no_duplicate_nominees(f) -> str | None:
    problems = [f"{n.name} (trùng trong hồ sơ)" for n in f.nominees if n.duplicate_in_dossier]
    problems += [f"{n.name} (đã được {', '.join(n.proposed_elsewhere)} đề nghị)"
                 for n in f.nominees if n.proposed_elsewhere]
    if problems:
        return ("Một tập thể, cá nhân không được đề nghị hai lần trong cùng phong trào: "
                f"{_list(problems)}.")
    return None


# What a campaign does with a dossier whose unit never sent its plan (kế hoạch hưởng ứng):
# the campaign's setting, "warn" unless the Board chose otherwise.
UNSENT_PLAN_RULES = {
    "warn": "Chỉ cảnh báo trong danh mục kiểm tra khi thẩm định",
    "block": "Không cho hoàn thành thẩm định hồ sơ",
}
UNSENT_PLAN_DEFAULT = "warn"


def plan_was_sent(f) -> str | None:
    """The unit's plan reached the Board before its dossier is appraised."""
    if f.unsent_plan is None:
        return None
    where = f" (đang ở trạng thái «{f.unsent_plan}»)" if f.unsent_plan else ""
    return f"Kế hoạch hưởng ứng của đơn vị chưa được gửi Ban Thi đua – Khen thưởng{where}."


def plan_sent_where_required(f) -> str | None:
    """Where the campaign says so, a dossier whose unit's plan was never sent is not
    appraised to the end: the Board returns it, or waits for the plan."""
    reason = plan_was_sent(f)
    if reason is None or f.unsent_plan_rule != "block":
        return None
    return (f"{reason} Phong trào yêu cầu đơn vị gửi kế hoạch trước khi hồ sơ được hoàn "
            "thành thẩm định: hãy trả lại hồ sơ cho đơn vị hoặc chờ đơn vị gửi kế hoạch.")


def nominees_registered(f) -> str | None:
    """A regular year's nominee for a title was registered for it by the unit at the start
    of the year (DOMAIN.md §4.4); one the Board declined no longer counts. A Bằng khen or a
    Giấy khen is never checked."""
    missing = [n.name for n in f.nominees if n.registered is False and n.verdict != "declined"]
    if not missing:
        return None
    return (f"Chưa đăng ký thi đua danh hiệu được đề nghị: {_list(missing)} (không có trong "
            f"bản đăng ký thi đua đơn vị đã gửi Ban, cùng tên và cùng danh hiệu).")


def registered_where_required(f) -> str | None:
    """Where the year says so, a title nominee without registration stops the appraisal:
    the Board declines that nominee, or returns the dossier."""
    reason = nominees_registered(f)
    if reason is None or not f.block_unregistered:
        return None
    return (f"{reason} Năm thi đua không xét danh hiệu cho người chưa đăng ký: hãy không "
            f"chấp nhận đề nghị này hoặc trả lại hồ sơ cho đơn vị.")


def every_nominee_has_verdict(f) -> str | None:
    pending = [n.name for n in f.nominees if n.verdict is None]
    unexplained = [n.name for n in f.nominees
                   if n.verdict == "declined" and not (n.verdict_reason or "").strip()]
    problems = []
    if pending:
        problems.append(f"chưa có ý kiến thẩm định cho {_list(pending)}")
    if unexplained:
        problems.append(f"chưa ghi lý do không đề nghị cho {_list(unexplained)}")
    if problems:
        return "Chưa hoàn thành thẩm định: " + "; ".join(problems) + "."
    return None


def some_nominee_accepted(f) -> str | None:
    if not any(n.verdict == "accepted" for n in f.nominees):
        return ("Không có tập thể, cá nhân nào được chấp nhận; "
                "hãy dùng «Không chấp nhận hồ sơ» kèm lý do.")
    return None


# -- decisions ---------------------------------------------------------------------------


def decision_has_nominees(f) -> str | None:
    if f.nominee_count == 0:
        return "Dự thảo quyết định chưa có tập thể, cá nhân nào."
    return None


def proposal_is_numbered(f) -> str | None:
    if not f.proposal_numbered:
        return ("Tờ trình của Ban chưa được Văn thư Sở Nội vụ cấp số và ký số phát hành; "
                "chờ Văn thư phát hành tờ trình rồi phê duyệt.")
    return None


def decision_keeps_someone(f) -> str | None:
    if f.nominee_count - f.struck_count <= 0:
        return ("Tất cả tập thể, cá nhân đã bị loại khỏi danh sách; "
                "hãy trả lại thay vì phê duyệt.")
    return None
