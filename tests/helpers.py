"""Builders shared by the tests: a small province, campaigns, dossiers, API clients."""
import io
import secrets
from datetime import date, time, timedelta
from types import SimpleNamespace

from flask import current_app

from app.clock import now_utc, today
from app.extensions import db
from app.models import ApiToken, Unit, User
from app.services import campaigns, distribution, dossiers, plans, workflow
from app.services.auth import _digest
from app.services.reference import load_reference_data

UNITS = [
    # code, name, kind, parent, letterhead lines, body above, head's title
    ("UBND", "Ủy ban nhân dân tỉnh Lạng Sơn", "province", None,
     "ỦY BAN NHÂN DÂN\nTỈNH LẠNG SƠN", None, "Chủ tịch"),
    ("VP", "Văn phòng Ủy ban nhân dân tỉnh", "office", "UBND", "VĂN PHÒNG",
     "UBND TỈNH LẠNG SƠN", "Chánh"),
    ("SNV", "Sở Nội vụ", "department", "UBND", "SỞ NỘI VỤ", "UBND TỈNH LẠNG SƠN", "Giám đốc"),
    ("SYT", "Sở Y tế", "department", "UBND", "SỞ Y TẾ", "UBND TỈNH LẠNG SƠN", "Giám đốc"),
    ("PDK", "Ủy ban nhân dân phường Đông Kinh", "commune", "UBND",
     "ỦY BAN NHÂN DÂN\nPHƯỜNG ĐÔNG KINH", None, "Chủ tịch"),
]
# Papers a People's Committee issues as the collective (TM. ỦY BAN NHÂN DÂN).
COLLECTIVE = {"UBND": ("Ủy ban nhân dân", "cong_van,ke_hoach"), "PDK": ("Ủy ban nhân dân", "*")}
SIGNING = {"head_a": ("GIÁM ĐỐC", None), "head_b": ("CHỦ TỊCH", None),
           "board_head": ("GIÁM ĐỐC", None), "chairman": ("PHÓ CHỦ TỊCH", "KT. CHỦ TỊCH")}
DECISION_RECIPIENTS = [
    {"label": "Như Điều 3"},
    {"label": "CT, các PCT UBND tỉnh", "email": "lanhdao@tdkt.test"},
    {"label": "Sở Tài chính", "email": "stc@tdkt.test"},
    {"label": "Lưu: VT, SNV"},
]
USERS = {
    # name: (roles, unit)
    "staff_a": (["unit_staff"], "SYT"),
    "head_a": (["unit_head"], "SYT"),
    "staff_b": (["unit_staff"], "PDK"),
    "head_b": (["unit_head"], "PDK"),
    "appraiser": (["board_appraiser"], "SNV"),
    "board_head": (["board_head"], "SNV"),
    "chairman": (["chairman"], "UBND"),
    "clerk": (["office_clerk"], "VP"),
    "admin": (["admin"], "SNV"),
}
ROLE_OF = {name: roles[0] for name, (roles, _) in USERS.items()}

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def build_world(password_hash):
    load_reference_data()
    units = {}
    for code, name, kind, parent, header, parent_header, head_title in UNITS:
        unit = Unit(code=code, name=name, kind=kind, parent=units.get(parent),
                    email=f"{code.lower()}@tdkt.test", header_lines=header,
                    parent_header=parent_header, head_title=head_title,
                    place_name="Lạng Sơn" if parent is None else None)
        unit.collective_name, unit.collective_papers = COLLECTIVE.get(code, (None, None))
        unit.abbreviation = "UBND" if code == "PDK" else None  # a commune's UBND issues
        unit.locality = "tỉnh" if kind == "province" else None
        db.session.add(unit)
        units[code] = unit
    users = {}
    for name, (roles, unit_code) in USERS.items():
        title, authority = SIGNING.get(name, (None, None))
        user = User(username=name, full_name=FULL_NAMES.get(name, f"Người dùng {name}"),
                    password_hash=password_hash, unit=units[unit_code],
                    email=f"{name}@tdkt.test", signing_title=title, signing_authority=authority)
        user.set_roles(roles)
        db.session.add(user)
        users[name] = user
    db.session.commit()
    distribution.upsert_list("QD", "Nơi nhận quyết định", DECISION_RECIPIENTS)
    distribution.upsert_list("PD", "Nơi nhận phát động", [
        {"label": "Thường trực Tỉnh ủy"}, {"label": "Sở Nội vụ (Ban TĐKT)", "email": "snv@tdkt.test"},
        {"label": "Lưu: VT, KG-VX"}])
    return SimpleNamespace(units=units, users=users)


FULL_NAMES = {"head_a": "Trần Văn Bình", "head_b": "Lộc Văn Hùng", "board_head": "Vi Văn Thắng",
              "chairman": "Đoàn Thị Hậu", "appraiser": "Lương Thị Hà", "clerk": "Đinh Thị Thu",
              "staff_a": "Nguyễn Thị Lan", "staff_b": "Hoàng Thị Mai"}


def token_for(user):
    token = secrets.token_urlsafe(16)
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token),
                            expires_at=now_utc() + timedelta(hours=1)))
    db.session.commit()
    return token


class ApiClient:
    """A test client that speaks JSON with a bearer token."""

    def __init__(self, client, token):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method, url, json=None, **kw):
        headers = {**self.headers, **kw.pop("headers", {})}
        return getattr(self.client, method)(url, json=json, headers=headers, **kw)

    def get(self, url, **kw):
        return self._call("get", url, **kw)

    def post(self, url, json=None, **kw):
        return self._call("post", url, json, **kw)

    def patch(self, url, json=None, **kw):
        return self._call("patch", url, json, **kw)

    def put(self, url, json=None, **kw):
        return self._call("put", url, json, **kw)

    def delete(self, url, **kw):
        return self._call("delete", url, **kw)

    def fire(self, kind, item_id, trigger, comment=None, version=None):
        if version is None:
            version = self.get(f"/api/v1/{kind}s/{item_id}").get_json()["version"]
        body = {"trigger": trigger, "version": version}
        if comment is not None:
            body["comment"] = comment
        return self.post(f"/api/v1/{kind}s/{item_id}/transitions", json=body)


def campaign_spec(**overrides):
    start = today() - timedelta(days=5)
    spec = {
        "code": "TD-" + secrets.token_hex(3),
        "title": "Phong trào thi đua cao điểm chào mừng kỷ niệm ngày thành lập tỉnh",
        "theme": "60 ngày đêm ra sức thi đua đoàn kết, sáng tạo",
        "purpose": "Tạo khí thế thi đua sôi nổi.",
        "period_start": start,
        "period_end": start + timedelta(days=60),
        "plan_deadline": today() + timedelta(days=10),
        "dossier_deadline": today() + timedelta(days=70),
        "accepts_late": False,
        "vote_threshold": 70,
        "contents": [
            {"title": "Thi đua đẩy mạnh công tác cải cách hành chính",
             "targets": [{"label": "Hồ sơ giải quyết đúng hạn", "measure_unit": "%", "value": 99}]},
            {"title": "Thi đua thúc đẩy tăng trưởng kinh tế",
             "targets": [{"label": "Doanh nghiệp thành lập mới", "measure_unit": "doanh nghiệp",
                          "value": 100},
                         {"label": "Thu ngân sách so với dự toán", "measure_unit": "%",
                          "value": 90}]},
        ],
        "award_forms": [{"code": "BKCT", "quota_per_unit": 3}, {"code": "CSTDT"}],
        "participants": ["SYT", "PDK"],
        "signer": "chairman",
        "launch_recipients": "PD",
        "decision_recipients": "QD",
    }
    spec.update(overrides)
    return spec


def make_campaign(world, launch=True, **overrides):
    campaign = campaigns.create_campaign(world.users["board_head"], campaign_spec(**overrides))
    if launch:
        campaign = workflow.perform("campaign", campaign.id, world.users["board_head"], "launch",
                                    version=campaign.version)
    return campaign


def year_spec(**overrides):
    """A regular-emulation year (thi đua thường xuyên) of this year, offering every title
    and both awards, for SYT and PDK."""
    year = today().year
    spec = campaign_spec(
        kind="regular", year=year,
        title=f"Phong trào thi đua thường xuyên năm {year}",
        contents=[], plan_deadline=None,
        period_start=today() - timedelta(days=5), period_end=today() + timedelta(days=300),
        registration_deadline=today() + timedelta(days=10),
        dossier_deadline=today() + timedelta(days=310),
        award_forms=[{"code": c} for c in ("LDTT", "CSTDCS", "TTLDTT", "CSTDT", "TTLDXS",
                                           "CTDT", "BKCT", "GK")])
    spec.update(overrides)
    return spec


REGISTRATION_ENTRIES = [
    {"kind": "collective", "name": "Sở Y tế", "award_form": "TTLDXS"},
    {"kind": "individual", "name": "Nguyễn Văn An", "position_title": "Trưởng phòng",
     "organisation": "SYT", "award_form": "CSTDT"},
    {"kind": "individual", "name": "Lê Thị Bích", "position_title": "Chuyên viên",
     "organisation": "SYT", "award_form": "CSTDCS"},
]


def make_year(world, launch=True, **overrides):
    year = campaigns.create_campaign(world.users["board_head"], year_spec(**overrides))
    if launch:
        year = workflow.perform("campaign", year.id, world.users["board_head"], "launch",
                                version=year.version)
    return year


def signed_registration(world, year, unit="SYT", staff="staff_a", head="head_a",
                        entries=REGISTRATION_ENTRIES):
    """The unit's registration written, sent up and signed by its head (state submitted)."""
    from app.models import Registration
    from app.services import registrations

    reg = unit_item(Registration, year, unit)
    registrations.update_registration(world.users[staff], reg.id, {"entries": entries},
                                      reg.version)
    fire(world, "registration", reg, staff, "submit")
    fire(world, "registration", reg, head, "sign_off")
    return reg


def unit_item(model, campaign, unit_code):
    return db.session.scalars(
        db.select(model).join(Unit, Unit.id == model.unit_id)
        .where(model.campaign_id == campaign.id, Unit.code == unit_code)).one()


def complete_plan(world, campaign, unit="SYT", staff="staff_a"):
    from app.models import Plan

    plan = unit_item(Plan, campaign, unit)
    return plans.update_plan(world.users[staff], plan.id, {
        "summary": "Kế hoạch hưởng ứng",
        "sections": [{"content_id": c.id, "text": f"Nội dung hưởng ứng: {c.title}"}
                     for c in campaign.contents],
        "commitments": [{"target_id": t.id, "value": t.value} for t in campaign.targets],
    }, plan.version)


class Upload:
    """What a multipart upload looks like to the services."""

    def __init__(self, data=PDF, filename="tai-lieu.pdf"):
        self.stream = io.BytesIO(data)
        self.filename = filename


COUNCIL_MEMBERS = (
    "Ông Trần Văn Bình, Giám đốc - Chủ tịch Hội đồng",
    "Ông Hoàng Văn Cường, Phó Giám đốc - Phó Chủ tịch Hội đồng",
    "Bà Nguyễn Thị Lan, Chánh Văn phòng - Ủy viên thường trực",
    "Ông Lý Văn Dũng, Trưởng phòng Tổ chức cán bộ - Ủy viên",
    "Bà Vi Thị Hà, Trưởng phòng Kế hoạch - Tài chính - Ủy viên",
    "Ông Lương Văn Khánh, Chánh Thanh tra - Ủy viên",
    "Bà Đinh Thị Mai, Trưởng phòng Nghiệp vụ Y - Ủy viên",
    "Ông Phạm Văn Nam, Chủ tịch Công đoàn - Ủy viên",
    "Bà Hà Thị Oanh, Bí thư Đoàn Thanh niên - Ủy viên",
)


def complete_dossier(world, campaign, unit="SYT", staff="staff_a", nominees=None):
    """A dossier that passes every submit guard: results, council vote, nominees, papers."""
    from app.models import Dossier

    user = world.users[staff]
    dossier = unit_item(Dossier, campaign, unit)
    dossier = dossiers.update_dossier(user, dossier.id, {
        "summary": "Báo cáo tổng kết phong trào",
        "council_meeting_date": today(),  # not before the launch it cites (a guard)
        "council_members_total": 9,
        "council_members_present": 9,
        "council_chair": "Trần Văn Bình",
        "council_secretary": "Nguyễn Thị Lan",
        "council_minutes_number": 3,
        "council_started_at": time(8, 0),
        "council_ended_at": time(10, 30),
        "council_members": "\n".join(COUNCIL_MEMBERS),
        "results": [{"target_id": t.id, "value": t.value} for t in campaign.targets],
    }, dossier.version)
    nominees = nominees or [
        {"kind": "collective", "name": f"Phòng Tổ chức cán bộ, {unit}", "award_form": "BKCT",
         "organisation": unit, "votes_for": 9},
        {"kind": "individual", "name": "Nguyễn Văn An", "title": "Ông",
         "position_title": "Trưởng phòng", "organisation": unit, "award_form": "BKCT",
         "votes_for": 8},
        {"kind": "individual", "name": "Lê Thị Bích", "title": "Bà",
         "position_title": "Chuyên viên", "organisation": unit, "award_form": "BKCT",
         "votes_for": 7},
    ]
    for spec in nominees:
        nominee = dossiers.add_nominee(user, dossier.id, dict(spec))
        dossiers.add_attachment(user, dossier.id, "bao_cao_thanh_tich", Upload(),
                                nominee_id=nominee.id)
    for kind in ("to_trinh", "bien_ban"):
        dossiers.add_attachment(user, dossier.id, kind, Upload())
    return db.session.get(Dossier, dossier.id)


def fire(world, kind, item, who, trigger, comment=None):
    """Fire through the service with the item's current version."""
    db.session.refresh(item)
    return workflow.perform(kind, item.id, world.users[who], trigger, version=item.version,
                            comment=comment)


def appraised_dossier(world, campaign, unit="SYT", staff="staff_a", head="head_a"):
    d = complete_dossier(world, campaign, unit, staff)
    fire(world, "dossier", d, staff, "submit")
    fire(world, "dossier", d, head, "sign_off")
    fire(world, "dossier", d, "appraiser", "start_appraisal")
    for n in d.nominees:
        dossiers.set_verdict(world.users["appraiser"], d.id, n.id, "accepted")
    fire(world, "dossier", d, "appraiser", "complete_appraisal")
    return d


def far_past():
    return date(2019, 8, 19)


def storage_on_s3() -> bool:
    """Whether this run keeps files in S3 (TDKT_TEST_STORAGE=s3: the moto server)."""
    return (current_app.config.get("STORAGE_URL") or "").startswith("s3://")


def cstdt_history(world, campaign, names, unit="SYT"):
    """What Chiến sĩ thi đua cấp tỉnh asks of each of ``names`` (the reference data's
    eligibility rules): Chiến sĩ thi đua cơ sở in the three years ending with the campaign's,
    and an initiative recognised at provincial scope."""
    from app.services import yearend

    year = campaign.year or campaign.period_end.year
    for offset in (2, 1, 0):
        yearend.record_unit_decision(world.users["staff_a"], {
            "unit_id": world.units[unit].id, "award_form": "CSTDCS",
            "number": f"{20 + offset}/QĐ-{unit}", "decided_on": today() - timedelta(days=1),
            "signer": "Giám đốc", "year": year - offset,
            "subjects": [{"kind": "individual", "name": n, "organisation": unit}
                         for n in names]})
    for i, name in enumerate(names, start=1):
        yearend.add_initiative(world.users["staff_a"], {
            "unit_id": world.units[unit].id, "title": f"Sáng kiến số {i} của {name}",
            "recognised_by": "Hội đồng sáng kiến tỉnh", "decision_number": f"{i}/QĐ-HĐSK",
            "decided_on": today() - timedelta(days=2), "year": year - 1, "scope": "province",
            "authors": [{"name": name, "organisation": unit}]})
