"""Shared builders for the document tests (imported by the test modules): a whole
campaign driven to an issued decision, and small readers over python-docx documents."""
import io
import json
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from app.extensions import db
from app.models import Decision, Dossier, Plan
from app.services import decisions, documents, dossiers, plans
from app.services.reference import DATA_FILE
from tests import helpers

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

# Names with the letters a careless encoder breaks: ư, ơ, đ, Đ, ă, and stacked tones.
SYT_NOMINEES = [
    {"kind": "collective", "name": "Khoa Hồi sức cấp cứu", "organisation": "Bệnh viện Đa khoa tỉnh",
     "award_form": "BKCT", "votes_for": 9},
    {"kind": "individual", "name": "Nguyễn Thị Ánh Tuyết", "title": "Bà",
     "position_title": "Điều dưỡng trưởng", "organisation": "Bệnh viện Đa khoa tỉnh",
     "award_form": "BKCT", "votes_for": 8},
    {"kind": "individual", "name": "Đặng Văn Ưng", "title": "Ông", "position_title": "Bác sĩ",
     "organisation": "Trung tâm Y tế huyện Lộc Bình", "award_form": "BKCT", "votes_for": 7},
]
PDK_NOMINEES = [
    {"kind": "individual", "name": "Hoàng Văn Quý", "title": "Ông",
     "position_title": "Phó Chủ tịch", "organisation": "UBND phường Đông Kinh",
     "award_form": "BKCT", "votes_for": 9},
    {"kind": "collective", "name": "Tổ dân phố Phai Vệ", "organisation": "phường Đông Kinh",
     "award_form": "BKCT", "votes_for": 9},
    {"kind": "individual", "name": "Lý Thị Thoa", "title": "Bà", "position_title": "Công chức",
     "organisation": "UBND phường Đông Kinh", "award_form": "BKCT", "votes_for": 8},
]
STRUCK = "Lý Thị Thoa"
# The decision's list as the rules lay it out: collectives, then individuals (each in the
# order of the units' dossiers, then of the dossier), struck nominees left out.
EXPECTED_LIST = {
    "I. TẬP THỂ (02)": [
        "1. Khoa Hồi sức cấp cứu, Bệnh viện Đa khoa tỉnh;",
        "2. Tổ dân phố Phai Vệ, phường Đông Kinh;",
    ],
    "II. CÁ NHÂN (03)": [
        "1. Bà Nguyễn Thị Ánh Tuyết, Điều dưỡng trưởng, Bệnh viện Đa khoa tỉnh;",
        "2. Ông Đặng Văn Ưng, Bác sĩ, Trung tâm Y tế huyện Lộc Bình;",
        "3. Ông Hoàng Văn Quý, Phó Chủ tịch, UBND phường Đông Kinh.",
    ],
}
# label -> (value committed, note)
PLAN_COMMITMENTS = {"Hồ sơ giải quyết đúng hạn": (Decimal("99.5"), None),
                    "Doanh nghiệp thành lập mới": (Decimal("120"), "toàn ngành"),
                    "Thu ngân sách so với dự toán": (Decimal("92.25"), None)}
CAMPAIGN_TITLE = "Phong trào thi đua cao điểm chào mừng kỷ niệm ngày thành lập tỉnh"
CAMPAIGN_PHRASE = "phong trào thi đua cao điểm chào mừng kỷ niệm ngày thành lập tỉnh"
DECISION_RECIPIENTS = ["- Như Điều 3;", "- CT, các PCT UBND tỉnh;", "- Sở Tài chính;",
                       "- Lưu: VT, SNV."]
PLACEHOLDERS = ("…", "[ ]", "[", "]", "None", "{", "}")


def utc_at(local_date: date, hour: int = 10, minute: int = 0) -> datetime:
    """The UTC instant at which the province's clock reads ``local_date`` ``hour``:``minute``."""
    local = datetime(local_date.year, local_date.month, local_date.day, hour, minute, tzinfo=LOCAL)
    return local.astimezone(UTC).replace(tzinfo=None)


# -- reading documents ---------------------------------------------------------------------------


def open_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def paragraphs(container):
    """Every paragraph in reading order, table cells included (letterhead, Nơi nhận …)."""
    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            yield block
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    yield from paragraphs(cell)


def texts(doc):
    return [p.text for p in paragraphs(doc)]


def nonblank(doc):
    return [t for t in texts(doc) if t.strip()]


def every_text(doc):
    """All text a reader sees: body, tables, headers and footers, and the title property."""
    out = texts(doc)
    for section in doc.sections:
        for part in (section.header, section.first_page_header, section.footer,
                     section.first_page_footer):
            out += [p.text for p in part.paragraphs]
    out.append(doc.core_properties.title or "")
    return out


def the(doc, text):
    """The one paragraph whose text is exactly ``text``."""
    found = [p for p in paragraphs(doc) if p.text == text]
    assert len(found) == 1, f"want one paragraph {text!r}, found {len(found)}: {nonblank(doc)}"
    return found[0]


def starting(doc, prefix):
    found = [p for p in paragraphs(doc) if p.text.startswith(prefix)]
    assert found, f"no paragraph starts with {prefix!r} in {nonblank(doc)}"
    return found


def text_runs(paragraph):
    return [r for r in paragraph.runs if r.text]


def assert_format(paragraph, *, size=None, bold=None, italic=None):
    """Every run carrying text of ``paragraph`` has these properties (None: not checked)."""
    runs = text_runs(paragraph)
    assert runs, f"{paragraph.text!r} has no text run"
    for run in runs:
        if size is not None:
            assert run.font.size is not None and run.font.size.pt == size, (
                f"{run.text!r}: size {run.font.size and run.font.size.pt}, want {size}")
        if bold is not None:
            assert bool(run.bold) is bold, f"{run.text!r}: bold {run.bold}, want {bold}"
        if italic is not None:
            assert bool(run.italic) is italic, f"{run.text!r}: italic {run.italic}, want {italic}"


def after(doc, heading, count):
    """The ``count`` non-blank paragraph texts following the paragraph ``heading``."""
    items = nonblank(doc)
    i = items.index(heading)
    return items[i + 1:i + 1 + count]


def legal_bases_on(on: date, kind="decision"):
    """The Căn cứ lines in force on a date, read straight from the shipped data file."""
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))["legal_bases"]
    live = [r for r in rows if r["document_kind"] == kind
            and date.fromisoformat(r["effective_from"]) <= on
            and (not r.get("effective_to") or on <= date.fromisoformat(r["effective_to"]))]
    return [r["text"] for r in sorted(live, key=lambda r: r["position"])]


def is_nfc(text):
    return unicodedata.is_normalized("NFC", text)


# -- driving the flow ----------------------------------------------------------------------------


def appraised(world, campaign, unit, staff, head, nominees, declined=None):
    """A dossier with these nominees, signed off by its head and appraised: all accepted
    but those ``declined`` (name → the Board's reason)."""
    declined = declined or {}
    d = helpers.complete_dossier(world, campaign, unit, staff, nominees=[dict(n) for n in nominees])
    helpers.fire(world, "dossier", d, staff, "submit")
    helpers.fire(world, "dossier", d, head, "sign_off")
    helpers.fire(world, "dossier", d, "appraiser", "start_appraisal")
    for n in d.nominees:
        if n.name in declined:
            dossiers.set_verdict(world.users["appraiser"], d.id, n.id, "declined",
                                 reason=declined[n.name])
        else:
            dossiers.set_verdict(world.users["appraiser"], d.id, n.id, "accepted")
    helpers.fire(world, "dossier", d, "appraiser", "complete_appraisal")
    return db.session.get(Dossier, d.id)


def signed_plan(world, campaign, unit="SYT", staff="staff_a", head="head_a"):
    plan = helpers.unit_item(Plan, campaign, unit)
    values = PLAN_COMMITMENTS
    plan = plans.update_plan(world.users[staff], plan.id, {
        "summary": "Hưởng ứng sôi nổi, thiết thực, hiệu quả.",
        "sections": [{"content_id": c.id, "text": f"Sở triển khai: {c.title.lower()}."}
                     for c in campaign.contents],
        "commitments": [{"target_id": t.id, "value": values[t.label][0], "note": values[t.label][1]}
                        for t in campaign.targets],
    }, plan.version)
    helpers.fire(world, "plan", plan, staff, "submit")
    helpers.fire(world, "plan", plan, head, "sign_off")
    return db.session.get(Plan, plan.id)


def new_decision(world, campaign, nominee_ids):
    decision = decisions.create_decision(world.users["appraiser"],
                                         {"campaign_id": campaign.id, "award_form": "BKCT"})
    decisions.add_nominees(world.users["appraiser"], decision.id, list(nominee_ids))
    return db.session.get(Decision, decision.id)


def approve(world, decision, strike=()):
    """submit → sign_proposal → (strike) → approve."""
    helpers.fire(world, "decision", decision, "appraiser", "submit")
    helpers.fire(world, "decision", decision, "board_head", "sign_proposal")
    for nominee in decision.nominees:
        if nominee.name in strike:
            decisions.strike(world.users["chairman"], decision.id, nominee.id, True,
                             reason="Chưa đủ tiêu chuẩn.")
    helpers.fire(world, "decision", decision, "chairman", "approve")
    db.session.refresh(decision)
    return decision


def issue(world, decision):
    helpers.fire(world, "decision", decision, "clerk", "issue")
    db.session.refresh(decision)
    return decision


def scenario(world, *, launch_type="ke_hoach", strike=(STRUCK,), until="issued", declined=None):
    """Launch → SYT plan signed → SYT and PDK dossiers appraised → decision with every
    nominee (one struck by the Chairman) → approved → issued. ``until``: "drafting",
    "approved" or "issued"."""
    campaign = helpers.make_campaign(world, launch_type=launch_type)
    plan = signed_plan(world, campaign)
    syt = appraised(world, campaign, "SYT", "staff_a", "head_a", SYT_NOMINEES)
    pdk = appraised(world, campaign, "PDK", "staff_b", "head_b", PDK_NOMINEES, declined)
    assert syt.id < pdk.id  # the list's order below relies on it
    decision = new_decision(world, campaign, [n.id for n in syt.nominees + pdk.nominees
                                              if n.verdict == "accepted"])
    if until != "drafting":
        decision = approve(world, decision, strike)
    if until == "issued":
        decision = issue(world, decision)
    for item in (campaign, plan, syt, pdk):
        db.session.refresh(item)
    return SimpleNamespace(campaign=campaign, plan=plan, syt=syt, pdk=pdk, decision=decision)


def document(kind, item, name):
    """(bytes, file name, sha256 or None) as the API serves it."""
    db.session.refresh(item)
    body, filename, sha = documents.fetch(kind, item, name)
    if not isinstance(body, bytes):  # a kept final, opened to stream
        with body.fileobj as fh:
            body = fh.read()
    return body, filename, sha
