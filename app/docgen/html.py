"""The same papers as readable HTML: a second rendering of the ``FormalDocument`` and
``Certificate`` data that ``render.py`` lays out with python-docx (one source, two
renderings). Rendered through a Jinja template of this package with autoescaping on;
what it returns is an HTML fragment that a page places inside its own layout."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from app.docgen.model import Certificate, FormalDocument
from app.docgen.text import xml_text

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
)
# Text exactly as the DOCX holds it (curly quotes, Word's line break), then escaped.
_env.filters["paper"] = lambda text: xml_text(text or "")
_env.globals.update(national_name=NATIONAL_NAME, motto=MOTTO)


def formal(document: FormalDocument) -> Markup:
    """A formal document (QĐ, TTr, KH, BB, launch) as one A4-wide HTML sheet."""
    return Markup(_env.get_template("formal.html").render(doc=document))


def certificates(pages: list[Certificate], draft: bool = False) -> Markup:
    """The certificate pages, one sheet each."""
    return Markup(_env.get_template("certificates.html").render(pages=pages, draft=draft))
