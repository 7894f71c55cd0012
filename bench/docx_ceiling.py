"""The ceiling for a generated DOCX: the same document written directly with lxml.

Given a DOCX the app produced, time writing its ``word/document.xml`` element by element
with lxml (``Element``/``SubElement``, text and attributes as they are) and zipping it
with the package's other parts, as the app's save does. The app's time over this one is
what python-docx and the composition cost.
"""
import io
import time
import zipfile

from lxml import etree


def _plan(element):
    """The element as plain data, read before the clock starts."""
    return (element.tag, dict(element.attrib), element.text,
            [_plan(child) for child in element if isinstance(child.tag, str)])


def _write(parent, plan):
    tag, attrib, text, children = plan
    element = etree.SubElement(parent, tag, attrib)
    element.text = text
    for child in children:
        _write(element, child)


def lxml_seconds(docx: bytes) -> float:
    """Seconds to write ``docx``'s document XML with lxml and zip the package."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    source = etree.fromstring(parts["word/document.xml"])
    tag, attrib, text, children = _plan(source)
    started = time.perf_counter()
    root = etree.Element(tag, attrib, nsmap=source.nsmap)
    for child in children:
        _write(root, child)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, xml if name == "word/document.xml" else data)
    return time.perf_counter() - started
