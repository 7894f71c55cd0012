import pytest

from app.esign import pdfsign
from tests.esign.support import SigningPKI, make_pdf

SPEC = pdfsign.IssueFields(
    signer_field="chu_ky", number_field="so", number_text="Số: 1234/QĐ-UBND",
    date_field="ngay_thang", date_text="Lạng Sơn, ngày 07 tháng 12 năm 2026",
    seal_mm=36, signer_image_px=(600, 240))


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    return SigningPKI(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def settings(pki):
    return pki.settings()


@pytest.fixture(scope="session")
def blank_pdf():
    return make_pdf()


@pytest.fixture(scope="session")
def approved(pki, settings, blank_pdf):
    return pdfsign.sign_approval(
        blank_pdf, pki.key(pki.person, settings), field="chu_ky", image_png=pki.signature_png,
        settings=settings, expected_cert=pki.asn1(pki.person), timestamper=pki.timestamper())


@pytest.fixture(scope="session")
def issued(pki, settings, approved):
    return pdfsign.issue(approved, pki.org_key(settings), SPEC, seal_png=pki.seal_png,
                         settings=settings, expected_cert=pki.asn1(pki.org),
                         expected_signer_cert=pki.asn1(pki.person), timestamper=pki.timestamper())
