"""One way to answer with a stored file, for the API and the pages alike.

The file streams from an open handle (never whole in memory), or the answer is a redirect
to a short-lived presigned URL when the storage offers one and the configuration asks.
"""
from flask import Response, redirect

from app.services import spreadsheets
from app.services.storage import Opened, content_disposition

CHUNK = 256 * 1024


def _chunks(fh):
    """The file in pieces, closed when the last is sent or the client goes away (the server
    closes the iterable, which ends the generator here)."""
    try:
        while chunk := fh.read(CHUNK):
            yield chunk
    finally:
        fh.close()


def send(body, filename, content_type, *, inline=False, sha256=None, private=False):
    """``body``: bytes (a draft made now) or an ``Opened`` stored file."""
    if isinstance(body, Opened) and body.redirect:
        response = redirect(body.url(filename, content_type, inline), code=302)
        response.headers["Cache-Control"] = "no-store"  # the signed URL expires
        return response
    if isinstance(body, Opened):
        response = Response(_chunks(body.fileobj), mimetype=content_type,
                            direct_passthrough=True)
        response.content_length = body.size
    else:
        response = Response(body, mimetype=content_type)
    response.headers["Content-Disposition"] = content_disposition(filename, inline)
    if sha256:
        response.headers["X-Content-SHA256"] = sha256
        response.headers["ETag"] = f'"{sha256}"'
    if private:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"  # never kept on a shared computer
    return response


def xlsx(named):
    """``(filename, spooled workbook)`` from the Excel services, streamed in pieces."""
    filename, data = named
    chunks, size = spreadsheets.stream(data)
    response = Response(chunks, mimetype=spreadsheets.XLSX)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = content_disposition(filename)
    return response
