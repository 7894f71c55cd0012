"""A unit registering a title for itself (docs/year.md, «Gaps found» 1): the natural way
to write it — a collective named as the unit, «Đơn vị công tác» left empty — is keyed as
the cluster's proposal writes the unit's Cờ (organisation = the unit's name), so the
cluster-proposed Cờ is found in the registration; a hand-typed nominee of the unit itself
is keyed the same way, and anyone else keeps the key it was typed with."""
import sqlalchemy as sa

from app.extensions import db
from app.models import Dossier, RegistrationEntry
from app.services import clusters, dossiers
from app.services.dossiers import identity_key, subject_key
from tests import helpers


def _proposed_flag(world, year):
    """A cluster of SYT (leader) and PDK scores, reviews and votes the Cờ to SYT; SYT's
    staff proposes it: a collective nominee of SYT's dossier, as clusters.propose writes it."""
    u = world.users
    clusters.save_cluster(u["admin"], {"code": "CUM1", "name": "Cụm thi đua số 1", "kind": "cum",
                                       "members": ["SYT", "PDK"]})
    year_id = clusters.set_year(u["board_head"], "CUM1", {
        "campaign_id": year.id, "leader": "SYT", "deputy": "PDK", "flag_quota": 1})["id"]
    criterion = clusters.set_criteria(u["board_head"], year_id, [
        {"title": "Thực hiện nhiệm vụ chính trị được giao", "max_points": 100}])[0]
    for staff, head, points in (("staff_a", "head_a", 95), ("staff_b", "head_b", 80)):
        clusters.save_scores(u[staff], year_id, [{"criterion_id": criterion["id"],
                                                  "points": points}])
        clusters.submit_scores(u[head], year_id)
    for code in ("SYT", "PDK"):
        clusters.review_scores(u["head_a"], year_id, code, [])
    clusters.record_votes(u["head_a"], year_id, {"voters": 2, "entries": [
        {"unit": "SYT", "votes": 2, "proposal": "co"}]})
    dossier_id = clusters.propose(u["staff_a"], year_id)["dossier_id"]
    return db.session.get(Dossier, dossier_id)


def _registration_check(world, dossier):
    _, checks = dossiers.checklist(world.users["appraiser"], dossier.id)
    return next(c for c in checks if c.code == "registration")


def test_a_unit_registering_its_own_flag_with_no_organisation_matches_the_clusters_nominee(world):
    year = helpers.make_year(world)
    helpers.signed_registration(world, year, entries=[
        {"kind": "collective", "name": "Sở Y tế", "award_form": "CTDT"},  # organisation empty
        {"kind": "collective", "name": "  sở y TẾ ", "award_form": "TTLDXS"},
        {"kind": "collective", "name": "Phòng Nghiệp vụ Y", "award_form": "TTLDXS"},
    ])
    entries = db.session.scalars(sa.select(RegistrationEntry)
                                 .order_by(RegistrationEntry.position)).all()
    # the unit itself, however its name is spaced or cased: keyed with its name; written as typed
    assert [e.organisation for e in entries] == ["", "", ""]
    assert entries[0].identity_key == identity_key("collective", "Sở Y tế", "Sở Y tế")
    assert entries[1].identity_key == entries[0].identity_key
    # another collective keeps the key it was typed with
    assert entries[2].identity_key == identity_key("collective", "Phòng Nghiệp vụ Y", "")

    dossier = _proposed_flag(world, year)
    flag = next(n for n in dossier.nominees if n.award_form.code == "CTDT")
    assert (flag.name, flag.organisation) == ("Sở Y tế", "Sở Y tế")
    assert dossiers.registered_nominees(dossier) == {flag.id: True}
    check = _registration_check(world, dossier)
    assert check.ok and not check.detail

    # a nominee of the unit itself typed by hand with no organisation is the same subject;
    # a collective the unit did not register still warns
    dossiers.add_nominee(world.users["staff_a"], dossier.id, {
        "kind": "collective", "name": "Sở Y tế", "award_form": "TTLDXS", "votes_for": 9})
    dossiers.add_nominee(world.users["staff_a"], dossier.id, {
        "kind": "collective", "name": "Phòng Kế hoạch", "award_form": "TTLDXS",
        "votes_for": 9})
    db.session.expire_all()
    dossier = db.session.get(Dossier, dossier.id)
    own = next(n for n in dossier.nominees if n.award_form.code == "TTLDXS"
               and n.name == "Sở Y tế")
    assert own.organisation == "" and own.identity_key == flag.identity_key
    assert sorted(dossiers.registered_nominees(dossier).values()) == [False, True, True]
    check = _registration_check(world, dossier)
    assert not check.ok and "Phòng Kế hoạch" in check.detail and "Sở Y tế" not in check.detail


def test_the_rule_keys_only_the_unit_itself_with_an_empty_organisation(world):
    unit = world.units["SYT"]
    own = identity_key("collective", "Sở Y tế", "Sở Y tế")
    assert subject_key(unit, "collective", "Sở Y tế", "") == own
    assert subject_key(unit, "collective", "SỞ  Y TẾ", "  ") == own
    assert subject_key(unit, "collective", "Sở Y tế", "UBND tỉnh") == identity_key(
        "collective", "Sở Y tế", "UBND tỉnh")
    # a person named like the unit, another unit's name: as typed
    assert subject_key(unit, "individual", "Sở Y tế", "") == identity_key(
        "individual", "Sở Y tế", "")
    assert subject_key(world.units["PDK"], "collective", "Sở Y tế", "") == identity_key(
        "collective", "Sở Y tế", "")
