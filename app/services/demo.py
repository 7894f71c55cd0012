"""The demo: the 2019 Lạng Sơn campaign of the seed, its units and one person per role."""
import json
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models import Campaign, Unit, User
from app.services import campaigns, distribution, org
from app.services.reference import import_reference, load_reference_data

DEMO_FILE = Path(__file__).resolve().parent.parent / "data" / "demo.json"


def load_demo(path: Path = DEMO_FILE, signing: bool = False) -> dict:
    """Load reference data, units, users and the campaign (left in draft). Idempotent.
    ``signing`` (`flask seed demo`): the demo's digital signatures too."""
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
    signing = load_signing_demo() if signing else None
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
            "campaign_code": spec["code"], "created_campaign": existing is None,
            "signing": signing}


# Who signs digitally in the demo: the Chairman, the Phó Chủ tịch (KT.), the Board's head
# and the units' heads, and the two organisations that seal (UBND tỉnh, Sở Nội vụ).
SIGNING_PEOPLE = ("chutich", "phochutich", "truongban.btdkt", "thutruong.syt", "thutruong.pdk")
SIGNING_UNITS = (("UBND", 36.0), ("SNV", 34.0))


def load_signing_demo() -> dict | None:
    """The demo's digital signatures (issue 21), made once: a demo CA in
    instance/signing/demo-ca (app.esign.pki), a key file and a signature image for each
    signer, a key file and a seal image for each organisation, all registered (audited,
    origin "demo"). The app trusts that CA in the demo and development when no
    SIGNING_TRUST_ROOTS is set (app.config.demo_signing_trust). Nothing in production."""
    from flask import current_app

    from app.config import DEMO_CA_DIR
    from app.esign import pki
    from app.services import identities

    if current_app.config.get("ENV_NAME") == "production":
        return None
    directory = Path(current_app.instance_path) / DEMO_CA_DIR
    people = {u.username: u for u in db.session.scalars(
        sa.select(User).where(User.username.in_(SIGNING_PEOPLE)))}
    units = {u.code: u for u in db.session.scalars(
        sa.select(Unit).where(Unit.code.in_([c for c, _ in SIGNING_UNITS])))}
    registered = {i.user_id for i in identities.listing()} | \
        {i.unit_id for i in identities.listing() if i.unit_id}
    todo_people = [u for u in people.values() if u.id not in registered]
    todo_units = [(units[c], mm) for c, mm in SIGNING_UNITS if c in units
                  and units[c].id not in registered]
    if not (todo_people or todo_units):
        return {"ca": str(directory), "registered": 0}
    ca = (pki.load_demo_ca(directory) if (directory / "sub-ca.key.pem").exists()
          else pki.write_demo_ca(directory, "Demo TĐKT Lạng Sơn"))
    province = db.session.scalar(sa.select(Unit.name).where(Unit.parent_id.is_(None))) or ""
    for user in todo_people:
        p12, png = pki.write_holder(directory, ca, user.username, user.full_name,
                                    user.unit.name if user.unit else province, seal=False,
                                    unit=(user.signing_title or "").capitalize() or None)
        identities.register_user(None, user.username, p12_path=p12,
                                 passphrase_setting="SIGNING_DEMO_PASSPHRASE",
                                 image_png=png.read_bytes(), origin="demo")
    for unit, seal_mm in todo_units:
        p12, png = pki.write_holder(directory, ca, f"unit-{unit.code.lower()}", unit.name,
                                    unit.name, seal=True)
        identities.register_unit(None, unit.code, p12_path=p12,
                                 passphrase_setting="SIGNING_DEMO_PASSPHRASE",
                                 seal_png=png.read_bytes(), seal_mm=seal_mm, origin="demo")
    return {"ca": str(directory), "registered": len(todo_people) + len(todo_units)}


def _units_csv(units) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=org.UNIT_CSV_COLUMNS)
    writer.writeheader()
    for u in units:
        writer.writerow({k: u.get(k) or "" for k in org.UNIT_CSV_COLUMNS})
    return out.getvalue()
