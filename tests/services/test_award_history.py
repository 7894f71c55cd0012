"""Issue 13: the award history. Issuing a decision writes every awardee (not struck) into
it in one statement; search by name with or without diacritics, ranked and in Vietnamese
order, scoped to what each person may see; a subject's history; the appraisal's flags."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.clock import today
from app.extensions import db
from app.models import AwardRecord, Dossier, Nominee
from app.services import awards, dossiers, names
from app.services.errors import NotFound
from tests import helpers
from tests.award_helpers import imported, issue


def _records():
    return db.session.scalars(sa.select(AwardRecord).order_by(AwardRecord.id)).all()


def test_issuing_records_every_awardee_but_the_struck_with_the_decision_of_the_day(world):
    campaign = helpers.make_campaign(world)
    dossier = helpers.appraised_dossier(world, campaign)
    decision = issue(world, campaign, [dossier], struck=("Lê Thị Bích",))
    records = _records()
    assert [r.name for r in records] == ["Phòng Tổ chức cán bộ, SYT", "Nguyễn Văn An"]
    collective, an = records
    an_nominee = next(n for n in dossier.nominees if n.name == "Nguyễn Văn An")
    assert (an.source, an.nominee_id, an.decision_id, an.campaign_id) == (
        "system", an_nominee.id, decision.id, campaign.id)
    assert (an.subject_kind, an.title, an.position_title, an.organisation) == (
        "individual", "Ông", "Trưởng phòng", "SYT")
    assert an.identity_key == an_nominee.identity_key == "individual|nguyễn văn an|syt"
    assert an.search_key == "nguyen van an"
    assert (an.unit_id, an.unit_name) == (world.units["SYT"].id, "Sở Y tế")
    assert (an.award_form_id, an.form_name) == (
        decision.award_form_id, "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh")
    assert an.decision_number == decision.number_label == "01/QĐ-UBND"
    assert (an.decided_on, an.year) == (decision.issued_on, today().year)
    assert (an.issuer_name, an.issuing_level) == (
        "Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn", "Cấp tỉnh")
    assert an.created_by_id == world.users["clerk"].id
    # money: the form's multiplier (1.0 a person, 2.0 a collective) × mức lương cơ sở
    assert an.money == Decimal("2340000") and collective.money == Decimal("4680000")
    assert collective.title == "" and collective.subject_kind == "collective"


def test_a_nominee_keeps_its_search_key_when_renamed(world, campaign):
    dossier = helpers.complete_dossier(world, campaign)
    n = dossier.nominees[1]
    dossiers.update_nominee(world.users["staff_a"], dossier.id, n.id,
                            {"name": "  Đặng   Thị Ánh  Tuyết"})
    assert db.session.get(Nominee, n.id).search_key == "dang thi anh tuyet"


def _people(world):
    syt, pdk = world.units["SYT"], world.units["PDK"]
    for name, unit, year in (("Nguyễn Văn An", syt, 2021), ("Nguyễn Văn An", pdk, 2022),
                             ("Lê Thị Lan", syt, 2020), ("An Văn Bình", syt, 2019),
                             ("Đỗ Văn An", pdk, 2023), ("Dương Văn An", syt, 2023),
                             ("Ân Thị Hoa", syt, 2020), ("An", syt, 2018)):
        imported(name, unit, year)


def _names(found):
    return [(i["name"], i["unit_name"]) for i in found["items"]]


def test_search_finds_a_name_typed_without_diacritics_exact_first(world):
    _people(world)
    found = awards.search(world.users["appraiser"], "nguyen van AN")
    # two namesakes, told apart by their unit and year
    assert sorted(_names(found)) == [("Nguyễn Văn An", "Sở Y tế"),
                                     ("Nguyễn Văn An", "Ủy ban nhân dân phường Đông Kinh")]
    assert {i["first_year"] for i in found["items"]} == {2021, 2022}
    assert found["total"] == 2


def test_search_ranks_exact_then_word_prefix_then_substring_in_vietnamese_order(world):
    _people(world)
    found = awards.search(world.users["board_head"], "an")
    names = [n for n, _ in _names(found)]
    assert names == [
        "An",                                                       # exact
        "An Văn Bình", "Ân Thị Hoa", "Dương Văn An", "Đỗ Văn An",   # a word starts with it
        "Nguyễn Văn An", "Nguyễn Văn An",
        "Lê Thị Lan",                                               # inside a word
    ]
    assert [i["rank"] for i in found["items"]] == [0, 1, 1, 1, 1, 1, 1, 2]
    paged = awards.search(world.users["board_head"], "an", page=2, per_page=3)
    assert [i["name"] for i in paged["items"]] == ["Dương Văn An", "Đỗ Văn An",
                                                    "Nguyễn Văn An"]
    assert paged["total"] == 8


def test_search_wildcards_are_plain_text(world):
    _people(world)
    assert awards.search(world.users["appraiser"], "%")["total"] == 0
    assert awards.search(world.users["appraiser"], "_n")["total"] == 0


@pytest.mark.parametrize("who,units", [
    ("staff_a", {"Sở Y tế"}), ("head_b", {"Ủy ban nhân dân phường Đông Kinh"}),
    ("chairman", {"Sở Y tế", "Ủy ban nhân dân phường Đông Kinh"}),
    ("clerk", {"Sở Y tế", "Ủy ban nhân dân phường Đông Kinh"}),
    ("admin", {"Sở Y tế", "Ủy ban nhân dân phường Đông Kinh"}),
])
def test_a_unit_finds_only_its_own_awards(world, who, units):
    _people(world)
    found = awards.search(world.users[who], "van an")
    assert {u for _, u in _names(found)} == units


def test_the_history_of_a_subject_newest_first_across_campaigns_and_imports(world):
    first = helpers.make_campaign(world)
    issue(world, first, [helpers.appraised_dossier(world, first)])
    second = helpers.make_campaign(world, title="Phong trào thi đua cải cách hành chính")
    issue(world, second, [helpers.appraised_dossier(world, second)])
    # typed in without diacritics from an old paper decision, same organisation
    old = imported("Nguyen Van An", world.units["SYT"], 2019, organisation="SYT",
                   number="1034/QĐ-UBND")
    imported("Nguyễn Văn An", world.units["PDK"], 2020, organisation="PDK")  # a namesake
    an = next(r for r in _records() if r.name == "Nguyễn Văn An" and r.source == "system")
    found = awards.history(world.users["appraiser"], an.id)
    rows = found["awards"]
    assert [(r["campaign_title"], r["decision_number"]) for r in rows] == [
        ("Phong trào thi đua cải cách hành chính", "02/QĐ-UBND"),
        (first.title, "01/QĐ-UBND"),
        (None, "1034/QĐ-UBND")]
    assert rows[0]["issuing_level"] == "Cấp tỉnh" and rows[0]["unit_name"] == "Sở Y tế"
    assert awards.history(world.users["staff_a"], old.id)["awards"][0]["decision_number"] \
        == "02/QĐ-UBND"
    with pytest.raises(NotFound):  # another unit's award does not exist for PDK's staff
        awards.history(world.users["staff_b"], an.id)


def test_the_appraisal_flags_the_same_form_proposed_twice_in_one_year(world):
    """Acceptance: the same person proposed for the Bằng khen by two campaigns of one year,
    and one already awarded it this year, are flagged."""
    first = helpers.make_campaign(world)
    issue(world, first, [helpers.appraised_dossier(world, first)])
    second = helpers.make_campaign(world, title="Phong trào thi đua chuyển đổi số")
    dossier = helpers.complete_dossier(world, second)
    third = helpers.make_campaign(world, title="Phong trào thi đua xây dựng nông thôn mới")
    other = helpers.complete_dossier(world, third, nominees=[
        {"kind": "individual", "name": "Lê Thị Bích", "organisation": "SYT",
         "award_form": "BKCT", "votes_for": 9},
        {"kind": "individual", "name": "Nguyễn Văn An", "organisation": "SYT",
         "award_form": "CSTDT", "votes_for": 9}])  # another form: no flag
    helpers.fire(world, "dossier", other, "staff_a", "submit")
    found = awards.for_dossier(world.users["appraiser"], dossier)
    by_name = {n.name: found[n.id] for n in dossier.nominees}
    an = by_name["Nguyễn Văn An"]
    assert [a["decision_number"] for a in an["earlier_awards"]] == ["01/QĐ-UBND"]
    assert [f["code"] for f in an["flags"]] == ["awarded_same_year"]
    assert "Đã được tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh năm" in an["flags"][0][
        "message"]
    bich = by_name["Lê Thị Bích"]  # awarded too, and proposed again by the third campaign
    assert sorted(f["code"] for f in bich["flags"]) == ["awarded_same_year",
                                                        "proposed_same_year"]
    assert any("Phong trào thi đua xây dựng nông thôn mới" in f["message"]
               for f in bich["flags"])


def test_the_same_form_proposed_by_two_campaigns_of_one_year_is_flagged_on_both(world):
    first = helpers.make_campaign(world)
    one = helpers.appraised_dossier(world, first)
    second = helpers.make_campaign(world, title="Phong trào thi đua chuyển đổi số")
    two = helpers.complete_dossier(world, second)
    helpers.fire(world, "dossier", two, "staff_a", "submit")
    for dossier, other in ((one, second), (two, first)):
        found = awards.for_dossier(world.users["appraiser"], dossier)
        for n in dossier.nominees:
            [flag] = found[n.id]["flags"]
            assert flag["code"] == "proposed_same_year", flag
            assert f"phong trào «{other.title}»" in flag["message"]
            assert found[n.id]["earlier_awards"] == []
    # a dossier still in draft has proposed nobody yet; a declined nominee is not proposed
    third = helpers.make_campaign(world, title="Phong trào thi đua nông thôn mới")
    helpers.complete_dossier(world, third)
    assert len(awards.for_dossier(world.users["appraiser"], one)[one.nominees[0].id][
        "flags"]) == 1


def test_a_form_received_recently_is_no_flag_on_a_movements_ground(world):
    """The [U] minimum years between two awards are gone: a campaign's Bằng khen rests on
    its movement, with no multi-year condition (the eligibility rules, issue 24)."""
    campaign = helpers.make_campaign(world)
    dossier = helpers.complete_dossier(world, campaign)
    year = campaign.period_end.year
    imported("Nguyễn Văn An", world.units["SYT"], year - 1, organisation="SYT")
    found = awards.for_dossier(world.users["appraiser"], dossier)
    by_name = {n.name: found[n.id] for n in dossier.nominees}
    assert by_name["Nguyễn Văn An"]["flags"] == []
    assert by_name["Nguyễn Văn An"]["earlier_awards"][0]["year"] == year - 1
    assert [r["code"] for r in by_name["Nguyễn Văn An"]["eligibility"]] == [
        "chung.khong_vu_viec"]


def test_nothing_to_show_for_a_dossier_without_nominees(world, campaign):
    dossier = helpers.unit_item(Dossier, campaign, "SYT")
    assert awards.for_dossier(world.users["appraiser"], dossier) == {}


def _migration():
    import importlib.util
    from pathlib import Path

    path = next((Path(__file__).resolve().parents[2] / "migrations" / "versions")
                .glob("b8e2d4f6a1c3_*.py"))
    spec = importlib.util.spec_from_file_location("award_history_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FIELDS = ("source", "nominee_id", "decision_id", "campaign_id", "subject_kind", "name", "title",
          "position_title", "organisation", "identity_key", "search_key", "unit_id",
          "unit_name", "award_form_id", "form_name", "decision_number", "decided_on", "year",
          "issuer_name", "issuing_level", "achievement_summary", "money", "created_by_id")


def test_the_migration_backfills_decisions_issued_before_as_the_issue_does(world):
    """Decisions issued before the history existed: the data migration writes the same
    records the issue effect writes now (and its frozen normaliser agrees with the app's)."""
    campaign = helpers.make_campaign(world)
    issue(world, campaign, [helpers.appraised_dossier(world, campaign)], struck=("Lê Thị Bích",))
    written = [tuple(getattr(r, f) for f in FIELDS) for r in _records()]
    db.session.execute(sa.delete(AwardRecord))
    db.session.execute(sa.update(Nominee).values(search_key=""))
    migration = _migration()
    connection = db.session.connection()
    migration._backfill_search_keys(connection)
    migration._backfill_award_records(connection)
    migration._backfill_award_records(connection)  # run twice: nothing written twice
    db.session.commit()
    assert [tuple(getattr(r, f) for f in FIELDS) for r in _records()] == written
    for text in ("  Nguyễn   ĐỨC Ánh ", "Phòng Tổ chức cán bộ, Sở Y tế", "Ưng Thị Ơn"):
        assert migration._search_key(text) == names.search_key(text)
