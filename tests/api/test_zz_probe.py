import io
from tests import helpers
from tests.helpers import PDF
from app.models import Plan, Dossier

def show(r):
    print(r.status_code, r.content_type, r.get_data(as_text=True)[:300])

def test_probe(api, world, campaign, app, client):
    d = helpers.complete_dossier(world, campaign)
    s = api("staff_a")
    show(s.post(f"/api/v1/dossiers/{d.id}/attachments", data={"kind": "to_trinh", "file": (io.BytesIO(b"x" * (3 * 1024 * 1024)), "big.pdf")}, content_type="multipart/form-data"))
