"""Signing and verifying time of app.esign, against a ceiling measured in the same run.

Ceiling: pyHanko alone signing a one-page PDF (an invisible PAdES signature, same key, same
timestamper): what any signing of any PDF costs here. Then app.esign's steps on a one-page
PDF and on the decision of 2,000 awardees rendered by the real path (app.docgen: the DOCX
printed by LibreOffice, PDF/A-2b, its fields added): the signer's approval, the Văn thư's
issue (number, date, seal in one update), and the verification of the issued file. Server
time only: the timestamper is pyHanko's DummyTimeStamper (no network), as in the tests.
Prints the best of a few runs, against the budgets of issue 21 (approve + issue < 3 s,
verify < 1 s), and the process's peak memory (< 150 MB, as a web worker). Then the edXML
package of the issued file (issue 23): built and signed with the organisation's key
(page count, base64, exclusive c14n, XMLDSig through ``sign_digest``), then read back and
its signature verified, against the budget (build + sign < 1 s).

    .venv/bin/python bench/esign_bench.py [--awardees 2000] [--runs 3] [--pdf decision.pdf]

``--pdf`` takes an issuable PDF made elsewhere (fields "so", "ngay_thang", "chu_ky").
"""
import argparse
import asyncio
import resource
import sys
import tempfile
import time
import warnings
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore", message="DSA is deprecated")

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import fields, signers  # noqa: E402

from app import edxml  # noqa: E402
from app.esign import pdfsign, verify  # noqa: E402
from tests.esign.conftest import SPEC  # noqa: E402
from tests.esign.support import SigningPKI, make_pdf  # noqa: E402


def best(fn, runs):
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def edxml_package(issued: bytes, key) -> bytes:
    """The package of an issued decision as app.services.exchange_packages builds it."""
    from datetime import date, datetime

    from app import docgen

    organ = "000.00.00.H29"
    header = edxml.MessageHeader(
        from_organ=edxml.Organ(organ, "Ủy ban nhân dân tỉnh Lạng Sơn"),
        to_organs=[edxml.Organ(f"000.00.{i:02d}.H29", f"Sở {i}") for i in range(1, 21)],
        code_number="1205", code_notation="QĐ-UBND", promulgation_place="Lạng Sơn",
        promulgation_date=date(2026, 12, 7), document_type=edxml.DocumentType(),
        subject="Về việc tặng Bằng khen của Chủ tịch UBND tỉnh",
        signer=edxml.Signer("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Đoàn Thị Hậu"),
        to_places=[f"Sở {i}" for i in range(1, 21)], page_amount=docgen.page_count(issued),
        document_id=edxml.document_id(organ, date(2026, 12, 7), 1205, "QĐ-UBND"))
    return edxml.build_package(edxml.Package(
        header=header, traces=[edxml.TraceHeader(organ, datetime.now())],
        attachments=[edxml.Attachment("QD-1205.pdf", "application/pdf", "qd-1205", issued)]),
        key)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--awardees", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pdf", type=Path, default=None)
    args = parser.parse_args()

    pki_dir = tempfile.mkdtemp(prefix="esign-bench-")
    pki = SigningPKI(Path(pki_dir))
    settings = pki.settings()
    person = pki.key(pki.person, settings)
    org = pki.org_key(settings)
    stamper = pki.timestamper()
    one = make_pdf(1)

    def ceiling():
        out = BytesIO()
        meta = signers.PdfSignatureMetadata(field_name="bench", md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES)
        asyncio.run(signers.PdfSigner(meta, signer=person.pdf_signer(), timestamper=stamper)
                    .async_sign_pdf(IncrementalPdfFileWriter(BytesIO(one)), output=out))
        return out.getvalue()

    ceiling()  # warm the imports and caches for everyone alike
    pdfsign.sign_approval(one, person, field="chu_ky", image_png=pki.signature_png,
                          settings=settings, timestamper=stamper,
                          expected_cert=pki.asn1(pki.person))
    floor, _ = best(ceiling, args.runs)
    print(f"ceiling: pyHanko signing a one-page PDF          {floor * 1000:8.0f} ms")

    documents = [("1 page", one)]
    if args.pdf:
        documents.append((args.pdf.name, args.pdf.read_bytes()))
    else:
        from app import docgen
        from bench.pdf_bench import decision

        started = time.perf_counter()
        big = docgen.render_pdf(decision(args.awardees), Path(pki_dir) / "fonts", timeout=600)
        print(f"render: the decision of {args.awardees:,} awardees (DOCX → LibreOffice → "
              f"PDF/A-2b with fields) {time.perf_counter() - started:6.2f} s, "
              f"{len(big) // 1024:,} KB")
        documents.append((f"{args.awardees} awardees", big))
    for label, pdf in documents:
        approve_s, approved = best(lambda pdf=pdf: pdfsign.sign_approval(
            pdf, person, field="chu_ky", image_png=pki.signature_png, settings=settings,
            expected_cert=pki.asn1(pki.person), timestamper=stamper), args.runs)
        issue_s, issued = best(lambda approved=approved: pdfsign.issue(
            approved, org, SPEC, seal_png=pki.seal_png, settings=settings,
            expected_cert=pki.asn1(pki.org), timestamper=stamper), args.runs)
        verify_s, report = best(lambda issued=issued: verify.verify_pdf(issued, settings),
                                args.runs)
        assert all(s.bottom_line for s in report.signatures)
        package_s, package = best(lambda issued=issued: edxml_package(issued, org), args.runs)
        read_s, _ = best(lambda package=package: edxml.open_package(package), args.runs)
        print(f"{label:>14} ({len(pdf) // 1024:5d} KB): approve {approve_s * 1000:6.0f} ms "
              f"({approve_s / floor:4.1f}x)  issue {issue_s * 1000:6.0f} ms "
              f"({issue_s / floor:4.1f}x)  sign+issue {(approve_s + issue_s):5.2f} s "
              f"{'✓' if approve_s + issue_s < 3 else '✗'} (< 3 s)  "
              f"verify {verify_s * 1000:6.0f} ms {'✓' if verify_s < 1 else '✗'} (< 1 s)")
        print(f"{'':>14} edXML package ({len(package) // 1024:5d} KB): build+sign "
              f"{package_s * 1000:6.0f} ms {'✓' if package_s < 1 else '✗'} (< 1 s)  "
              f"read+verify {read_s * 1000:6.0f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process (LibreOffice runs apart): {peak:.0f} MB "
          f"{'✓' if peak < 150 else '✗'} (< 150 MB)")


if __name__ == "__main__":
    main()
