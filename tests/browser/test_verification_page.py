"""«Xác minh văn bản điện tử» in Chromium, without signing in: reached from the sign-in
page, a signed PDF chosen with the file picker, the result read per signature; axe finds
no serious or critical violation on the form, its refusal, and the result."""
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from app.esign import pdfsign
from tests.browser.support import DESKTOP, PHONE
from tests.browser.test_accessibility import violations
from tests.esign.conftest import SPEC
from tests.esign.support import make_pdf
from tests.web import test_verification as verifying
from tests.web.test_verification import flipped

# the fixtures of the page's tests: the test PKI of tests/esign, the app trusting it
pki, settings, trusting = verifying.pki, verifying.settings, verifying.trusting


def _signed_and_issued(pki, settings):
    approved = pdfsign.sign_approval(
        make_pdf(), pki.key(pki.person, settings), field="chu_ky", image_png=pki.signature_png,
        settings=settings, expected_cert=pki.asn1(pki.person), timestamper=pki.timestamper())
    return pdfsign.issue(approved, pki.org_key(settings), SPEC, seal_png=pki.seal_png,
                         settings=settings, expected_cert=pki.asn1(pki.org),
                         expected_signer_cert=pki.asn1(pki.person),
                         timestamper=pki.timestamper())


@pytest.fixture
def issued(pki, settings):
    """The two-signature PDF of tests/esign, made in a worker thread: pyHanko's checks call
    asyncio.run(), which refuses to run where Playwright's sync API keeps its event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_signed_and_issued, pki, settings).result()


def test_anyone_verifies_a_signed_pdf(desk, trusting, issued, tmp_path):
    good = tmp_path / "quyet-dinh.pdf"
    good.write_bytes(issued)
    bad = tmp_path / "quyet-dinh-da-sua.pdf"
    bad.write_bytes(flipped(issued))
    for viewport in (DESKTOP, PHONE):
        page = desk.new_page(viewport)
        page.goto("/login")
        page.get_by_role("link", name="Xác minh văn bản điện tử").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Xác minh văn bản điện tử")
        assert violations(page) == []
        page.get_by_role("button", name="Xác minh").click()  # nothing chosen
        # the app's own message under the field, not the browser's
        expect(page.get_by_text("«Tệp văn bản điện tử (PDF)»: chưa chọn tệp.")).to_be_visible()
        assert violations(page) == []
        page.get_by_label("Tệp văn bản điện tử (PDF)").set_input_files(str(good))
        page.get_by_role("button", name="Xác minh").click()
        expect(page.locator("#conclusion")).to_have_text(
            "Hợp lệ: cả 2 chữ ký đều hợp lệ, tệp nguyên vẹn.")
        signatures = page.locator("section.signature")
        expect(signatures).to_have_count(2)
        expect(signatures.nth(0).get_by_role("heading")).to_have_text("Chữ ký số 1: Hợp lệ")
        expect(signatures.nth(0).locator(".changes")).to_contain_text(
            "chỉ điền số và ngày (điền biểu mẫu)")
        expect(page.locator("#register-text")).to_contain_text("không có trong sổ đăng ký")
        assert violations(page) == []
        page.get_by_label("Tệp văn bản điện tử (PDF)").set_input_files(str(bad))
        page.get_by_role("button", name="Xác minh").click()
        expect(page.locator("#conclusion")).to_have_text(re.compile("^Không hợp lệ"))
        expect(signatures.nth(0).locator(".intact")).to_have_text("Đã bị sửa sau khi ký")
        assert violations(page) == []
        page.context.close()
    assert desk.problems == []
