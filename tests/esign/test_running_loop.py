"""pyHanko's work is coroutines, driven from plain threads. A thread whose event loop is
already running (an async server; Playwright's sync API in the browser tests, before the
signing tests in the same run) must sign and verify as well."""
import asyncio
from concurrent.futures import ThreadPoolExecutor

from app.esign import pdfsign, verify


def test_signing_and_verifying_work_where_an_event_loop_is_running(pki, settings, blank_pdf):
    async def inside_a_running_loop():
        signed = pdfsign.sign_approval(
            blank_pdf, pki.key(pki.person, settings), field="chu_ky",
            image_png=pki.signature_png, settings=settings, expected_cert=pki.asn1(pki.person),
            timestamper=pki.timestamper())
        return signed, verify.verify_pdf(signed, settings)

    # a thread of its own: the test's thread may already have a running loop (Playwright's)
    with ThreadPoolExecutor(max_workers=1) as pool:
        signed, report = pool.submit(asyncio.run, inside_a_running_loop()).result()
    [signature] = report.signatures
    assert signature.intact and signature.valid and signature.trusted
