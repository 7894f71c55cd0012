"""`flask signing`: the demo CA, certificates with their images, the local TSA, verify."""
import pytest
from PIL import Image

from app.esign import EsignSettings, SigningRefused, pdfsign, pki, tsa, verify
from app.esign.keys import ORGANISATION, Pkcs12Key
from tests.esign.conftest import SPEC
from tests.esign.support import make_pdf


def test_demo_ca_certificates_tsa_and_verify(app, tmp_path, monkeypatch):
    runner = app.test_cli_runner()
    ca_dir = tmp_path / "ca"
    result = runner.invoke(args=["signing", "demo-ca", str(ca_dir), "--name", "Demo Lạng Sơn"])
    assert result.exit_code == 0, result.output
    assert "SIGNING_TRUST_ROOTS=" in result.output
    for slug, extra in (("chu-tich", ["--title", "Chủ tịch"]), ("ubnd", ["--seal"])):
        result = runner.invoke(args=[
            "signing", "certificate", str(ca_dir), slug, "--name",
            "Nguyễn Văn A" if slug == "chu-tich" else "Ủy ban nhân dân tỉnh Lạng Sơn",
            "--organisation", "Ủy ban nhân dân tỉnh Lạng Sơn", *extra])
        assert result.exit_code == 0, result.output
    for slug, flag in (("het-han", "--expired"), ("thu-hoi", "--revoked")):
        result = runner.invoke(args=["signing", "certificate", str(ca_dir), slug, "--name",
                                     "Lê Văn B", "--organisation", "Sở Nội vụ", flag])
        assert result.exit_code == 0, result.output
    signature = Image.open(ca_dir / "chu-tich.png")
    seal = Image.open(ca_dir / "ubnd.png")
    assert signature.mode == seal.mode == "RGBA"
    assert signature.getpixel((0, 0))[3] == 0  # transparent background
    colours = {p[:3] for p in signature.convert("RGBA").get_flattened_data() if p[3] == 255}
    assert colours and all(b > r and b > g for r, g, b in colours)  # blue ink
    colours = {p[:3] for p in seal.get_flattened_data() if p[3] == 255}
    assert colours and all(r > g and r > b for r, g, b in colours)  # red seal

    server = tsa.serve_in_thread(tsa.timestamper_from_pkcs12(
        (ca_dir / "tsa.p12").read_bytes(), pki.DEMO_PASSPHRASE))
    try:
        config = {"SIGNING_TRUST_ROOTS": str(ca_dir / "root.pem"),
                  "SIGNING_INTERMEDIATES": str(ca_dir / "sub-ca.pem"),
                  "SIGNING_CRLS": str(ca_dir / "sub-ca.crl"),
                  "SIGNING_TSA_URL": f"http://127.0.0.1:{server.server_port}/"}
        settings = EsignSettings.from_config(config)
        person = Pkcs12Key((ca_dir / "chu-tich.p12").read_bytes(), pki.DEMO_PASSPHRASE,
                           settings)
        org = Pkcs12Key((ca_dir / "ubnd.p12").read_bytes(), pki.DEMO_PASSPHRASE, settings,
                        holder=ORGANISATION)
        approved = pdfsign.sign_approval(make_pdf(), person, field="chu_ky", settings=settings,
                                         image_png=(ca_dir / "chu-tich.png").read_bytes(),
                                         expected_cert=person.certificate)
        issued = pdfsign.issue(approved, org, SPEC, seal_png=(ca_dir / "ubnd.png").read_bytes(),
                               settings=settings, expected_cert=org.certificate)
    finally:
        server.shutdown()
        server.server_close()
    report = verify.verify_pdf(issued, settings)
    assert all(s.bottom_line and s.timestamp_valid for s in report.signatures)
    for slug, code in (("het-han", "certificate_expired"), ("thu-hoi", "certificate_revoked")):
        key = Pkcs12Key((ca_dir / f"{slug}.p12").read_bytes(), pki.DEMO_PASSPHRASE, settings)
        with pytest.raises(SigningRefused) as refused:
            pdfsign.sign_approval(make_pdf(), key, field="chu_ky", settings=settings,
                                  image_png=(ca_dir / "chu-tich.png").read_bytes(),
                                  expected_cert=key.certificate)
        assert refused.value.code == code
    path = tmp_path / "issued.pdf"
    path.write_bytes(issued)
    for key, value in config.items():
        monkeypatch.setitem(app.config, key, value)
    result = runner.invoke(args=["signing", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert "#1 chu_ky: Nguyễn Văn A" in result.output
    assert "#2 con_dau: Ủy ban nhân dân tỉnh Lạng Sơn" in result.output
    result = runner.invoke(args=["signing", "verify", str(ca_dir / "root.pem")])
    assert result.exit_code == 2 and "không phải là tệp PDF" in result.output
