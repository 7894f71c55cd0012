"""The Board's registration page of a regular year and its reminder: the same number of
statements for a year of 2 units and one of 2 + EXTRA units (each with its staff and head)."""
from app.services import registrations
from tests import helpers
from tests.scale.test_statement_counts import EXTRA, _province, counting


def test_registration_status_and_reminder_do_not_grow_with_the_units(world):
    board = world.users["board_head"]
    counts = []
    for extra, tag in ((0, "w"), (0, "a"), (EXTRA, "b")):  # the first warms what is cached
        codes = _province(world, extra, tag)
        year = helpers.make_year(world, participants=["SYT", "PDK", *codes], code=f"Y-{tag}")
        helpers.signed_registration(world, year)
        measured = {}
        for show in (None, "registered", "unregistered", "late"):
            with counting() as seen:
                listed = registrations.status(board, year.id, show=show, q=None)
            measured[show or "all"] = len(seen)
        assert listed["total"] == 0  # nothing is late before the deadline
        assert registrations.status(board, year.id)["counts"] == {
            "units": 2 + extra, "registered": 1, "unregistered": 1 + extra,
            "by_state": {"draft": 1 + extra, "submitted": 1}}
        with counting() as seen:
            sent = registrations.remind_unregistered(board, year.id)
        measured["remind"] = len(seen)
        assert sent == {"units": 1 + extra, "messages": 2 * (1 + extra)}
        counts.append(measured)
    assert counts[1] == counts[2], counts
    assert counts[1]["all"] <= 6 and counts[1]["remind"] <= 10, counts[1]


def _clusters(world, year, codes, tag, kind):
    """Clusters of the year's units (two members each, the rest alone), each with its year,
    one criterion and every member's sent sheet scored."""
    from app.extensions import db
    from app.models import (
        Cluster,
        ClusterCriterion,
        ClusterMember,
        ClusterScore,
        ClusterYear,
        ScoreSheet,
        Unit,
    )

    units = {u.code: u.id for u in db.session.query(Unit).filter(Unit.code.in_(codes))}
    groups = [codes[i:i + 2] for i in range(0, len(codes), 2)]
    for n, group in enumerate(groups):
        cluster = Cluster(code=f"C{tag}{n}", name=f"Cụm {tag} số {n}", kind=kind)
        db.session.add(cluster)
        db.session.flush()
        cy = ClusterYear(cluster_id=cluster.id, campaign_id=year.id,
                         leader_unit_id=units[group[0]])
        db.session.add(cy)
        db.session.flush()
        criterion = ClusterCriterion(cluster_year_id=cy.id, position=1, title="Tiêu chí",
                                     max_points=100)
        db.session.add(criterion)
        db.session.flush()
        for i, code in enumerate(group):
            db.session.add(ClusterMember(cluster_id=cluster.id, unit_id=units[code], kind=kind))
            db.session.add(ScoreSheet(cluster_year_id=cy.id, unit_id=units[code],
                                      state="submitted"))
            db.session.add(ClusterScore(criterion_id=criterion.id, unit_id=units[code],
                                        cluster_year_id=cy.id, points=90 - i))
    db.session.commit()
    return len(groups)


def test_the_years_registrations_by_cluster_do_not_grow_with_units_and_clusters(world):
    """The dashboard's registrations against titles granted (by unit and by cluster, with
    the leading units and the Cờ) and its Excel list: the same statements for 1 cluster
    of 2 units and for 1 + EXTRA / 2 clusters of 2 + EXTRA units."""
    from app.services import exports, overview

    board = world.users["board_head"]
    counts = []
    for extra, tag in ((0, "w"), (0, "a"), (EXTRA, "b")):
        codes = _province(world, extra, tag)
        year = helpers.make_year(world, participants=["SYT", "PDK", *codes], code=f"Y-{tag}")
        helpers.signed_registration(world, year)
        # SYT and PDK: a cụm in the first year, a khối in the second; the new units' cụm
        clusters = _clusters(world, year, codes or ["SYT", "PDK"], tag,
                             "khoi" if tag == "a" else "cum")
        overview.registration_overview(board, year.id)  # the user's roles, loaded once
        with counting() as seen:
            shown = overview.registration_overview(board, year.id)
        with counting() as excel:
            _name, data = exports.registrations_by_cluster(board, year.id)
        data.close()
        counts.append((len(seen), len(excel)))
        assert shown["totals"]["units"] == 2 + extra
        assert shown["totals"]["registered"] == 1
        # a cluster is listed when its members take part in the year (SYT and PDK's cụm of
        # the first year too); the leading unit where the cluster has this year's ranking
        mine = [r for r in shown["clusters"] if r["code"].startswith(f"C{tag}")]
        assert len(mine) == clusters
        assert all(len(r["leading"]) == 1 and r["units"] == 2 for r in mine)
        assert all(r["leading"] == [] for r in shown["clusters"] if r not in mine)
    assert counts[1] == counts[2], counts
    assert counts[1][0] <= 5 and counts[1][1] <= 5, counts
