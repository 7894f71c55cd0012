"""Flask-Mail messages whose Vietnamese headers arrive exactly as written.

On Python 3.11 and 3.12 the stock path loses spaces: Flask-Mail encodes the subject
into encoded words split at spaces, then the SMTP policy re-folds the long header and
CPython's refolder drops the space between two encoded words (CPython gh-144156).
Here every header is encoded into base64 words that carry their own spaces, on lines
short enough that nothing is ever re-folded.
"""
import base64
from email.policy import compat32
from email.utils import formataddr, parseaddr

from flask_mail import Message

# "Subject: " + "=?utf-8?b?" + 52 base64 characters + "?=" stays under 78 columns.
_CHUNK_BYTES = 39


def encode_words(text: str) -> str:
    """RFC 2047 encoded words, folded with CRLF + space, never splitting a character."""
    try:
        text.encode("ascii")
        if len(text) < 60 and "=?" not in text:
            return text
    except UnicodeEncodeError:
        pass
    words, chunk = [], b""
    for ch in text:
        encoded = ch.encode("utf-8")
        if len(chunk) + len(encoded) > _CHUNK_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    if chunk:
        words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


def encode_address(address) -> str:
    name, email = address if isinstance(address, tuple) else parseaddr(address)
    if not name:
        return email
    return f"{encode_words(name)} <{email}>" if _needs_encoding(name) else formataddr((name, email))


def _needs_encoding(text):
    try:
        text.encode("ascii")
        return False
    except UnicodeEncodeError:
        return True


class VietnameseMessage(Message):
    """A Flask-Mail Message with the headers above encoded safely."""

    def _message(self):
        msg = super()._message()
        smtp_policy = msg.policy
        # Stored under compat32, which keeps our folding as written; the SMTP policy then
        # sees only short lines and emits them untouched.
        msg.policy = compat32
        msg.replace_header("Subject", encode_words(self.subject))
        msg.replace_header("From", encode_address(self.sender))
        if self.recipients:
            msg.replace_header("To", ",\r\n ".join(encode_address(r) for r in self.recipients))
        msg.policy = smtp_policy
        return msg
