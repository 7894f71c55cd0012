"""The kept PDF of a final paper, without LibreOffice: the printing is replaced by fixed bytes
so that what is kept, when, and what supersedes it is checked on every machine (the real
printing: tests/docgen/test_issuable_pdf.py)."""
import hashlib
from datetime import date

import pytest

from app import docgen
from app.extensions import db
from app.services import documents
from tests.docgen.support import scenario, utc_at

pytestmark = pytest.mark.storage


@pytest.fixture
def printed(monkeypatch):
    """Every PDF printed, in order; each one's bytes differ."""
    made = []

    def render(content, font_cache, timeout=120, filled=False):
        assert docgen.has_pdf(content) and filled  # a final paper's number and date written in
        made.append(content)
        return b"%PDF-1.7\n" + str(len(made)).encode() + b"\n%%EOF\n"

    monkeypatch.setattr(docgen, "render_pdf", render)
    return made


def read(body):
    with body.fileobj as fh:
        return fh.read()


def test_the_pdf_is_printed_once_from_the_kept_content_and_kept_with_its_hash(world, frozen,
                                                                             printed):
    frozen(utc_at(date(2027, 2, 5)))
    s = scenario(world)
    body, filename, sha = documents.fetch_pdf("decision", s.decision, "decision")
    data = read(body)
    assert sha == hashlib.sha256(data).hexdigest() and filename.endswith("UBND khen thưởng.pdf")
    stored = documents.current("decision", s.decision.id, "decision")
    assert printed == [docgen.loads_content(stored.content)]  # what was kept at its step
    again, _, sha_again = documents.fetch_pdf("decision", s.decision, "decision")
    assert read(again) == data and sha_again == sha and len(printed) == 1
    listed = {d["name"]: d for d in documents.listing("decision", s.decision)}
    assert listed["decision"]["pdf_sha256"] == sha and listed["decision"]["pdf_size"] == len(data)
    assert listed["proposal"]["pdf"] and listed["proposal"]["pdf_sha256"] is None


def test_a_later_final_supersedes_the_pdf_with_its_docx(world, frozen, printed):
    frozen(utc_at(date(2027, 2, 5)))
    s = scenario(world)
    first = documents.keep_pdf("decision", s.decision, "decision")
    documents.keep("decision", s.decision, "decision")  # the paper kept again
    db.session.commit()
    assert documents.current("decision", s.decision.id, "decision_pdf") is None
    second = documents.keep_pdf("decision", s.decision, "decision")
    assert second.id != first.id and second.sha256 != first.sha256 and len(printed) == 2


def test_a_paper_that_cannot_be_printed_keeps_nothing(world, frozen, monkeypatch):
    frozen(utc_at(date(2027, 2, 5)))
    s = scenario(world)

    def fail(content, font_cache, timeout=120, filled=False):
        raise docgen.PdfUnavailable("Tạo tệp PDF quá lâu, đã dừng; vui lòng thử lại sau.")

    monkeypatch.setattr(docgen, "render_pdf", fail)
    with pytest.raises(documents.Unavailable) as refused:
        documents.keep_pdf("decision", s.decision, "decision")
    assert refused.value.status == 503 and "quá lâu" in refused.value.message
    assert documents.current("decision", s.decision.id, "decision_pdf") is None
    with pytest.raises(documents.NotFound):
        documents.keep_pdf("decision", s.decision, "certificates")
