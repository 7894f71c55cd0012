"""Issue 21 in Chromium: the administrator registers the Chairman's certificate (the key
stays on his device) and signature image on /admin/signing, sees its facts and the image;
the Chairman presses «Phê duyệt», the page waits («Đang chờ ký số trên thiết bị của …»)
while his device (the remote stand-in) is asked for the whole signed PDF, and moves on by
itself once he confirms there; the Văn thư then issues with her own token (a CMS of the
digest) the same way."""
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from playwright.sync_api import expect

from app.esign import pki
from app.esign.keys import Pkcs12Key
from app.extensions import db
from app.models import Decision
from app.services import esigning, identities
from tests import helpers
from tests.browser.support import UNLABELLED, saved, submit
from tests.docgen.support import scenario
from tests.esign.remote_standin import RemoteStandIn
from tests.signing.support import UBND_NAME, DemoSet

DEPUTY = "Đoàn Thị Hậu"


def test_register_then_sign_from_the_decision_page_on_the_device(app, world, desk, tmp_path,
                                                                 monkeypatch):
    demo = DemoSet(app.instance_path)
    try:
        p12, png = demo.holder("deputy", DEPUTY, title="Phó Chủ tịch")
        for key, value in demo.config().items():
            monkeypatch.setitem(app.config, key, value)
        monkeypatch.setitem(app.config, "SIGNING_REMOTE_ANSWER", "pdf")
        esigning._VERIFIED.clear()
        _key, cert, _extra = pkcs12.load_key_and_certificates(p12.read_bytes(), b"demo")
        pem = tmp_path / "hau.pem"
        pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))

        admin = desk.page("admin", "/admin/signing")
        expect(admin.get_by_role("heading", name="Chứng thư số và ảnh chữ ký, con dấu")) \
            .to_be_visible()
        assert admin.evaluate(UNLABELLED) == []
        form = admin.locator("form", has=admin.get_by_role(
            "heading", name="Đăng ký hoặc thay chứng thư số của người ký"))
        form.get_by_label("Tài khoản", exact=True).select_option("chairman")
        form.get_by_label("Trên token của người ký").check()
        form.get_by_label("Chứng thư số (PEM hoặc DER)").set_input_files(str(pem))
        form.get_by_label("Tài khoản ký số từ xa (nếu có)").fill("hau.dt")
        form.get_by_label("Ảnh chữ ký").set_input_files(str(png))
        submit(admin, form.get_by_role("button", name="Đăng ký cho người ký"))
        saved(admin, "Đã đăng ký chứng thư số và ảnh chữ ký cho chairman")
        row = admin.locator("#identities tbody tr").first
        expect(row).to_contain_text(DEPUTY)
        expect(row).to_contain_text("Dấu vân tay SHA-256")
        expect(row).to_contain_text(re.compile(r"([0-9A-F]{2}:){31}[0-9A-F]{2}"))
        image = row.get_by_role("img", name=re.compile("Ảnh chữ ký của"))
        expect(image).to_be_visible()
        assert image.evaluate("i => i.complete && i.naturalWidth > 0")

        s = scenario(world, until="drafting")
        helpers.fire(world, "decision", s.decision, "appraiser", "submit")
        helpers.fire(world, "decision", s.decision, "board_head", "sign_proposal")
        decision_id = s.decision.id
        key = Pkcs12Key(p12.read_bytes(), pki.DEMO_PASSPHRASE, identities.settings())
        with RemoteStandIn({"hau.dt": {"key": key, "image": png.read_bytes()}},
                           identities.settings()) as standin:
            monkeypatch.setitem(app.config, "SIGNING_REMOTE_URL", standin.url)
            chairman = desk.page("chairman", f"/decisions/{decision_id}")
            with chairman.expect_navigation(timeout=90_000):  # the PDF is printed first
                chairman.locator('button[data-trigger="approve"]').click(no_wait_after=True)
            waiting = chairman.get_by_role("heading", name=re.compile(
                "Đang chờ ký số trên thiết bị của"))
            expect(waiting).to_be_visible()
            expect(chairman.get_by_role("status")).to_have_text("Đang chờ xác nhận…")
            assert chairman.evaluate(UNLABELLED) == []
            db.session.remove()
            assert db.session.get(Decision, decision_id).state == "awaiting_chairman"
            [(ticket, request)] = standin.requests.items()
            assert request["kind"] == "pdf"
            with chairman.expect_navigation(timeout=20_000):
                standin.confirm(ticket)  # he confirms on his device; the page moves on
            expect(chairman.locator(".alert-success")).to_contain_text(
                "Đã ký số và phê duyệt quyết định.")
            expect(chairman).to_have_url(re.compile(rf"/decisions/{decision_id}$"))
            db.session.remove()
            assert db.session.get(Decision, decision_id).state == "approved"

            # the Văn thư seals with her own token; her device answers a CMS of the digest
            monkeypatch.setitem(app.config, "SIGNING_REMOTE_ANSWER", "cms")
            ubnd_p12, seal = demo.holder("ubnd", UBND_NAME, seal=True)
            _k, ubnd_cert, _e = pkcs12.load_key_and_certificates(ubnd_p12.read_bytes(), b"demo")
            identities.register_unit(
                None, "UBND", backend="remote", key_label="vt.ubnd", seal_png=seal.read_bytes(),
                certificate_pem=ubnd_cert.public_bytes(serialization.Encoding.PEM), seal_mm=36)
            standin.accounts["vt.ubnd"] = {"key": Pkcs12Key(
                ubnd_p12.read_bytes(), pki.DEMO_PASSPHRASE, identities.settings(),
                holder="organisation")}
            clerk = desk.page("clerk", f"/decisions/{decision_id}")
            submit(clerk, clerk.locator('button[data-trigger="issue"]'))
            expect(clerk.get_by_role("heading", name="Ban hành quyết định: ký số của cơ quan")) \
                .to_be_visible()
            ticket, request = list(standin.requests.items())[-1]
            assert request["kind"] == "cms" and request["account"] == "vt.ubnd"
            with clerk.expect_navigation(timeout=20_000):
                standin.confirm(ticket)
            expect(clerk.locator(".alert-success")).to_contain_text(
                "Đã ký số và ban hành quyết định.")
            expect(clerk.get_by_text("Chữ ký số: Bản điện tử đã ban hành")).to_be_visible()
        db.session.remove()
        assert db.session.get(Decision, decision_id).state == "issued"
        assert not desk.problems, desk.problems
    finally:
        demo.remove()
