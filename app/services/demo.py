"""The demo: the 2019 Lạng Sơn campaign of the seed, its units and one person per role."""
import json
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models import Campaign, User
from app.services import campaigns, distribution, org
from app.services.reference import import_reference, load_reference_data

DEMO_FILE = Path(__file__).resolve().parent.parent / "data" / "demo.json"


def load_demo(path: Path = DEMO_FILE) -> dict:
    """Load reference data, units, users and the campaign (left in draft). Idempotent."""
    data = json.loads(path.read_text(encoding="utf-8"))
    load_reference_data()
    # The province's own rows, as any province loads its file (`flask reference import`).
    import_reference(json.dumps(data["reference"], ensure_ascii=False))
    org.import_units_csv(_units_csv(data["units"]))
    for u in data["users"]:
        org.upsert_user(u["username"], data["password"], u["roles"], u["unit"],
                        full_name=u["full_name"], email=u.get("email"),
                        signing_title=u.get("signing_title"),
                        signing_authority=u.get("signing_authority"),
                        signing_modes=u.get("signing_modes"))
    for lst in data["distribution_lists"]:
        distribution.upsert_list(lst["code"], lst["name"], lst["entries"])
    spec = dict(data["campaign"])
    existing = db.session.scalar(sa.select(Campaign).where(Campaign.code == spec["code"]))
    if existing is None:
        board = db.session.scalars(sa.select(User).where(User.username == "truongban.btdkt")).one()
        for key in ("period_start", "period_end", "plan_deadline", "dossier_deadline",
                    "launch_date"):
            spec[key] = date.fromisoformat(spec[key])
        campaigns.create_campaign(board, spec)
    return {"password": data["password"], "users": data["users"],
            "campaign_code": spec["code"], "created_campaign": existing is None}


def _units_csv(units) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=org.UNIT_CSV_COLUMNS)
    writer.writeheader()
    for u in units:
        writer.writerow({k: u.get(k) or "" for k in org.UNIT_CSV_COLUMNS})
    return out.getvalue()
