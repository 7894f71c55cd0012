"""A paper generated without a date of its own (a certificate set) is stamped by the one
clock (app/clock.py), which the tests and a frozen run control, never by the machine's."""
import io
from datetime import UTC, datetime

from docx import Document

from app import clock
from app.docgen.render import render_certificates


def test_a_paper_without_its_own_date_is_stamped_by_the_one_clock(monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: datetime(2019, 3, 4, 5, 6, 7, 890))
    props = Document(io.BytesIO(render_certificates([]))).core_properties
    assert props.created == props.modified == datetime(2019, 3, 4, 5, 6, 7, tzinfo=UTC)
