"""Large certificate sets are laid out in a child process, whose memory goes back to the
system when it exits: the pages are the same as those laid out in the caller."""
import pytest

from app import docgen
from app.docgen import isolated
from tests.docgen.support import open_docx, scenario, texts


def _certificates(decision, isolate_from, monkeypatch):
    from app.services import documents

    monkeypatch.setattr(docgen, "ISOLATE_FROM_PAGES", isolate_from)
    return documents.render("decision", decision, "certificates", draft=True)


def test_certificates_from_a_child_process_match_those_laid_out_in_place(world, monkeypatch):
    s = scenario(world, until="approved")
    here = open_docx(_certificates(s.decision, 10**9, monkeypatch))
    child = open_docx(_certificates(s.decision, 1, monkeypatch))
    assert texts(child) == texts(here)
    awardees = [n.name for n in s.decision.nominees if not n.struck]
    page_texts = "\n".join(texts(child))
    assert awardees and all(name in page_texts for name in awardees)


def _refuse(reason):
    raise ValueError(reason)


def test_an_error_in_the_child_reaches_the_caller():
    with pytest.raises(ValueError, match="không hợp lệ"):
        isolated.run(_refuse, "không hợp lệ")


def test_the_issuable_pdf_is_printed_in_a_child_process(monkeypatch):
    """Printing a large paper grew the web worker for good (bench/scale_bench.py --esign):
    the PDF is made in a child, whatever comes back (here, the child's pid)."""
    import os

    from app.docgen import pdf
    from app.docgen.model import FormalDocument

    monkeypatch.setattr(pdf, "render_pdf", lambda *a, **k: str(os.getpid()).encode())
    content = FormalDocument.__new__(FormalDocument)
    printed = docgen.render_pdf(content, "/nonexistent")
    assert printed.isdigit() and int(printed) != os.getpid()


def test_a_long_list_is_laid_out_in_a_child_process_a_short_one_in_place(monkeypatch):
    """The decision's DOCX with its DANH SÁCH of 2,000 rows is laid out in a child (as the
    certificates are); a paper with a short list stays in the caller."""
    import os
    from types import SimpleNamespace

    from app.docgen import render

    monkeypatch.setattr(render, "render_formal", lambda content: str(os.getpid()).encode())
    monkeypatch.setattr(docgen, "render_formal", render.render_formal)

    def paper(rows):
        return SimpleNamespace(appendix=SimpleNamespace(sections=(
            SimpleNamespace(entries=("x",) * rows),)))

    long = docgen.render_content(paper(docgen.ISOLATE_FROM_ROWS), draft=False)
    short = docgen.render_content(paper(docgen.ISOLATE_FROM_ROWS - 1), draft=False)
    assert int(long) != os.getpid() and int(short) == os.getpid()
