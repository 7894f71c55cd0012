"""A unit's figures against the campaign's targets: commitments in a plan, results in a
dossier. Both are one row per target, merged the same way."""
from decimal import Decimal

from app.services.errors import Invalid


def merge_figures(rows, campaign, specs, make):
    """Set each given target's figure in ``rows`` (a relationship list); ``make`` builds a
    new row. Targets outside the campaign are refused before anything changes."""
    targets = {t.id for t in campaign.targets}
    unknown = [s["target_id"] for s in specs if s["target_id"] not in targets]
    if unknown:
        raise Invalid("Chỉ tiêu không thuộc phong trào này.",
                      details={"target_id": unknown}, code="unknown_target")
    by_target = {r.target_id: r for r in rows}
    for spec in specs:
        value = Decimal(str(spec["value"]))
        row = by_target.get(spec["target_id"])
        if row is None:
            rows.append(make(target_id=spec["target_id"], value=value,
                             note=spec.get("note", "")))
        else:
            row.value, row.note = value, spec.get("note", row.note)
