"""A demo CA written under the app's instance folder (where registered key files live),
with certificates for the test world's signers and organisations; removed afterwards."""
import secrets
import shutil
from pathlib import Path

from app.esign import pki

DEPUTY = "Đoàn Thị Hậu"  # the test world's chairman: PHÓ CHỦ TỊCH, signs KT. CHỦ TỊCH
UBND_NAME = "Ủy ban nhân dân tỉnh Lạng Sơn"


class DemoSet:
    def __init__(self, instance: Path):
        self.dir = Path(instance) / "signing" / f"test-{secrets.token_hex(4)}"
        self.ca = pki.write_demo_ca(self.dir, "Kiểm thử TĐKT")
        self.files = {}

    def holder(self, slug, name, organisation=UBND_NAME, *, seal=False, title=None, **flags):
        p12, png = pki.write_holder(self.dir, self.ca, slug, name, organisation, seal=seal,
                                    unit=title, **flags)
        self.files[slug] = (p12, png)
        return p12, png

    def config(self) -> dict:
        return {"SIGNING_TRUST_ROOTS": str(self.dir / "root.pem"),
                "SIGNING_INTERMEDIATES": str(self.dir / "sub-ca.pem"),
                "SIGNING_CRLS": str(self.dir / "sub-ca.crl")}

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def pyhanko_statuses(data, demo):
    """pyHanko's validator's status of each signature of a PDF, trusting the demo CA."""
    from io import BytesIO

    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from app.esign import aio

    root = asn1_x509.Certificate.load(demo.ca.root.der())
    sub = asn1_x509.Certificate.load(demo.ca.sub.der())
    context = ValidationContext(trust_roots=[root], other_certs=[sub], allow_fetching=False)
    reader = PdfFileReader(BytesIO(data))

    async def run():
        return [await async_validate_pdf_signature(sig, context, context)
                for sig in reader.embedded_signatures]

    return aio.run(run())
