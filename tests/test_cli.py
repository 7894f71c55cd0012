"""The operators' commands, run through Flask's CLI runner: `flask seed demo`,
`flask users create`, `flask units import`, `flask workflow diagram`."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    AwardForm,
    Campaign,
    CampaignAwardForm,
    CampaignContent,
    CampaignParticipant,
    CampaignTarget,
    Unit,
    User,
    UserRole,
)
from app.services import workflow
from workflows.roles import ROLES

DEMO_CODE = "LS-2019-CAODIEM-60NGAY"
DEMO_UNITS = {"UBND", "VP", "SNV", "STC", "SYT", "SGDDT", "SVHTTDL", "SNNMT", "CAT", "BCHQS",
              "PDK", "PLVT", "XDD", "TDTN"}
DEMO_USERS = {  # username: (roles, unit)
    "quantri": ({"admin"}, "SNV"),
    "canbo.syt": ({"unit_staff"}, "SYT"),
    "thutruong.syt": ({"unit_head"}, "SYT"),
    "canbo.pdk": ({"unit_staff"}, "PDK"),
    "thutruong.pdk": ({"unit_head"}, "PDK"),
    "chuyenvien.btdkt": ({"board_appraiser"}, "SNV"),
    "truongban.btdkt": ({"board_head"}, "SNV"),
    "chutich": ({"chairman"}, "UBND"),
    "phochutich": ({"chairman"}, "UBND"),
    "vanthu.vp": ({"office_clerk"}, "VP"),
    "vanthu.snv": ({"office_clerk"}, "SNV"),
}
# Targets per content area of the 2019 plan, in order: (value, measure unit).
DEMO_TARGETS = [
    [(99, "%"), (30, "%"), (100, "%")],
    [(100, "doanh nghiệp"), (90, "%")],
    [(12, "xã"), (100, "%")],
    [(3, "trường"), (700, "giường")],
    [(5, "%")],
    [(100, "%")],
]


@pytest.fixture
def runner(app, ctx):
    """The CLI runner, inside the test's app context (the commands share its session)."""
    return app.test_cli_runner()


def run(runner, *args):
    result = runner.invoke(args=list(args))
    db.session.expire_all()  # see what the command committed
    return result


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def counts():
    return {m.__name__: count(m) for m in (Unit, User, UserRole, Campaign, CampaignContent,
                                            CampaignTarget, CampaignAwardForm,
                                            CampaignParticipant, AwardForm)}


def unit(code):
    return db.session.scalars(sa.select(Unit).where(Unit.code == code)).one_or_none()


def user(username):
    return db.session.scalars(sa.select(User).where(User.username == username)).one_or_none()


# -- flask seed demo ------------------------------------------------------------------------


def test_seed_demo_loads_the_2019_lang_son_campaign(runner):
    result = run(runner, "seed", "demo")
    assert result.exit_code == 0, result.output
    assert f"Demo campaign {DEMO_CODE} created." in result.output
    assert "Demo accounts (password: demo1234):" in result.output

    campaign = db.session.scalars(sa.select(Campaign)).one()
    assert campaign.code == DEMO_CODE
    assert "Hoàng Văn Thụ" in campaign.title
    assert (campaign.period_start, campaign.period_end) == (date(2019, 8, 19), date(2019, 10, 19))
    assert (campaign.plan_deadline, campaign.dossier_deadline) == (
        date(2019, 8, 30), date(2019, 10, 31))
    assert (campaign.state, campaign.accepts_late, campaign.vote_threshold) == (
        "draft", True, Decimal("70"))
    assert campaign.issuer.code == "UBND"
    assert len(campaign.contents) == 6
    assert [[(t.value, t.measure_unit) for t in c.targets] for c in campaign.contents] == [
        [(Decimal(v), m) for v, m in targets] for targets in DEMO_TARGETS]
    assert all(isinstance(t.value, Decimal) and t.value > 0 for t in campaign.targets)
    assert [(f.award_form.code, f.quota_per_unit) for f in campaign.award_forms] == [("BKCT", 5)]
    assert len(campaign.participants) == 13

    assert {u.code for u in db.session.scalars(sa.select(Unit))} == DEMO_UNITS
    assert {"SNV", "VP", "UBND"} <= DEMO_UNITS
    assert unit("UBND").parent is None and unit("UBND").kind == "province"
    assert unit("VP").parent.code == "UBND" and unit("SNV").parent.code == "UBND"

    people = {u.username: (set(u.roles), u.unit.code) for u in db.session.scalars(sa.select(User))}
    assert people == DEMO_USERS
    per_role = {r: sum(1 for roles, _ in people.values() if r in roles) for r in ROLES}
    assert per_role == {"unit_staff": 2, "unit_head": 2, "board_appraiser": 1, "board_head": 1,
                        "chairman": 2, "office_clerk": 2, "admin": 1}
    assert user("truongban.btdkt").check_password("demo1234")

    # the demo is ready to be launched by its Board head
    actions = workflow.actions("campaign", campaign, user("truongban.btdkt"))
    assert [(a.trigger, a.allowed, a.reasons) for a in actions] == [("launch", True, ())]


def test_seed_demo_twice_changes_nothing(runner):
    first = run(runner, "seed", "demo")
    assert first.exit_code == 0, first.output
    before = counts()
    campaign = db.session.scalars(sa.select(Campaign)).one()
    version, hashes = campaign.version, {u.username: u.password_hash
                                         for u in db.session.scalars(sa.select(User))}

    second = run(runner, "seed", "demo")
    assert second.exit_code == 0, second.output
    assert f"Demo campaign {DEMO_CODE} already present." in second.output
    assert counts() == before
    assert before == {"Unit": 14, "User": 11, "UserRole": 11, "Campaign": 1,
                      "CampaignContent": 6, "CampaignTarget": 11, "CampaignAwardForm": 1,
                      "CampaignParticipant": 13, "AwardForm": 8}  # 4 of the Chairman, 4 of a unit
    assert db.session.scalars(sa.select(Campaign)).one().version == version
    assert {u.username: u.password_hash for u in db.session.scalars(sa.select(User))} == hashes


# -- flask users create ---------------------------------------------------------------------

CREATE = ["users", "create", "--username", "nguyenvana", "--password", "Mat-khau-1",
          "--role", "board_appraiser", "--role", "board_head", "--unit", "SNV"]


def test_users_create_then_update_idempotently(runner, world):
    result = run(runner, *CREATE)
    assert result.exit_code == 0, result.output
    assert result.output == "User nguyenvana created: board_appraiser, board_head @ SNV\n"
    u = user("nguyenvana")
    assert (u.roles, u.unit.code, u.full_name, u.active) == (
        frozenset({"board_appraiser", "board_head"}), "SNV", "nguyenvana", True)
    assert u.check_password("Mat-khau-1")
    before, password_hash = counts(), u.password_hash

    again = run(runner, *CREATE)
    assert again.exit_code == 0, again.output
    assert again.output == "User nguyenvana updated: board_appraiser, board_head @ SNV\n"
    assert counts() == before
    assert user("nguyenvana").password_hash == password_hash  # same password: not rehashed

    moved = run(runner, "users", "create", "--username", "nguyenvana", "--password", "Mat-khau-2",
                "--role", "chairman", "--unit", "UBND", "--full-name", "Nguyễn Văn A",
                "--signing-title", "PHÓ CHỦ TỊCH")
    assert moved.exit_code == 0, moved.output
    assert moved.output == "User nguyenvana updated: chairman @ UBND\n"
    u = user("nguyenvana")
    assert (u.roles, u.unit.code, u.full_name, u.signing_title) == (
        frozenset({"chairman"}), "UBND", "Nguyễn Văn A", "PHÓ CHỦ TỊCH")
    assert u.check_password("Mat-khau-2") and not u.check_password("Mat-khau-1")
    assert count(User) == before["User"] and count(UserRole) == before["UserRole"] - 1


def test_users_create_allows_or_refuses_sign_in_through_the_org_service(runner, world):
    """--inactive / --active are the account service's (org.upsert_user) to set, in its
    transaction, like every other field: the command only passes them on."""
    from app.services import org

    result = run(runner, *CREATE, "--inactive")
    assert result.exit_code == 0, result.output
    assert user("nguyenvana").active is False
    org.upsert_user("nguyenvana", None, ["board_head"], "SNV", active=True)
    db.session.expire_all()
    assert user("nguyenvana").active is True
    org.upsert_user("nguyenvana", None, ["board_head"], "SNV")  # None: left as it is
    db.session.expire_all()
    assert user("nguyenvana").active is True


@pytest.mark.parametrize("args,message", [
    (["--role", "boss", "--unit", "SNV"], "Lỗi: Vai trò không hợp lệ: boss."),
    (["--role", "board_head", "--role", "superuser", "--unit", "SNV"],
     "Lỗi: Vai trò không hợp lệ: superuser."),
    (["--role", "board_head", "--unit", "XYZ"], "Lỗi: Đơn vị «XYZ» không tồn tại."),
])
def test_users_create_refuses_bad_roles_and_units(runner, world, args, message):
    before = counts()
    result = run(runner, "users", "create", "--username", "nguyenvanb", "--password", "x1",
                 *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == message
    assert result.stdout == ""
    assert user("nguyenvanb") is None
    assert counts() == before


def test_users_create_refused_for_an_existing_user_changes_nothing(runner, world):
    head = world.users["board_head"]
    result = run(runner, "users", "create", "--username", "board_head", "--password", "x1",
                 "--role", "admin", "--role", "boss", "--unit", "VP")
    assert result.exit_code == 2
    assert result.stderr.startswith("Lỗi: Vai trò không hợp lệ: boss.")
    db.session.refresh(head)
    assert (head.roles, head.unit.code) == (frozenset({"board_head"}), "SNV")


def test_users_create_needs_a_role(runner, world):
    result = run(runner, "users", "create", "--username", "x", "--password", "y", "--unit", "SNV")
    assert result.exit_code == 2
    assert "--role" in result.stderr
    assert user("x") is None


# -- flask units import ---------------------------------------------------------------------

HEADER = "code,name,short_name,kind,parent_code,cluster,email\n"
UNITS_CSV = HEADER + (
    # the children come before their parent
    "XDD,Ủy ban nhân dân xã Đồng Đăng,UBND xã Đồng Đăng,commune,UBND,Cụm các xã,xdd@ls.vn\n"
    "SNV,Sở Nội vụ,,department,UBND,Khối tổng hợp,\n"
    "UBND,Ủy ban nhân dân tỉnh Lạng Sơn,UBND tỉnh,province,,,ubnd@ls.vn\n"
)


def write(tmp_path, text, name="units.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def test_units_import_creates_then_updates(runner, tmp_path):
    result = run(runner, "units", "import", write(tmp_path, UNITS_CSV))  # with a BOM
    assert result.exit_code == 0, result.output
    assert result.output == "Units imported: 3 created, 0 updated.\n"
    xdd, snv, ubnd = unit("XDD"), unit("SNV"), unit("UBND")
    assert (xdd.name, xdd.short_name, xdd.kind, xdd.parent.code, xdd.cluster, xdd.email) == (
        "Ủy ban nhân dân xã Đồng Đăng", "UBND xã Đồng Đăng", "commune", "UBND", "Cụm các xã",
        "xdd@ls.vn")
    assert (snv.short_name, snv.email, snv.parent.code, snv.kind) == (
        None, None, "UBND", "department")
    assert (ubnd.parent, ubnd.cluster, ubnd.kind) == (None, None, "province")

    changed = UNITS_CSV.replace(
        "XDD,Ủy ban nhân dân xã Đồng Đăng,UBND xã Đồng Đăng,commune,UBND,",
        "XDD,UBND xã Đồng Đăng (mới),,commune,SNV,")
    result = run(runner, "units", "import", write(tmp_path, changed, "again.csv", "utf-8"))
    assert result.exit_code == 0, result.output
    assert result.output == "Units imported: 0 created, 3 updated.\n"
    assert count(Unit) == 3
    xdd = unit("XDD")
    assert (xdd.name, xdd.short_name, xdd.parent.code) == ("UBND xã Đồng Đăng (mới)", None, "SNV")


@pytest.mark.parametrize("text,message", [
    ("code,ten,kind\nXDD,Xã Đồng Đăng,commune\n", "Lỗi: Tiêu đề cột CSV không hợp lệ."),
    ("name,kind\nXã Đồng Đăng,commune\n", "Lỗi: Tiêu đề cột CSV không hợp lệ."),
    (HEADER + "XDD,Xã Đồng Đăng,,commune,UBND,,\nSNV,Sở Nội vụ,,department,NOPE,,\n"
     "UBND,UBND tỉnh,,province,,,\n", "Lỗi: Đơn vị cấp trên «NOPE» không tồn tại."),
    (HEADER + "UBND,UBND tỉnh,,province,,,\nXDD,Xã Đồng Đăng,,village,UBND,,\n",
     "Lỗi: Dòng 3: Loại đơn vị «village» không hợp lệ."),
    (HEADER + "UBND,UBND tỉnh,,province,,,\n,Không mã,,commune,,,\n",
     "Lỗi: Dòng 3: thiếu mã hoặc tên đơn vị."),
])
def test_units_import_refuses_bad_files_whole(runner, tmp_path, text, message):
    result = run(runner, "units", "import", write(tmp_path, text))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == message
    assert count(Unit) == 0  # all rows or none


def test_units_import_bad_header_names_the_columns(runner, tmp_path):
    result = run(runner, "units", "import", write(tmp_path, "code,ten,kind\nX,Y,commune\n"))
    assert result.exit_code == 2
    details = result.stderr.splitlines()[1]
    assert details.startswith("Chi tiết: ")
    assert "'missing': ['name']" in details and "'unknown': ['ten']" in details


def test_units_import_needs_an_existing_file(runner, tmp_path):
    result = run(runner, "units", "import", str(tmp_path / "khong-co.csv"))
    assert result.exit_code == 2
    assert count(Unit) == 0


# -- flask workflow diagram -----------------------------------------------------------------

DOSSIER_DIAGRAM = [  # each arrow names who fires it and what the step asks for and does
    "draft --> awaiting_head: submit (unit_staff, effect stamp_submission)",
    "returned --> awaiting_head: submit (unit_staff, effect stamp_submission)",
    "awaiting_head --> draft: head_return (unit_head, reason, confirm)",
    "awaiting_head --> submitted: sign_off (unit_head, confirm, keeps proposal minutes, effect sign)",
    "submitted --> draft: withdraw (unit_head, confirm)",
    "submitted --> in_appraisal: start_appraisal (board_appraiser, effect stamp_appraisal)",
    "in_appraisal --> returned: return_to_unit (board_appraiser, reason, confirm)",
    "in_appraisal --> appraised: complete_appraisal (board_appraiser, confirm)",
    "in_appraisal --> rejected: reject (board_appraiser, reason, confirm)",
    "appraised --> in_proposal: include (system)",
    "in_proposal --> appraised: exclude (system)",
    "in_proposal --> decided: decide (system)",
]


def test_workflow_diagram_prints_every_dossier_transition(runner):
    result = run(runner, "workflow", "diagram", "dossier")
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    assert lines[:2] == ["stateDiagram-v2", "[*] --> draft"]
    assert sorted(lines[2:-2]) == sorted(DOSSIER_DIAGRAM)
    assert lines[-2:] == ["decided --> [*]", "rejected --> [*]"]
    assert len(lines) == 2 + 12 + 2


@pytest.mark.parametrize("process,transitions", [
    ("campaign", 2), ("plan", 10), ("decision", 6)])
def test_workflow_diagram_of_each_process(runner, process, transitions):
    result = run(runner, "workflow", "diagram", process)
    assert result.exit_code == 0
    arrows = [line for line in result.output.splitlines()
              if "-->" in line and "[*]" not in line]
    assert len(arrows) == transitions


def test_workflow_describe_prints_the_whole_definition(runner):
    result = run(runner, "workflow", "describe", "decision")
    assert result.exit_code == 0, result.output
    out = result.output
    for fragment in ("issue: approved -> issued  «Ban hành»", "roles: office_clerk",
                     "confirmation: Ban hành quyết định số {number}, ngày {date}: hệ thống "
                     "sẽ ghi số và ngày này vào sổ", "effect: issue",
                     "scan_correction: office_clerk in issued",
                     "recorded in the history as: «Thay bản chụp đã ký»",
                     "keeps documents: decision, certificates", "mail attaches: decision",
                     "notifies: awardee_units, distribution, drafter",
                     "guards: decision_keeps_someone", "strikes: chairman in awaiting_chairman",
                     "proposal: Tờ trình đề nghị khen thưởng của Ban Thi đua - Khen thưởng "
                     "(final in awaiting_chairman, approved, issued)"):
        assert fragment in out, fragment


def test_users_create_applies_the_password_policy(runner, world):
    result = run(runner, "users", "create", "--username", "ngan", "--password", "1234567",
                 "--role", "unit_staff", "--unit", "SYT")
    assert result.exit_code == 2
    assert "Mật khẩu tối thiểu 8 ký tự." in result.stderr
    assert user("ngan") is None


def test_workflow_diagram_refuses_an_unknown_process(runner):
    result = run(runner, "workflow", "diagram", "nominee")
    assert result.exit_code == 2
    assert "nominee" in result.stderr


# -- flask audit anchor / verify (issue 20, item 14) -------------------------------------------


@pytest.fixture
def anchors_at(app, tmp_path):
    before = app.config.get("AUDIT_ANCHOR_URL")
    app.config["AUDIT_ANCHOR_URL"] = f"file://{tmp_path / 'anchors'}"
    yield tmp_path / "anchors"
    app.config["AUDIT_ANCHOR_URL"] = before


def test_audit_anchor_needs_a_place_outside_the_database(runner, world):
    result = run(runner, "audit", "anchor")
    assert result.exit_code == 2
    assert "Lỗi: Chưa đặt AUDIT_ANCHOR_URL" in result.output
    result = run(runner, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "Note: no anchor store configured (AUDIT_ANCHOR_URL)" in result.output


def test_audit_anchor_then_verify_then_catch_sql(runner, world, anchors_at):
    from app.models import AuditAnchor, WorkflowEvent
    from tests import helpers

    plan = helpers.complete_plan(world, helpers.make_campaign(world))
    helpers.fire(world, "plan", plan, "staff_a", "submit")
    result = run(runner, "audit", "verify")
    assert result.exit_code == 0 and f"no anchor yet in file://{anchors_at}" in result.output
    result = run(runner, "audit", "anchor")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Anchor #1 written to file://{anchors_at}: root ")
    assert [p.name for p in anchors_at.iterdir()] == ["anchor-00000001.json"]
    result = run(runner, "audit", "verify")
    assert result.exit_code == 0, result.output
    last_event = db.session.scalar(sa.select(sa.func.max(WorkflowEvent.id)))
    made = db.session.get(AuditAnchor, 1).created_at
    assert f"Every row anchored by anchor #1 ({made:%d/%m/%Y %H:%M} UTC" in result.output
    assert f"workflow_events above id {last_event}" in result.output  # the window, stated
    # the campaign's whole history cut, by SQL, its head cleared
    campaign = db.session.scalars(sa.select(Campaign)).first()
    events = db.session.scalars(sa.select(WorkflowEvent.id).where(
        WorkflowEvent.item_type == "campaign", WorkflowEvent.item_id == campaign.id)).all()
    assert events
    db.session.execute(sa.text("DELETE FROM outbox WHERE event_id IN (SELECT id FROM "
                               "workflow_events WHERE item_type = 'campaign' AND item_id = :id)"),
                       {"id": campaign.id})
    db.session.execute(sa.text("DELETE FROM workflow_events WHERE item_type = 'campaign' AND "
                               "item_id = :id"), {"id": campaign.id})
    db.session.execute(sa.text("UPDATE campaigns SET audit_head = NULL WHERE id = :id"),
                       {"id": campaign.id})
    db.session.commit()
    result = run(runner, "audit", "verify")
    assert result.exit_code == 1
    assert f"BROKEN campaign {campaign.id} at event/entry {max(events)}: cả chuỗi đã bị xóa" \
        in result.output
    # and no anchor blesses it
    result = run(runner, "audit", "anchor")
    assert result.exit_code == 1 and "không lập mốc" in result.output
    assert [p.name for p in anchors_at.iterdir()] == ["anchor-00000001.json"]
