"""From records to document content: what each paper says, in which words.

Everything printed comes from data: units (names as printed, the body above them,
the place name, their head's title), users (signing titles), award forms, legal
bases in force and distribution lists. Nothing here knows python-docx.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from app.docgen import text as t
from app.docgen.model import (
    Appendix,
    Certificate,
    FormalDocument,
    Letterhead,
    ListSection,
    Para,
    Signature,
)


@dataclass(frozen=True)
class Issuer:
    """An issuing body as printed: from a Unit row."""

    code: str
    name: str  # "Ủy ban nhân dân tỉnh Lạng Sơn"
    header: tuple[str, ...]  # ("ỦY BAN NHÂN DÂN", "TỈNH LẠNG SƠN")
    parent_header: str | None  # "UBND TỈNH LẠNG SƠN" above "SỞ NỘI VỤ"
    place: str  # "Lạng Sơn"
    head_title: str  # "Chủ tịch", "Giám đốc", "Chánh Văn phòng"
    # The kind of area it governs, as the papers name it: "tỉnh", or "thành phố" for a
    # centrally-run city ("Quỹ thi đua, khen thưởng của thành phố"); from the unit's data.
    locality: str = ""
    # Its council's abbreviation in the biên bản's ký hiệu ("HĐTĐKT"); empty: ``code``.
    council: str = ""


@dataclass(frozen=True)
class Signer:
    name: str
    title: str  # "PHÓ CHỦ TỊCH"
    authority: str | None = None  # "KT. CHỦ TỊCH"
    # The whole block above the name, as the issuing body and the signer's authority make
    # it ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"); printed exactly.
    lines: tuple[str, ...] = ()

    def signature(self) -> Signature:
        if self.lines:
            return Signature(tuple(self.lines), self.name)
        lines = (self.authority, self.title) if self.authority else (self.title,)
        return Signature(tuple(line for line in lines if line), self.name)


@dataclass(frozen=True)
class Declined:
    """A nominee the Board declined, with the unit that proposed it and the reason."""

    nominee: object
    unit: str
    reason: str


@dataclass(frozen=True)
class Context:
    """What a document needs beyond its own record, gathered by the service."""

    issuer: Issuer
    signer: Signer
    draft: bool
    recipients: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()  # "Căn cứ …;" lines in force on the document's date
    doc_types: dict = field(default_factory=dict)  # code -> (title, abbreviation)
    board: Issuer | None = None  # the Board's body (Sở Nội vụ)
    office: Issuer | None = None  # the Chairman's Office
    finance: Issuer | None = None  # the department that pays the award money (Sở Tài chính)
    province: Issuer | None = None  # the Committee, to whom units propose
    launch_ref: str | None = None  # "Kế hoạch số 05/KH-UBND ngày 19/8/2019"
    addressees: tuple[str, ...] = ()  # the bodies a launch binds (its participants), by name
    declined: tuple[Declined, ...] = ()  # the Board's tờ trình: nominees it declined
    base_salary: Decimal | None = None  # mức lương cơ sở in force on the paper's date
    today: date | None = None  # the province's date (not the server's), for a draft's year
    now: datetime | None = None  # when the file is generated (UTC), for its properties
    # a Cờ thi đua's certificates: {nominee id: what the Cờ is for} (the cluster's lead)
    flag_reasons: dict = field(default_factory=dict)


def _today(ctx) -> date:
    return ctx.today or date.today()


def _letterhead(ctx, number, symbol, on, subject=None):
    year = (on or _today(ctx)).year
    return Letterhead(
        issuer=ctx.issuer.header,
        parent=ctx.issuer.parent_header,
        number=t.number_line(None if ctx.draft else number, symbol),
        place_date=t.place_date(ctx.issuer.place, None if ctx.draft else on, year),
        subject=subject,
    )


def _abbr(ctx, code):
    return ctx.doc_types[code][1]


def _title(ctx, code):
    return ctx.doc_types[code][0]


def _award_phrase(nominee) -> str:
    if nominee.kind == "individual":
        head = f"{nominee.title} {nominee.name}".strip()
        parts = [head, nominee.position_title, nominee.organisation]
    else:
        parts = [nominee.name, nominee.organisation]
    return ", ".join(p for p in parts if p)


def _nominee_sections(nominees, with_unit=None) -> tuple[ListSection, ...]:
    """I. TẬP THỂ, then II. CÁ NHÂN, each numbered in order."""
    groups = [("TẬP THỂ", [n for n in nominees if n.kind == "collective"]),
              ("CÁ NHÂN", [n for n in nominees if n.kind == "individual"])]
    sections, roman = [], iter(t.ROMAN)
    last_group = max((i for i, (_, g) in enumerate(groups) if g), default=-1)
    for i, (label, members) in enumerate(groups):
        if not members:
            continue
        entries = []
        for n in members:
            phrase = _award_phrase(n)
            if with_unit:
                phrase += f" ({with_unit(n)})"
            entries.append(phrase)
        numbered = list(t.enumerate_entries(entries))
        if i != last_group:  # only the very last entry of the list closes with a full stop
            numbered[-1] = numbered[-1][:-1] + ";"
        sections.append(ListSection(f"{next(roman)}. {label} ({t.two(len(members))})",
                                    tuple(numbered)))
    return tuple(sections)


# -- the campaign launch document --------------------------------------------------------------


def launch_document(campaign, ctx: Context) -> FormalDocument:
    """One of three forms, each with its own structure (NĐ 30/2020 Phụ lục I and III): a
    Kế hoạch (headings I–IV), a Chỉ thị (directive prose to the bodies it binds) or a
    công văn (Kính gửi, V/v under its number). Each ends "./." before Nơi nhận."""
    kind = campaign.launch_type
    symbol = (f"{ctx.issuer.code}-{ctx.board.code}" if kind == "cong_van" and ctx.board
              else f"{_abbr(ctx, kind)}-{ctx.issuer.code}")
    number = _launch_number(campaign)
    phrase = _lower_first(campaign.title)
    recipients = ctx.recipients
    addressees: tuple[str, ...] = ()
    if kind == "cong_van":
        head = _letterhead(ctx, number, symbol, campaign.launch_date,
                           subject=f"V/v phát động {phrase}")
        kind_title, summary = None, None
        addressees = ctx.addressees or ("Các cơ quan, đơn vị tham gia phong trào thi đua",)
        body = _launch_letter(campaign, ctx, phrase)
        if not any(r.strip().rstrip(";.") == "Như trên" for r in recipients):
            recipients = ("Như trên", *recipients)
    elif kind == "chi_thi":
        head = _letterhead(ctx, number, symbol, campaign.launch_date)
        kind_title, summary = _title(ctx, kind), f"Về việc phát động {phrase}"
        body = _launch_directive(campaign, ctx, phrase)
    else:
        head = _letterhead(ctx, number, symbol, campaign.launch_date)
        kind_title, summary = _title(ctx, kind), f"Phát động {phrase}"
        body = _launch_plan(campaign, ctx, phrase)
    return FormalDocument(
        letterhead=head, kind_title=kind_title, summary=summary, body=_closed(body),
        signature=ctx.signer.signature(), recipients=t.recipients(recipients),
        addressees=addressees, draft=ctx.draft,
        title_for_properties=f"Phát động {campaign.title}")


def _lower_first(title: str) -> str:
    return f"{title[0].lower()}{title[1:]}" if title else ""


def _closed(body) -> tuple[Para, ...]:
    """The body's last paragraph ends "./." (NĐ 30: the end of the text), nothing after it;
    an earlier one that ends so (typed text that was the end of another paper) ends "."."""
    body = [Para(p.text.rstrip()[:-3] + ".", p.style, p.lead)
            if p.text.rstrip().endswith("./.") else p for p in body[:-1]] + list(body[-1:])
    last = body[-1]
    text = last.text.rstrip()
    if not text.endswith("./."):
        text = (text[:-1] if text[-1:] in ".;:," else text) + "./."
    body[-1] = Para(text, last.style, last.lead)
    return tuple(body)


def _purpose_prose(campaign):
    """The purpose as prose: its short numbered sub-headings ("1. Mục đích") left out."""
    return [p for p in t.paragraphs(campaign.purpose) if not _is_numbered_heading(p)]


def _deadlines(campaign, ctx):
    if not (campaign.plan_deadline and campaign.dossier_deadline):
        return None
    receiver = ctx.board.name if ctx.board else "cơ quan thường trực"
    return (f"gửi kế hoạch hưởng ứng về {receiver} (Ban Thi đua - Khen thưởng) trước ngày "
            f"{t.short_date(campaign.plan_deadline)}; gửi hồ sơ đề nghị khen thưởng trước ngày "
            f"{t.short_date(campaign.dossier_deadline)}")


def _award_lines(campaign, quota_sep=", "):
    """Each award form offered, with its quota per unit: "Bằng khen …, mỗi cơ quan …"."""
    for offer in campaign.award_forms:
        quota = (f"{quota_sep}mỗi cơ quan, đơn vị đề nghị không quá "
                 f"{t.two(offer.quota_per_unit)} tập thể, cá nhân" if offer.quota_per_unit
                 else "")
        yield offer.award_form.name, quota


def _contents(campaign, marks):
    """Each content under its mark (1., 2. … or a), b) …), its text and its targets."""
    out = []
    for mark, content in zip(marks, campaign.contents, strict=False):
        out.append(Para(f"{mark} {content.title}", "heading"))
        out += [Para(p) for p in t.paragraphs(content.description)]
        if content.targets:
            out.append(Para("Chỉ tiêu thi đua:", "note"))
            out += [Para(f"- {_target_line(target)};") for target in content.targets]
    return out


def _launch_plan(campaign, ctx, phrase):
    body = [Para(f"{ctx.issuer.name} phát động {phrase} như sau:"),
            Para("I. MỤC ĐÍCH, Ý NGHĨA, YÊU CẦU", "heading")]
    body += [Para(p, "heading" if _is_numbered_heading(p) else "body")
             for p in t.paragraphs(campaign.purpose)]
    body.append(Para("II. THỜI GIAN, CHỦ ĐỀ THI ĐUA", "heading"))
    body.append(Para(f"1. Thời gian: Từ ngày {t.short_date(campaign.period_start)} đến ngày "
                     f"{t.short_date(campaign.period_end)}."))
    if campaign.theme:
        body.append(Para(f"2. Chủ đề thi đua: “{campaign.theme}”."))
    body.append(Para("III. NỘI DUNG THI ĐUA", "heading"))
    body += _contents(campaign, (f"{i}." for i in range(1, 100)))
    body.append(Para("IV. TỔ CHỨC THỰC HIỆN", "heading"))
    body += [Para(p) for p in t.paragraphs(campaign.implementation)]
    deadlines = _deadlines(campaign, ctx)
    if deadlines:
        body.append(Para(f"Các cơ quan, đơn vị {deadlines}."))
    body += [Para(f"Hình thức khen thưởng: {name}{quota}.")
             for name, quota in _award_lines(campaign)]
    return body


def _bound(ctx) -> str:
    """Whom a Chỉ thị binds: the participating bodies by name when they are few."""
    names = ctx.addressees
    if names and len(names) <= 6:
        return f"Thủ trưởng các cơ quan, đơn vị ({', '.join(names)})"
    return "Thủ trưởng các cơ quan, đơn vị tham gia phong trào thi đua"


def _launch_directive(campaign, ctx, phrase):
    chairman = f"Chủ tịch {ctx.issuer.name}"
    bound = _bound(ctx)
    body = [Para(p) for p in _purpose_prose(campaign)]
    body.append(Para(f"Để {phrase} đạt kết quả thiết thực, {chairman} yêu cầu:"))
    theme = f", với chủ đề “{campaign.theme}”" if campaign.theme else ""
    body.append(Para(
        f"1. {bound} tổ chức phát động, triển khai {phrase} từ ngày "
        f"{t.short_date(campaign.period_start)} đến ngày {t.short_date(campaign.period_end)}"
        f"{theme}, tập trung vào các nội dung sau:"))
    body += _contents(campaign, (f"{chr(ord('a') + i)})" for i in range(26)))
    deadlines = _deadlines(campaign, ctx)
    n = 2
    if deadlines:
        body.append(Para(f"{n}. Các cơ quan, đơn vị xây dựng kế hoạch hưởng ứng, {deadlines}."))
        n += 1
    for name, quota in _award_lines(campaign, "; "):
        body.append(Para(f"{n}. {chairman} xem xét tặng {name} cho tập thể, cá nhân có thành "
                         f"tích xuất sắc trong phong trào thi đua{quota}."))
        n += 1
    implementation = t.paragraphs(campaign.implementation)
    if implementation:
        body.append(Para(f"{n}. {implementation[0]}"))
        body += [Para(p) for p in implementation[1:]]
    body.append(Para(f"{chairman} yêu cầu {bound[0].lower()}{bound[1:]} nghiêm túc triển khai, "
                     f"thực hiện Chỉ thị này."))
    return body


def _launch_letter(campaign, ctx, phrase):
    body = [Para(f"{ctx.issuer.name} phát động {phrase}, cụ thể như sau:")]
    prose = _purpose_prose(campaign)
    if prose:
        body.append(Para("1. Mục đích, yêu cầu", "heading"))
        body += [Para(p) for p in prose]
    marks = (f"{i}." for i in range(2 if prose else 1, 100))
    body.append(Para(f"{next(marks)} Thời gian, chủ đề thi đua", "heading"))
    theme = f"; chủ đề thi đua: “{campaign.theme}”" if campaign.theme else ""
    body.append(Para(f"Thời gian: Từ ngày {t.short_date(campaign.period_start)} đến ngày "
                     f"{t.short_date(campaign.period_end)}{theme}."))
    body.append(Para(f"{next(marks)} Nội dung thi đua", "heading"))
    body += _contents(campaign, (f"{chr(ord('a') + i)})" for i in range(26)))
    awards = list(_award_lines(campaign))
    if awards:
        body.append(Para(f"{next(marks)} Hình thức khen thưởng", "heading"))
        body += [Para(f"{name}{quota}.") for name, quota in awards]
    body.append(Para(f"{next(marks)} Tổ chức thực hiện", "heading"))
    body += [Para(p) for p in t.paragraphs(campaign.implementation)]
    deadlines = _deadlines(campaign, ctx)
    if deadlines:
        body.append(Para(f"Các cơ quan, đơn vị {deadlines}."))
    body.append(Para(f"{ctx.issuer.name} đề nghị các cơ quan, đơn vị triển khai thực hiện."))
    return body


def _launch_number(campaign):
    if campaign.launch_number and "/" in campaign.launch_number:
        head = campaign.launch_number.split("/", 1)[0]
        return int(head) if head.isdigit() else None
    return None


def _is_numbered_heading(paragraph: str) -> bool:
    return len(paragraph) < 40 and paragraph[:2].rstrip(".").isdigit()


def _target_line(target) -> str:
    sign = {">=": "tối thiểu ", "<=": "tối đa ", "=": ""}.get(target.comparison, "")
    unit = f" {target.measure_unit}" if target.measure_unit and target.measure_unit != "%" else (
        "%" if target.measure_unit == "%" else "")
    return f"{target.label}: {sign}{t.figure(target.value)}{unit}"


# -- a unit's plan -------------------------------------------------------------------------------


def unit_plan(plan, ctx: Context) -> FormalDocument:
    campaign = plan.campaign
    symbol = f"{_abbr(ctx, 'ke_hoach')}-{ctx.issuer.code}"
    texts = {s.content_id: s.text for s in plan.sections}
    figures = {c.target_id: c for c in plan.commitments}
    body = [Para(f"Thực hiện {ctx.launch_ref or 'văn bản phát động'} của {_province_name(ctx)} "
                 f"về {campaign.title[0].lower()}{campaign.title[1:]}, {ctx.issuer.name} "
                 f"xây dựng Kế hoạch hưởng ứng như sau:"),
            Para("I. MỤC ĐÍCH, YÊU CẦU", "heading")]
    body += [Para(p) for p in t.paragraphs(plan.summary)]
    body.append(Para("II. NỘI DUNG VÀ CHỈ TIÊU ĐĂNG KÝ", "heading"))
    for i, content in enumerate(campaign.contents, start=1):
        body.append(Para(f"{i}. {content.title}", "heading"))
        body += [Para(p) for p in t.paragraphs(texts.get(content.id, ""))]
        for target in content.targets:
            commitment = figures.get(target.id)
            if commitment is not None:
                unit = target.measure_unit
                value = t.figure(commitment.value) + ("%" if unit == "%" else f" {unit}".rstrip())
                note = f" ({commitment.note})" if commitment.note else ""
                body.append(Para(f"- {target.label}: đăng ký {value}{note};"))
    body.append(Para("III. TỔ CHỨC THỰC HIỆN", "heading"))
    board = ctx.board.name if ctx.board else "cơ quan thường trực"
    body.append(Para(
        f"Các phòng, đơn vị trực thuộc căn cứ Kế hoạch này tổ chức thực hiện; kết thúc đợt thi "
        f"đua, tổng hợp kết quả, báo cáo {ctx.issuer.name} để gửi {board} (Ban Thi đua - Khen "
        f"thưởng) theo quy định."))
    recipients = [f"{board} (Ban TĐKT)", "Lưu: VT"]
    return FormalDocument(
        letterhead=_letterhead(ctx, plan.number, symbol, plan.signed_on),
        kind_title=_title(ctx, "ke_hoach"),
        summary=f"Hưởng ứng {campaign.title[0].lower()}{campaign.title[1:]}",
        body=_closed(body), signature=ctx.signer.signature(),
        recipients=t.recipients(recipients), draft=ctx.draft,
        title_for_properties=f"Kế hoạch hưởng ứng – {ctx.issuer.name}")


def _province_name(ctx):
    if ctx.province:
        return ctx.province.name
    return " ".join(x for x in ("Ủy ban nhân dân", ctx.issuer.locality) if x)


# -- a unit's registration for a regular year (đăng ký thi đua) --------------------------------


def _registration_sections(entries) -> tuple[ListSection, ...]:
    """I. TẬP THỂ, then II. CÁ NHÂN: each line its name (and position) and the title aimed
    for."""
    groups = [("TẬP THỂ", [e for e in entries if e.kind == "collective"]),
              ("CÁ NHÂN", [e for e in entries if e.kind == "individual"])]
    sections, roman = [], iter(t.ROMAN)
    last_group = max((i for i, (_, g) in enumerate(groups) if g), default=-1)
    for i, (label, members) in enumerate(groups):
        if not members:
            continue
        lines = []
        for e in members:
            who = ", ".join(p for p in (e.name, e.position_title, e.organisation) if p)
            lines.append(f"{who}: đăng ký danh hiệu “{_title_name(e.award_form.name)}”")
        numbered = list(t.enumerate_entries(lines))
        if i != last_group:
            numbered[-1] = numbered[-1][:-1] + ";"
        sections.append(ListSection(f"{next(roman)}. {label} ({t.two(len(members))})",
                                    tuple(numbered)))
    return tuple(sections)


def _title_name(name: str) -> str:
    """"Danh hiệu Lao động tiên tiến" -> "Lao động tiên tiến" (the list says danh hiệu)."""
    return name[len("Danh hiệu "):] if name.startswith("Danh hiệu ") else name


def unit_registration(registration, ctx: Context) -> FormalDocument:
    """The unit's công văn to the Board (NĐ 30 Phụ lục I: no kind title, V/v under its
    number, Kính gửi), with the list of the titles it registers as its appendix."""
    campaign = registration.campaign
    year = campaign.year
    symbol = f"{ctx.issuer.code}-TĐKT"
    entries = list(registration.entries)
    board = ctx.board.name if ctx.board else "Ban Thi đua - Khen thưởng"
    collectives = sum(1 for e in entries if e.kind == "collective")
    counted = t.counted(collectives, len(entries) - collectives) or "tập thể, cá nhân"
    body = [Para(f"Thực hiện {ctx.launch_ref or 'văn bản hướng dẫn'} của {_province_name(ctx)} "
                 f"về {_lower_first(campaign.title)}, {ctx.issuer.name} đăng ký thi đua năm "
                 f"{year} như sau:")]
    body += [Para(p) for p in t.paragraphs(registration.note)]
    body.append(Para(f"{ctx.issuer.name} đăng ký danh hiệu thi đua năm {year} cho {counted} "
                     f"(có danh sách kèm theo) và cam kết tổ chức thực hiện thắng lợi các mục "
                     f"tiêu, chỉ tiêu đã đăng ký."))
    body.append(Para(f"Kính đề nghị {board} tổng hợp, theo dõi./."))
    ref = (f"(Kèm theo Công văn số "
           f"{t.number_ref(None if ctx.draft else registration.number, symbol)} "
           f"{_ref_date(ctx, registration.signed_on)} của {ctx.issuer.name})")
    return FormalDocument(
        letterhead=_letterhead(ctx, registration.number, symbol, registration.signed_on,
                               subject=f"V/v đăng ký thi đua năm {year}"),
        kind_title=None, summary=None,
        addressees=(f"{board} (Ban Thi đua - Khen thưởng)",) if ctx.board else (board,),
        body=tuple(body), signature=ctx.signer.signature(),
        recipients=t.recipients(["Như trên", "Lưu: VT"]), draft=ctx.draft,
        appendix=Appendix("DANH SÁCH", f"ĐĂNG KÝ DANH HIỆU THI ĐUA NĂM {year}", ref,
                          _registration_sections(entries)),
        title_for_properties=f"Đăng ký thi đua năm {year} – {ctx.issuer.name}")


# -- a unit's proposal and its council minutes --------------------------------------------------


def _forms_phrase(nominees) -> str:
    names = []
    for n in nominees:
        if n.award_form.name not in names:
            names.append(n.award_form.name)
    return ", ".join(names)


def _request(nominees) -> str:
    """What a unit asks for: "tặng Bằng khen …", or "khen thưởng" while its draft names no
    one yet (never "tặng  cho")."""
    forms = _forms_phrase(nominees)
    return f"tặng {forms}" if forms else "khen thưởng"


def unit_proposal(dossier, ctx: Context) -> FormalDocument:
    campaign = dossier.campaign
    symbol = f"{_abbr(ctx, 'to_trinh')}-{ctx.issuer.code}"
    nominees = list(dossier.nominees)
    province = _province_name(ctx)
    chairman = f"Chủ tịch {province}"
    body = [Para(f"Căn cứ {ctx.launch_ref or 'văn bản phát động'} của {province} về "
                 f"{campaign.title[0].lower()}{campaign.title[1:]};", "basis")]
    if dossier.council_meeting_date:
        body.append(Para(f"Căn cứ Biên bản họp Hội đồng Thi đua - Khen thưởng {ctx.issuer.name} "
                         f"ngày {t.short_date(dossier.council_meeting_date)},", "basis"))
    body += [Para(p) for p in t.paragraphs(dossier.summary)]
    collectives = sum(1 for n in nominees if n.kind == "collective")
    body.append(Para(
        f"{ctx.issuer.name} kính trình {chairman} xem xét, {_request(nominees)} cho "
        f"{t.counted(collectives, len(nominees) - collectives) or 'tập thể, cá nhân'} (có danh "
        f"sách kèm theo) đã có thành tích xuất sắc trong "
        f"{campaign.title[0].lower()}{campaign.title[1:]}."))
    body.append(Para(f"Kính trình {chairman} xem xét, quyết định./."))
    board = ctx.board.name if ctx.board else None
    recipients = ["Như trên"] + ([f"{board} (Ban TĐKT)"] if board else []) + ["Lưu: VT"]
    ref = (f"(Kèm theo Tờ trình số {t.number_ref(None if ctx.draft else dossier.number, symbol)}"
           f" {_ref_date(ctx, dossier.signed_on)} của {ctx.issuer.name})")
    return FormalDocument(
        letterhead=_letterhead(ctx, dossier.number, symbol, dossier.signed_on),
        kind_title=_title(ctx, "to_trinh"),
        summary=(f"Đề nghị {_request(nominees)} cho tập thể, cá nhân có thành tích "
                 f"xuất sắc trong {campaign.title[0].lower()}{campaign.title[1:]}"),
        addressee=f"Kính gửi: {chairman}.",
        body=tuple(body), signature=ctx.signer.signature(),
        recipients=t.recipients(recipients), draft=ctx.draft,
        appendix=Appendix("DANH SÁCH", "TẬP THỂ, CÁ NHÂN ĐỀ NGHỊ KHEN THƯỞNG", ref,
                          _nominee_sections(nominees, with_unit=lambda n: _vote_note(dossier, n))),
        title_for_properties=f"Tờ trình đề nghị khen thưởng – {ctx.issuer.name}")


def _ref_date(ctx, d):
    return f"ngày {t.short_date(d)}" if (d and not ctx.draft) else "ngày      /      /"


def _vote_note(dossier, nominee):
    from workflows.guards import vote_share

    share = vote_share(nominee.votes_for, dossier.council_members_total)
    if share is None:
        return nominee.award_form.name
    return (f"{nominee.award_form.name}; {t.two(nominee.votes_for)}/"
            f"{t.two(dossier.council_members_total)} phiếu, đạt {t.figure(share)}%")


def _clock(at) -> str:
    """08:00 → "08 giờ 00 phút"."""
    return f"{at.hour:02d} giờ {at.minute:02d} phút"


def council_minutes(dossier, ctx: Context) -> FormalDocument:
    from workflows.guards import vote_share

    campaign = dossier.campaign
    meeting = dossier.council_meeting_date
    total, present = dossier.council_members_total, dossier.council_members_present
    members = [m.strip().rstrip(";.") for m in (dossier.council_members or "").splitlines()
               if m.strip()]
    started = (f"Vào hồi {_clock(dossier.council_started_at)}, "
               if dossier.council_started_at else "Hôm nay, ")
    body = [
        Para(f"{started}{t.long_date(meeting) if meeting else 'ngày      tháng      năm'}, tại "
             f"{ctx.issuer.name}, Hội đồng Thi đua - Khen thưởng {ctx.issuer.name} họp xét đề nghị "
             f"khen thưởng trong {campaign.title[0].lower()}{campaign.title[1:]}."),
        Para("I. THÀNH PHẦN", "heading"),
        Para(f"- Chủ trì: {dossier.council_chair}."),
        Para(f"- Thư ký: {dossier.council_secretary}."),
        Para(f"- Thành viên Hội đồng có mặt: {t.two(present or 0)}/{t.two(total or 0)} "
             f"thành viên{', gồm:' if members else '.'}"),
    ]
    body += [Para(f"+ {m}{'.' if i == len(members) else ';'}")
             for i, m in enumerate(members, start=1)]
    body += [
        Para("II. NỘI DUNG", "heading"),
        Para(f"Hội đồng đã nghe báo cáo thành tích của các tập thể, cá nhân được đề xuất, thảo "
             f"luận và bỏ phiếu kín. Tỷ lệ phiếu đồng ý tính trên tổng số thành viên Hội đồng; "
             f"mức tối thiểu để đề nghị khen thưởng là {t.figure(campaign.vote_threshold)}%."),
        Para("III. KẾT QUẢ BỎ PHIẾU", "heading"),
    ]
    for i, n in enumerate(dossier.nominees, start=1):
        share = vote_share(n.votes_for, total)
        body.append(Para(f"{i}. {_award_phrase(n)} - {n.award_form.name}: "
                         f"{t.two(n.votes_for or 0)}/{t.two(total or 0)} phiếu đồng ý, đạt "
                         f"{t.figure(share or Decimal(0))}%."))
    passing = [n for n in dossier.nominees
               if (vote_share(n.votes_for, total) or 0) >= campaign.vote_threshold]
    collectives = sum(1 for n in passing if n.kind == "collective")
    body.append(Para("IV. KẾT LUẬN", "heading"))
    body.append(Para(
        f"Hội đồng thống nhất đề nghị khen thưởng {t.counted(collectives, len(passing) - collectives)}"
        f" đạt tỷ lệ phiếu đồng ý từ {t.figure(campaign.vote_threshold)}% trở lên."
        if passing else "Không có tập thể, cá nhân nào đạt tỷ lệ phiếu đồng ý tối thiểu."))
    ended = (f"Cuộc họp kết thúc vào hồi {_clock(dossier.council_ended_at)} cùng ngày. "
             if dossier.council_ended_at else "")
    body.append(Para(f"{ended}Biên bản được lập và thông qua tại cuộc họp./."))
    # the council's book: the ký hiệu typed with the number, else BB- and the council's own
    symbol = (dossier.council_minutes_symbol
              or f"{_abbr(ctx, 'bien_ban')}-{ctx.issuer.council or ctx.issuer.code}")
    return FormalDocument(
        letterhead=Letterhead(issuer=ctx.issuer.header, parent=ctx.issuer.parent_header,
                              number=t.number_line(dossier.council_minutes_number, symbol),
                              place_date=t.place_date(ctx.issuer.place, meeting)),
        kind_title=_title(ctx, "bien_ban"),
        summary=f"Họp Hội đồng Thi đua - Khen thưởng {ctx.issuer.name}",
        body=tuple(body),
        signature=Signature(("CHỦ TRÌ",), dossier.council_chair),
        left_signature=Signature(("THƯ KÝ",), dossier.council_secretary),
        draft=ctx.draft, title_for_properties=f"Biên bản họp Hội đồng TĐKT – {ctx.issuer.name}")


# -- the Board's proposal and the decision -------------------------------------------------------


def board_proposal(decision, ctx: Context) -> FormalDocument:
    """The Board's TỜ TRÌNH: Căn cứ (the law, the province's Quy chế, from reference data;
    the launch; the units' dossiers), the appraisal's summary, the nominees declined with
    the reasons, the counts by award form, the money the awards cost, the request./."""
    campaign = decision.campaign
    phrase = _lower_first(campaign.title)
    symbol = f"{_abbr(ctx, 'to_trinh')}-{ctx.issuer.code}"
    nominees = [n for n in decision.nominees if not n.struck]
    province = _province_name(ctx)
    collectives = sum(1 for n in nominees if n.kind == "collective")
    units = sorted({n.dossier.unit.name for n in nominees}
                   | {d.unit for d in ctx.declined})
    declined = list(ctx.declined)
    proposed = len(nominees) + len(declined)
    body = [Para(b, "basis") for b in ctx.bases]
    body += [
        Para(f"Căn cứ {ctx.launch_ref or 'văn bản phát động'} của {province} về {phrase};",
             "basis"),
        Para(f"Căn cứ hồ sơ đề nghị khen thưởng của {t.two(len(units))} cơ quan, đơn vị.",
             "basis"),  # the last Căn cứ before a heading closes with a full stop
        Para("I. KẾT QUẢ THẨM ĐỊNH", "heading"),
        Para(f"{ctx.issuer.name} (Ban Thi đua - Khen thưởng) đã thẩm định hồ sơ của "
             f"{t.two(len(units))} cơ quan, đơn vị đề nghị tặng {decision.award_form.name} cho "
             f"{t.two(proposed)} tập thể, cá nhân. Kết quả: {t.two(len(nominees))} tập thể, cá "
             f"nhân đủ điều kiện, tiêu chuẩn; {t.two(len(declined))} tập thể, cá nhân không đủ "
             f"điều kiện, tiêu chuẩn" + (":" if declined else ".")),
    ]
    for i, d in enumerate(declined, start=1):
        end = "." if i == len(declined) else ";"
        body.append(Para(f"- {_award_phrase(d.nominee)} ({d.unit}): {d.reason.rstrip('.;')}{end}"))
    body.append(Para("II. ĐỀ NGHỊ KHEN THƯỞNG", "heading"))
    by_form: dict[str, list[int]] = {}
    for n in nominees:
        counts = by_form.setdefault(n.award_form.name, [0, 0])
        counts[0 if n.kind == "collective" else 1] += 1
    for name, (c, i) in by_form.items():
        body.append(Para(f"- {name}: {t.counted(c, i)};"))
    money = _award_money(nominees, ctx.base_salary)
    if money is not None:
        body.append(Para(
            f"- Tổng số tiền thưởng: {t.figure(money)} đồng (tính theo hệ số tiền thưởng của "
            f"từng hình thức khen thưởng nhân với mức lương cơ sở "
            f"{t.figure(ctx.base_salary)} đồng), từ nguồn Quỹ thi đua, khen thưởng "
            f"của {ctx.province.locality if ctx.province and ctx.province.locality else province}."))
    elif body[-1].text.endswith(";"):
        body[-1] = Para(body[-1].text[:-1] + ".")
    body.append(Para(
        f"{ctx.issuer.name} kính trình Chủ tịch {province} xem xét, tặng "
        f"{decision.award_form.name} cho {t.counted(collectives, len(nominees) - collectives)}"
        f" (có danh sách kèm theo) đã có thành tích xuất sắc trong {phrase}."))
    body.append(Para(f"Kính trình Chủ tịch {province} xem xét, quyết định./."))
    ref = (f"(Kèm theo Tờ trình số {t.number_ref(None if ctx.draft else decision.proposal_number, symbol)}"
           f" {_ref_date(ctx, decision.proposal_date)} của {ctx.issuer.name})")
    return FormalDocument(
        letterhead=_letterhead(ctx, decision.proposal_number, symbol, decision.proposal_date),
        kind_title=_title(ctx, "to_trinh"),
        summary=f"Đề nghị tặng {decision.award_form.name}",
        addressee=f"Kính gửi: Chủ tịch {province}.",
        body=tuple(body), signature=ctx.signer.signature(),
        recipients=t.recipients(["Như trên", "Lưu: VT, Ban TĐKT"]), draft=ctx.draft,
        appendix=Appendix("DANH SÁCH", "TẬP THỂ, CÁ NHÂN ĐỀ NGHỊ TẶNG "
                          + decision.award_form.name.upper(), ref,
                          _nominee_sections(nominees)),
        title_for_properties="Tờ trình đề nghị khen thưởng")


def _multiplier(nominee):
    form = nominee.award_form
    return (form.money_multiplier_collective if nominee.kind == "collective"
            else form.money_multiplier_individual)


def _award_money(nominees, base_salary) -> Decimal | None:
    """Σ (the award form's multiplier for a collective or an individual) × mức lương cơ sở;
    None when the salary or a multiplier is not in the reference data."""
    if base_salary is None:
        return None
    total = Decimal(0)
    for n in nominees:
        multiplier = _multiplier(n)
        if multiplier is None:
            return None
        total += Decimal(str(multiplier)) * Decimal(str(base_salary))
    return total


def _act_document(decision, ctx: Context, symbol, authority, bases) -> FormalDocument:
    """A decision that cancels (hủy bỏ) or replaces (thay thế) an issued one (issue 23): the
    decision it names, the reason, and for a cancellation what the awardees give back."""
    old = decision.amends
    named = (f"Quyết định số {old.number_label} ngày {t.short_date(old.issued_on)} của "
             f"{authority} {old.title[0].lower()}{old.title[1:]}")
    reason = (decision.act_reason or "").strip().rstrip(".;")
    body = [Para(b, "basis") for b in bases]
    if ctx.board and decision.proposal_date:
        body.append(Para(
            f"Theo đề nghị của {ctx.board.head_title} {ctx.board.name} tại Tờ trình số "
            f"{t.number_ref(decision.proposal_number, decision.proposal_symbol or 'TTr')} "
            f"ngày {t.short_date(decision.proposal_date)}.", "basis"))
    body.append(Para(f"{_title(ctx, 'decision')}:", "centered_bold"))
    if decision.act == "cancel":
        body.append(Para(f"Hủy bỏ {named}. Lý do: {reason}.", "article", "Điều 1."))
        body.append(Para(
            f"Các tập thể, cá nhân có tên trong Quyết định nêu tại Điều 1 nộp lại hiện vật "
            f"khen thưởng ({old.award_form.name}) và tiền thưởng đã nhận theo quy định của "
            f"Luật Thi đua, khen thưởng.", "article", "Điều 2."))
    else:
        body.append(Para(f"Quyết định này thay thế {named}. Lý do: {reason}.", "article",
                         "Điều 1."))
        body.append(Para("Quyết định nêu tại Điều 1 hết hiệu lực kể từ ngày Quyết định này "
                         "có hiệu lực.", "article", "Điều 2."))
    body.append(Para("Quyết định này có hiệu lực kể từ ngày ký.", "article", "Điều 3."))
    executors = [f"{u.head_title} {u.name}" for u in (ctx.office, ctx.board, ctx.finance) if u]
    body.append(Para(", ".join(executors + [
        "Thủ trưởng các cơ quan, đơn vị và các tập thể, cá nhân có liên quan chịu trách nhiệm "
        "thi hành Quyết định này./."])))
    return FormalDocument(
        letterhead=_letterhead(ctx, decision.number, symbol, decision.issued_on),
        kind_title=_title(ctx, "decision"), summary=decision.title,
        authority_line=authority.upper(), body=tuple(body), signature=ctx.signer.signature(),
        recipients=t.recipients(ctx.recipients), draft=ctx.draft,
        title_for_properties=f"Quyết định {decision.title}")


def decision_document(decision, ctx: Context) -> FormalDocument:
    if getattr(decision, "act", None) and decision.amends is not None:
        bases = list(ctx.bases)
        return _act_document(decision, ctx, f"{_abbr(ctx, 'decision')}-{ctx.issuer.code}",
                             f"Chủ tịch {ctx.issuer.name}", bases)
    campaign = decision.campaign
    symbol = f"{_abbr(ctx, 'decision')}-{ctx.issuer.code}"
    awarded = [n for n in decision.nominees if not n.struck]
    collectives = sum(1 for n in awarded if n.kind == "collective")
    form = decision.award_form.name
    authority = f"Chủ tịch {ctx.issuer.name}"
    bases = list(ctx.bases)
    if ctx.launch_ref:
        bases.append(f"Căn cứ {ctx.launch_ref} của {ctx.issuer.name} về "
                     f"{campaign.title[0].lower()}{campaign.title[1:]};")
    board = ctx.board
    proposal = (f"Theo đề nghị của {board.head_title} {board.name} tại Tờ trình số "
                f"{t.number_ref(decision.proposal_number, decision.proposal_symbol or 'TTr')} "
                f"ngày {t.short_date(decision.proposal_date)}." if board and decision.proposal_date
                else None)
    body = [Para(b, "basis") for b in bases]
    if proposal:
        body.append(Para(proposal, "basis"))
    body.append(Para(f"{_title(ctx, 'decision')}:", "centered_bold"))
    body.append(Para(
        f"Tặng {form} cho {t.counted(collectives, len(awarded) - collectives)} (có danh sách kèm "
        f"theo), đã có thành tích xuất sắc trong {campaign.title[0].lower()}{campaign.title[1:]} "
        f"(từ ngày {t.short_date(campaign.period_start)} đến ngày "
        f"{t.short_date(campaign.period_end)}).", "article", "Điều 1."))
    year = (decision.issued_on or _today(ctx)).year
    fund = f"Quỹ thi đua, khen thưởng của {ctx.issuer.locality}" if ctx.issuer.locality \
        else f"Quỹ thi đua, khen thưởng của {ctx.issuer.name}"
    body.append(Para(f"Tiền thưởng kèm theo {form} thực hiện theo quy định hiện hành, từ nguồn "
                     f"{fund} năm {year}.", "article", "Điều 2."))
    # Sở Tài chính executes too when the awards cost money (a multiplier in reference data)
    costs = any(_multiplier(n) for n in awarded)
    executors = [f"{u.head_title} {u.name}"
                 for u in (ctx.office, board, ctx.finance if costs else None) if u]
    body.append(Para("Quyết định này có hiệu lực kể từ ngày ký.", "article", "Điều 3."))
    body.append(Para(", ".join(executors + [
        "Thủ trưởng các cơ quan, đơn vị có liên quan và các tập thể, cá nhân có tên tại "
        "Điều 1 chịu trách nhiệm thi hành Quyết định này./."])))
    dated = (t.long_date(decision.issued_on) if decision.issued_on and not ctx.draft
             else f"ngày      tháng      năm {year}")
    ref = (f"(Kèm theo Quyết định số {t.number_ref(None if ctx.draft else decision.number, symbol)}"
           f" {dated} của {authority})")
    return FormalDocument(
        letterhead=_letterhead(ctx, decision.number, symbol, decision.issued_on),
        kind_title=_title(ctx, "decision"),
        summary=decision.title,
        authority_line=authority.upper(),
        body=tuple(body), signature=ctx.signer.signature(),
        recipients=t.recipients(ctx.recipients), draft=ctx.draft,
        appendix=Appendix("DANH SÁCH", f"TẬP THỂ, CÁ NHÂN ĐƯỢC TẶNG {form.upper()}", ref,
                          _nominee_sections(awarded)),
        title_for_properties=f"Quyết định {decision.title}")


def certificates(decision, ctx: Context) -> list[Certificate]:
    campaign = decision.campaign
    symbol = f"{_abbr(ctx, 'decision')}-{ctx.issuer.code}"
    authority = f"CHỦ TỊCH {ctx.issuer.name.upper()}"
    reference = (f"Quyết định số {t.number_ref(None if ctx.draft else decision.number, symbol)}"
                 + (f" ngày {t.short_date(decision.issued_on)}"
                    if decision.issued_on and not ctx.draft else ""))
    awarded = [n for n in decision.nominees if not n.struck]
    form = decision.award_form
    out = []
    for i, n in enumerate(awarded, start=1):
        if n.kind == "individual":
            recipient = f"{n.title} {n.name}".strip()
            detail = ", ".join(p for p in (n.position_title, n.organisation) if p)
        else:  # a unit proposed for itself is not named twice
            recipient = n.name
            detail = n.organisation if n.organisation.strip() != n.name.strip() else ""
        reason = ctx.flag_reasons.get(n.id) or (
            f"Đã có thành tích xuất sắc trong {campaign.title[0].lower()}{campaign.title[1:]}")
        out.append(Certificate(
            issuer_authority=authority,
            award_title=(decision.award_form.certificate_title or decision.award_form.name).upper(),
            recipient=recipient, detail=detail, reason=reason,
            decision_ref=reference,
            place_date=t.place_date(ctx.issuer.place, None if ctx.draft else decision.issued_on,
                                    (decision.issued_on or _today(ctx)).year),
            signature=ctx.signer.signature(),
            serial=f"Số vào sổ: {t.number_ref(None if ctx.draft else decision.number, symbol)}"
                   f" - {i:03d}",
            model=form.certificate_model or "", paper=form.certificate_paper or "A4",
            orientation=form.certificate_orientation or "landscape",
            author=ctx.issuer.name,
        ))
    return out
