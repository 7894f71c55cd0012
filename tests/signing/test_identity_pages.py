"""The administrator's pages for signing identities: register, replace and remove a
person's certificate (remote: the certificate alone) and a unit's (PKCS#12 outside
production, PKCS#11 labels), each refusal in Vietnamese with nothing changed, each change
audited through the same service functions as the CLI."""
import hashlib
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.models import ReferenceChange, SigningIdentity
from app.services import identities
from tests.signing.support import DEPUTY, UBND_NAME, DemoSet
from tests.web.test_views import csrf_of, login


@pytest.fixture(scope="module")
def demo(app):
    made = DemoSet(app.instance_path)
    made.holder("deputy", DEPUTY, title="Phó Chủ tịch")
    made.holder("expired", DEPUTY, title="Phó Chủ tịch", expired=True)
    made.holder("ubnd", UBND_NAME, seal=True)
    yield made
    made.remove()


@pytest.fixture(scope="module")
def stranger(app):
    """Another CA, which the app does not trust."""
    made = DemoSet(app.instance_path)
    made.holder("deputy", DEPUTY, title="Phó Chủ tịch")
    yield made
    made.remove()


def pem_of(p12):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    _key, cert, _extra = pkcs12.load_key_and_certificates(p12.read_bytes(), b"demo")
    return cert.public_bytes(serialization.Encoding.PEM)


def png(mode="RGBA", size=(40, 20)) -> bytes:
    out = BytesIO()
    Image.new(mode, size, (0, 0, 200, 0) if mode == "RGBA" else (255, 255, 255)).save(out, "PNG")
    return out.getvalue()


def audit():
    return [(c.action, c.origin, c.row_key) for c in db.session.scalars(
        sa.select(ReferenceChange).where(ReferenceChange.section == identities.SECTION)
        .order_by(ReferenceChange.id))]


def post_person(client, certificate, image, **form):
    page = client.get("/admin/signing").get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "username": "chairman", "backend": "remote",
            "account": "hau.dt", **form}
    if certificate is not None:
        data["certificate"] = (BytesIO(certificate), "hau.pem")
    if image is not None:
        data["image"] = (BytesIO(image), "chu-ky.png")
    return client.post("/admin/signing/users", data=data, content_type="multipart/form-data",
                       follow_redirects=True)


def test_the_administrator_registers_replaces_and_removes_with_an_audit_each(
        app, world, demo, trusted, hsm, client):
    login(client, "admin")
    signature = demo.files["deputy"][1].read_bytes()
    r = post_person(client, pem_of(demo.files["deputy"][0]), signature)
    html = r.get_data(as_text=True)
    assert "Đã đăng ký chứng thư số và ảnh chữ ký cho chairman" in html
    person = identities.of_user(world.users["chairman"].id)
    assert person.backend == "remote" and person.key_path is None  # the key stays with her
    shown = identities.details(person)
    for fact in (DEPUTY, shown["issuer"], person.serial, shown["fingerprint"],
                 f"{person.not_after:%d/%m/%Y}", "Token của người ký / ký số từ xa"):
        assert fact in html
    assert len(shown["fingerprint"]) == 95 and shown["issuer"]
    image = client.get(f"/admin/signing/{person.id}/image.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert hashlib.sha256(image.data).digest() == hashlib.sha256(signature).digest()
    assert f'alt="Ảnh chữ ký của {world.users["chairman"].full_name} (chairman)"' in html

    # the unit: a key file (outside production), its seal at its real size
    page = client.get("/admin/signing").get_data(as_text=True)
    p12, seal = demo.files["ubnd"]
    r = client.post("/admin/signing/units", content_type="multipart/form-data",
                    follow_redirects=True, data={
                        "csrf_token": csrf_of(page), "code": "UBND", "backend": "pkcs12",
                        "passphrase_setting": "SIGNING_DEMO_PASSPHRASE", "seal_mm": "34,5",
                        "p12": (BytesIO(p12.read_bytes()), "ubnd.p12"),
                        "image": (BytesIO(seal.read_bytes()), "dau.png")})
    html = r.get_data(as_text=True)
    assert "Đã đăng ký chứng thư số và ảnh con dấu cho đơn vị UBND" in html, html
    unit = identities.of_unit(world.units["UBND"].id)
    assert unit.seal_mm == 34.5 and unit.backend == "pkcs12"
    assert (Path(app.instance_path) / unit.key_path).exists()
    assert "Con dấu 34.5 mm" in html

    # replaced with the PKCS#11 labels (the HSM's key), then removed
    page = client.get("/admin/signing").get_data(as_text=True)
    r = client.post("/admin/signing/units", content_type="multipart/form-data",
                    follow_redirects=True, data={
                        "csrf_token": csrf_of(page), "code": "UBND", "backend": "pkcs11",
                        "token_label": "seal", "key_label": "ubnd", "seal_mm": "36",
                        "certificate": (BytesIO(pem_of(p12)), "ubnd.pem"),
                        "image": (BytesIO(seal.read_bytes()), "dau.png")})
    assert "HSM/token của máy chủ: token «seal», khóa «ubnd»" in r.get_data(as_text=True)
    page = client.get("/admin/signing").get_data(as_text=True)
    r = client.post("/admin/signing/remove", follow_redirects=True,
                    data={"csrf_token": csrf_of(page), "username": "chairman"})
    assert "Đã gỡ chứng thư số của chairman" in r.get_data(as_text=True)
    assert identities.of_user(world.users["chairman"].id) is None
    assert audit() == [("added", "page", "người ký chairman"), ("added", "page", "cơ quan UBND"),
                       ("replaced", "page", "cơ quan UBND"),
                       ("removed", "page", "người ký chairman")]
    admin_id = world.users["admin"].id
    assert {c.user_id for c in db.session.scalars(sa.select(ReferenceChange).where(
        ReferenceChange.section == identities.SECTION))} == {admin_id}


@pytest.mark.parametrize("what, words", [
    ("expired", "Chứng thư số đã hết hạn ngày"),
    ("untrusted", "không thuộc một tổ chức chứng thực được tin cậy"),
    ("organisation", "Đây là chứng thư số của cơ quan, tổ chức; người ký cần chứng thư số cá nhân"),
    ("opaque", "Ảnh chữ ký phải có nền trong suốt"),
    ("huge", "Ảnh chữ ký quá lớn"),
    ("gif", "Ảnh chữ ký phải là tệp PNG"),
    ("garbage", "Không đọc được chứng thư số"),
])
def test_each_refusal_says_why_and_changes_nothing(world, demo, stranger, trusted, client,
                                                  what, words):
    login(client, "admin")
    certificate = pem_of(demo.files["deputy"][0])
    image = demo.files["deputy"][1].read_bytes()
    if what == "expired":
        certificate = pem_of(demo.files["expired"][0])
    elif what == "untrusted":
        certificate = pem_of(stranger.files["deputy"][0])
    elif what == "organisation":
        certificate = pem_of(demo.files["ubnd"][0])
    elif what == "opaque":
        image = png("RGB")
    elif what == "huge":
        image = png(size=(4001, 8))
    elif what == "gif":
        image = b"GIF89a" + b"\0" * 40
    elif what == "garbage":
        certificate = b"not a certificate"
    r = post_person(client, certificate, image)
    html = r.get_data(as_text=True)
    assert "Không đăng ký được chứng thư số cho chairman" in html and words in html, html
    assert db.session.scalar(sa.select(sa.func.count(SigningIdentity.id))) == 0
    assert audit() == []


def test_a_unit_needs_an_organisations_certificate_and_the_hsm_labels(world, demo, trusted,
                                                                      client):
    login(client, "admin")
    seal = demo.files["ubnd"][1].read_bytes()
    for form, words in [
            ({"certificate": (BytesIO(pem_of(demo.files["deputy"][0])), "a.pem"),
              "token_label": "seal", "key_label": "ubnd"}, "Đây là chứng thư số của cá nhân"),
            ({"certificate": (BytesIO(pem_of(demo.files["ubnd"][0])), "a.pem")},
             "Cần nhãn token và nhãn khóa"),
            ({"certificate": (BytesIO(pem_of(demo.files["ubnd"][0])), "a.pem"),
              "token_label": "seal", "key_label": "ubnd", "seal_mm": "200"},
             "Kích thước thật của con dấu phải từ 10 đến 60 mm")]:
        page = client.get("/admin/signing").get_data(as_text=True)
        r = client.post("/admin/signing/units", content_type="multipart/form-data",
                        follow_redirects=True, data={
                            "csrf_token": csrf_of(page), "code": "UBND", "backend": "pkcs11",
                            "seal_mm": "36", "image": (BytesIO(seal), "dau.png"), **form})
        assert words in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SigningIdentity.id))) == 0
    assert audit() == []


def test_a_token_whose_key_is_not_the_certificates_is_refused_at_registration(
        world, demo, trusted, client, hsm, monkeypatch, app):
    """The labels and the certificate are checked against the token when registered: a
    test signature by the token's key must verify with the certificate given."""
    login(client, "admin")
    other = demo.holder("other", "Ủy ban nhân dân tỉnh Cao Bằng", "Ủy ban nhân dân tỉnh Cao Bằng",
                        seal=True)
    seal = demo.files["ubnd"][1].read_bytes()
    cases = [({"certificate": (BytesIO(pem_of(other[0])), "a.pem"), "key_label": "ubnd"},
              "Chứng thư số không khớp với khóa trên HSM/token"),
             ({"certificate": (BytesIO(hsm), "a.pem"), "key_label": "khong-co"},
              "Không tìm thấy chứng thư «khong-co» trên HSM/token"),
             ({"certificate": (BytesIO(hsm), "a.pem"), "key_label": "ubnd",
               "token_label": "khac"}, "Không mở được phiên làm việc với HSM/token")]
    for form, words in cases:
        page = client.get("/admin/signing").get_data(as_text=True)
        r = client.post("/admin/signing/units", content_type="multipart/form-data",
                        follow_redirects=True, data={
                            "csrf_token": csrf_of(page), "code": "UBND", "backend": "pkcs11",
                            "token_label": "seal", "seal_mm": "36",
                            "image": (BytesIO(seal), "dau.png"), **form})
        assert words in r.get_data(as_text=True), words
    assert db.session.scalar(sa.select(sa.func.count(SigningIdentity.id))) == 0
    assert audit() == []
    # the module itself not configured: refused the same way
    monkeypatch.setitem(app.config, "SIGNING_PKCS11_MODULE", "")
    with pytest.raises(identities.Invalid, match="HSM/token"):
        identities.register_unit(None, "UBND", backend="pkcs11", certificate_pem=hsm,
                                 token_label="seal", key_label="ubnd", seal_png=seal)


def test_only_the_administrator_and_no_person_key_file_in_production(
        app, world, demo, trusted, client, monkeypatch):
    login(client, "chairman")
    assert client.get("/admin/signing").status_code == 403
    login(client, "admin")
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    page = client.get("/admin/signing").get_data(as_text=True)
    assert 'value="pkcs12"' not in page and "khóa ký của cá nhân không bao giờ nằm" in page
    p12, image = demo.files["deputy"]
    r = client.post("/admin/signing/users", content_type="multipart/form-data",
                    follow_redirects=True, data={
                        "csrf_token": csrf_of(page), "username": "chairman", "backend": "pkcs12",
                        "passphrase_setting": "SIGNING_DEMO_PASSPHRASE",
                        "p12": (BytesIO(p12.read_bytes()), "hau.p12"),
                        "image": (BytesIO(image.read_bytes()), "chu-ky.png")})
    assert "Môi trường chính thức không giữ khóa ký của cá nhân" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SigningIdentity.id))) == 0
