"""Issue 22, item 3: a draft decision starts with the dossiers picked, through the API as on
the pages; a dossier with nothing left to decide is named, and nothing is made."""
import sqlalchemy as sa

from app.extensions import db
from app.models import Decision
from tests import helpers


def test_a_draft_is_created_with_the_picked_dossiers(api, world, campaign):
    dossier = helpers.appraised_dossier(world, campaign)
    appraiser = api("appraiser")
    r = appraiser.post("/api/v1/decisions", json={
        "campaign_id": campaign.id, "award_form": "BKCT", "dossier_ids": []})
    assert r.status_code == 422  # an empty pick is not an empty draft
    r = appraiser.post("/api/v1/decisions", json={
        "campaign_id": campaign.id, "award_form": "BKCT", "dossier_ids": [dossier.id]})
    assert r.status_code == 201, r.get_json()
    made = db.session.get(Decision, r.get_json()["id"])
    assert sorted(n.id for n in made.nominees) == sorted(n.id for n in dossier.nominees)
    # the same dossier again: nothing of it is left to decide, so no second draft
    r = appraiser.post("/api/v1/decisions", json={
        "campaign_id": campaign.id, "award_form": "BKCT", "dossier_ids": [dossier.id]})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "nominee_not_eligible" and "Sở Y tế" in error["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 1
    # without dossier_ids the draft starts empty, as before
    r = appraiser.post("/api/v1/decisions", json={"campaign_id": campaign.id,
                                                  "award_form": "BKCT"})
    assert r.status_code == 201 and r.get_json()["id"] != made.id
