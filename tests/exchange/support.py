"""An electronically issued decision whose Nơi nhận carry organ ids, for the exchange tests."""
import threading

import sqlalchemy as sa
from werkzeug.serving import make_server

from app.extensions import db
from app.models import OutboxMessage
from app.services import identities
from tests.docgen.support import approve, issue, scenario

ISSUER = "000.00.00.H29"
# (label, e-mail, organ id): three bodies on the axis, one reached by mail only
RECIPIENTS = [
    ("Sở Tài chính", "stc@tdkt.test", "000.00.12.H29"),
    ("Sở Y tế (Nơi nhận)", "vanthu.syt@tdkt.test", "000.00.15.H29"),
    ("Công an tỉnh", None, "000.00.20.H29"),
    ("Báo Lạng Sơn", "baolangson@tdkt.test", None),
]
ORGANS = [organ for _, _, organ in RECIPIENTS if organ]


def register(demo):
    """The Phó Chủ tịch signs, the Ủy ban seals (server-side key: it also signs packages)."""
    p12, png = demo.files["deputy"]
    identities.register_user(None, "chairman", p12_path=p12, image_png=png.read_bytes(),
                             passphrase_setting="SIGNING_DEMO_PASSPHRASE")
    p12, png = demo.files["ubnd"]
    identities.register_unit(None, "UBND", p12_path=p12, seal_png=png.read_bytes(),
                             passphrase_setting="SIGNING_DEMO_PASSPHRASE", seal_mm=36)


def issued_decision(world, demo):
    """Signed by the Phó Chủ tịch, numbered and sealed by the Văn thư (one LibreOffice
    printing), with RECIPIENTS as its Nơi nhận; the exchange must be configured first."""
    from app.models import DecisionRecipient

    s = scenario(world, until="drafting")
    register(demo)
    world.units["UBND"].organ_id = ISSUER
    decision = s.decision
    decision.recipients.clear()
    db.session.flush()
    for position, (label, email, organ) in enumerate(RECIPIENTS):
        decision.recipients.append(DecisionRecipient(position=position, label=label,
                                                     email=email, organ_id=organ))
    db.session.commit()
    decision = approve(world, decision)
    return issue(world, decision)


def packages(decision_id=None):
    db.session.expire_all()
    query = sa.select(OutboxMessage).where(OutboxMessage.channel == "edxml")
    if decision_id is not None:
        query = query.where(OutboxMessage.item_id == decision_id)
    return db.session.scalars(query.order_by(OutboxMessage.id)).all()


class LiveApp:
    """The test app on 127.0.0.1 (the axis' callbacks reach it), any free port."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
