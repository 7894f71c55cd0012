"""The shared machinery the kinds stand on: each kind declared once, the one opening of an
edit (load, lock, role, version, state), one password policy for every way in."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Plan, User
from app.services import org, outbox, steps, workflow
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from tests import helpers


def test_the_kinds_are_declared_with_their_effects(app):
    assert list(workflow.KINDS) == ["campaign", "plan", "dossier", "decision", "registration"]
    for name, kind in workflow.KINDS.items():
        assert kind.name == name and kind.process.name == name
        assert set(kind.effects) == kind.process.effects
        assert kind.not_found.startswith("Không tìm thấy ")
    assert workflow.kind_of("dossiers") is workflow.KINDS["dossier"]
    with pytest.raises(NotFound):
        workflow.kind_of("nominees")


def test_a_kind_that_does_not_carry_every_declared_effect_is_refused(app):
    plan = workflow.KINDS["plan"]
    with pytest.raises(ValueError, match="effects"):
        steps.Kind(plan.process, plan.model, plan.facts, plan.snapshot,
                   effects={"sign": plan.effects["sign"]})


def test_opening_an_edit_checks_sight_role_version_and_state_in_that_order(world, campaign):
    plans = workflow.KINDS["plan"]
    plan = helpers.unit_item(Plan, campaign, "SYT")
    with pytest.raises(NotFound):  # another unit's plan does not exist for them
        steps.open_for(plans, "content", plan.id, world.users["staff_b"], plan.version)
    db.session.rollback()
    with pytest.raises(Forbidden) as refused:  # seen, but not theirs to write
        steps.open_for(plans, "content", plan.id, world.users["head_a"], plan.version)
    assert "của đơn vị liên quan mới được soạn kế hoạch" in refused.value.message
    db.session.rollback()
    with pytest.raises(Conflict) as stale:
        steps.open_for(plans, "content", plan.id, world.users["staff_a"], plan.version - 1)
    assert stale.value.code == "stale_version"
    db.session.rollback()
    with pytest.raises(Invalid) as missing:
        steps.open_for(plans, "content", plan.id, world.users["staff_a"], None, versioned=True)
    assert missing.value.code == "version_required"
    db.session.rollback()
    assert steps.open_for(plans, "content", plan.id, world.users["staff_a"]).id == plan.id
    db.session.rollback()
    plan = helpers.fire(world, "plan", helpers.complete_plan(world, campaign), "staff_a", "submit")
    with pytest.raises(Conflict) as sent:
        steps.open_for(plans, "content", plan.id, world.users["staff_a"], plan.version)
    assert (sent.value.code, sent.value.message) == (
        "not_editable", "Kế hoạch đã gửi đi, không thể sửa ở trạng thái này.")
    db.session.rollback()
    assert not workflow.may("plan", "content", world.users["staff_a"], plan)


@pytest.mark.parametrize("password", ["", "1234567"])
def test_the_password_policy_holds_for_every_way_in(world, password):
    admin = world.users["admin"]
    with pytest.raises(Invalid) as refused:  # the API's and the admin page's path
        org.save_user(admin, {"username": "moi", "full_name": "Người mới", "unit": "SYT",
                              "roles": ["unit_staff"], "password": password})
    assert refused.value.code in ("weak_password", "password_required")
    with pytest.raises(Invalid):  # the CLI's path
        org.upsert_user("moi", password or None, ["unit_staff"], "SYT")
    with pytest.raises(Invalid):  # changing an account's password
        org.save_user(admin, {"password": password or "ngan"}, username="staff_a")
    assert db.session.scalar(sa.select(User).where(User.username == "moi")) is None
    org.upsert_user("moi", "đủ-tám-ký-tự", ["unit_staff"], "SYT")
    assert db.session.scalar(sa.select(User).where(User.username == "moi")).check_password(
        "đủ-tám-ký-tự")


def test_role_holders_is_the_one_query_for_people_in_a_role(world):
    names = [u.username for u in org.role_holders({"unit_staff", "unit_head"})]
    assert names == ["staff_a", "head_a", "staff_b", "head_b"]
    syt = world.units["SYT"].id
    assert [u.username for u in org.role_holders({"unit_staff"}, [syt])] == ["staff_a"]
    world.users["head_a"].active = False
    db.session.commit()
    assert [u.username for u in org.role_holders({"unit_head"})] == ["head_b"]


def test_only_the_board_may_resend_but_the_console_may(world):
    with pytest.raises(Forbidden):
        outbox.resend(1, by=world.users["staff_a"])
    with pytest.raises(NotFound):
        outbox.resend(999999)
