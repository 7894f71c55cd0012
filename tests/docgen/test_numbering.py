"""Sổ đăng ký văn bản: numbers are taken at signing or issuance (never at drafting), run on
per issuer, type and year, restart on 1 January (local time), and never collide."""
import multiprocessing
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Decision, NumberRegister, Unit
from app.services import registers
from app.services.tx import transaction
from tests import helpers
from tests.concurrency.race import fire_at_once
from tests.docgen.support import (
    SYT_NOMINEES,
    appraised,
    approve,
    document,
    issue,
    new_decision,
    open_docx,
    texts,
    utc_at,
)


def _unit_id(code):
    return db.session.scalar(sa.select(Unit.id).where(Unit.code == code))


def register(unit_code, doc_type, year):
    """The register's last number, or None when the register was never opened."""
    return db.session.scalar(sa.select(NumberRegister.last_number).where(
        NumberRegister.issuer_unit_id == _unit_id(unit_code),
        NumberRegister.doc_type == doc_type, NumberRegister.year == year))


def three_decisions(world, campaign):
    """Three draft decisions, one nominee of the same appraised dossier each."""
    dossier = appraised(world, campaign, "SYT", "staff_a", "head_a", SYT_NOMINEES)
    return [new_decision(world, campaign, [n.id]) for n in dossier.nominees]


def decision_text(decision):
    return texts(open_docx(document("decision", decision, "decision")[0]))


@pytest.mark.storage
def test_numbers_come_at_issuance_in_the_order_of_issuance(world):
    campaign = helpers.make_campaign(world)
    year = campaign.launch_date.year
    decisions = three_decisions(world, campaign)
    for d in decisions:
        assert d.number is None and d.proposal_number is None
        # drafting and rendering drafts takes no number
        assert "Số:        /QĐ-UBND" in decision_text(d)
        document("decision", d, "proposal")
        document("decision", d, "certificates")
    assert register("UBND", "QĐ", year) is None and register("SNV", "TTr", year) is None

    for d in decisions:
        approve(world, d)
    assert [d.proposal_number for d in decisions] == [1, 2, 3]
    assert all(d.number is None for d in decisions)  # approved is not issued
    assert register("UBND", "QĐ", year) is None

    first, second, third = decisions
    for d in (third, first, second):
        issue(world, d)
    assert (third.number, first.number, second.number) == (1, 2, 3)
    assert "Số: 01/QĐ-UBND" in decision_text(third)
    assert "Số: 02/QĐ-UBND" in decision_text(first)
    assert "Số: 03/QĐ-UBND" in decision_text(second)
    assert register("UBND", "QĐ", year) == 3
    assert register("SNV", "TTr", year) == 3
    # the campaign's launch (KH of UBND) and the unit's tờ trình (TTr of SYT) run apart
    assert register("UBND", "KH", year) == 1 and campaign.launch_number == "01/KH-UBND"
    assert register("SYT", "TTr", year) == 1


def test_the_count_restarts_on_the_first_of_january_local_time(world, frozen):
    clock = frozen(utc_at(date(2026, 12, 31), 9))
    campaign = helpers.make_campaign(world)
    old_year, new_year_eve = three_decisions(world, campaign)[:2]
    for d in (old_year, new_year_eve):
        approve(world, d)
    # forty-one decisions were issued earlier in 2026
    db.session.add(NumberRegister(issuer_unit_id=_unit_id("UBND"), doc_type="QĐ", year=2026,
                                  last_number=41))
    db.session.commit()
    issue(world, old_year)
    assert old_year.number == 42 and old_year.issued_on == date(2026, 12, 31)
    text = decision_text(old_year)
    assert "Số: 42/QĐ-UBND" in text and "Lạng Sơn, ngày 31 tháng 12 năm 2026" in text

    # 00:30 on 1 January in Lạng Sơn is still 31 December in UTC
    clock.move_to(utc_at(date(2027, 1, 1), 0, 30))
    assert clock().date() == date(2026, 12, 31)
    draft = decision_text(new_year_eve)
    assert "Lạng Sơn, ngày      tháng      năm 2027" in draft  # the draft's year is the local one
    issue(world, new_year_eve)
    assert new_year_eve.number == 1 and new_year_eve.issued_on == date(2027, 1, 1)
    text = decision_text(new_year_eve)
    assert "Số: 01/QĐ-UBND" in text and "Lạng Sơn, ngày 01 tháng 01 năm 2027" in text
    assert any(x.startswith("Điều 2.") and x.endswith("của tỉnh năm 2027.") for x in text)
    assert register("UBND", "QĐ", 2026) == 42 and register("UBND", "QĐ", 2027) == 1


def test_each_issuer_type_and_year_has_its_own_count(world):
    ubnd, snv = _unit_id("UBND"), _unit_id("SNV")
    with transaction():
        taken = [registers.take_number(ubnd, "QĐ", 2027), registers.take_number(ubnd, "QĐ", 2027),
                 registers.take_number(ubnd, "KH", 2027), registers.take_number(snv, "QĐ", 2027),
                 registers.take_number(snv, "TTr", 2027), registers.take_number(ubnd, "QĐ", 2028),
                 registers.take_number(ubnd, "QĐ", 2027)]
    assert taken == [1, 2, 1, 1, 1, 1, 3]
    # a number taken by a step that then fails is not used up: no gap in the register
    with pytest.raises(RuntimeError):
        with transaction():
            assert registers.take_number(ubnd, "QĐ", 2027) == 4
            raise RuntimeError("the step failed")
    with transaction():
        assert registers.take_number(ubnd, "QĐ", 2027) == 4
        assert registers.take_number(snv, "KH", 2027) == 1
    assert register("UBND", "QĐ", 2027) == 4 and register("UBND", "QĐ", 2028) == 1


RACERS = 3


@pytest.mark.storage
def test_decisions_issued_at_the_same_moment_get_distinct_consecutive_numbers(app, world):
    """Three clerks' sessions, in three processes, issue three approved decisions at once."""
    campaign = helpers.make_campaign(world)
    decisions = three_decisions(world, campaign)
    for d in decisions:
        approve(world, d)
    token = helpers.token_for(world.users["clerk"])
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(RACERS), ctx.Queue()
    config = {key: app.config[key] for key in (
        "SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER", "SECRET_KEY", "MAX_CONTENT_LENGTH")}
    # the same storage as this process (the S3 bucket under `make test-s3`)
    config.update({key: value for key, value in app.config.items()
                   if key.startswith("STORAGE_")})
    config["TESTING"] = True
    procs = [ctx.Process(target=fire_at_once, args=(
        config, token, f"/api/v1/decisions/{d.id}/transitions",
        {"trigger": "issue", "version": d.version}, barrier, results)) for d in decisions]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=90) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert outcomes == [(200, None)] * RACERS, outcomes

    db.session.expire_all()
    issued = [db.session.get(Decision, d.id) for d in decisions]
    assert all(d.state == "issued" for d in issued)
    assert sorted(d.number for d in issued) == list(range(1, RACERS + 1))
    year = issued[0].issued_on.year
    assert register("UBND", "QĐ", year) == RACERS
    for d in issued:  # each kept paper carries its own number
        assert f"Số: {d.number:02d}/QĐ-UBND" in decision_text(d)
