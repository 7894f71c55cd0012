"""Flask-Mail messages whose Vietnamese headers and bodies arrive exactly as written.

On Python 3.11 and 3.12 the stock path loses spaces: Flask-Mail encodes the subject
into encoded words split at spaces, then the SMTP policy re-folds the long header and
CPython's refolder drops the space between two encoded words (CPython gh-144156).
Here the headers are encoded into base64 words that carry their own spaces, and handed
to the policy already folded, so nothing is ever re-folded.

A display name (From, To) is one encoded word: readers must ignore the space between
two adjacent encoded words, and in an address some (CPython's parser before gh-128110)
keep it, so a name split into several words would arrive with spaces added.

Display names and subjects are cleaned of every control character first: Python's
``str.splitlines`` (used when a header is folded) breaks lines at \x0b, \x0c, \x1c-\x1e,
\x85, U+2028 and U+2029 as well as CR and LF, so any of them in a name would start a
header of its own (header injection).

Bodies are base64: Flask-Mail sends UTF-8 text as 8bit, as written, and a long paragraph
(a reason typed on one line) then exceeds the 998 octets an SMTP line may carry.
"""
import base64
import re
from email.charset import BASE64, Charset
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, parseaddr

from flask import current_app
from flask_mail import Message

# "Subject: " + "=?utf-8?b?" + 52 base64 characters + "?=" stays under 78 columns.
_CHUNK_BYTES = 39
# SMTP lines carry at most 998 octets; a display name longer than this is split.
_NAME_BYTES = 600


# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def clean_header_text(text):
    """One line of text: each run of control characters becomes one space."""
    return _CONTROLS.sub(" ", text) if text else text


def _clean_address(address):
    if isinstance(address, (tuple, list)):
        name, email = address
        return (clean_header_text(name), email)
    return clean_header_text(address)


def encode_words(text: str, chunk_bytes=_CHUNK_BYTES) -> str:
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
        if len(chunk) + len(encoded) > chunk_bytes:
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
    if not _needs_encoding(name) and "=?" not in name:
        return formataddr((name, email))
    # One encoded word for the whole name, on its own line, the address on the next.
    return f"{encode_words(name, _NAME_BYTES)}\r\n <{email}>"


def _needs_encoding(text):
    try:
        text.encode("ascii")
        return False
    except UnicodeEncodeError:
        return True


def _quoted(address) -> str:
    """'"name" <email>': Flask-Mail joins a (name, email) sender unquoted, and a name
    with a comma would then be read back as two addresses."""
    name, email = address
    if not name:
        return email
    name = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{name}" <{email}>'


class _Folded(str):
    """A header value folded here: the policy writes it as it is, never re-folds it."""

    def __new__(cls, name, value):
        self = super().__new__(cls, value)
        self.name = name
        return self

    def fold(self, *, policy):
        return f"{self.name}: {policy.linesep.join(self.splitlines())}{policy.linesep}"


_BODY_CHARSET = Charset("utf-8")
_BODY_CHARSET.body_encoding = BASE64


class VietnameseMessage(Message):
    """A Flask-Mail Message with the headers above encoded safely."""

    def __init__(self, *args, **kwargs):
        # Everything that reaches a header is cleaned before Flask-Mail or the folding
        # below sees it; the address itself is left for Flask-Mail to refuse if broken.
        args = list(args)
        if args:
            args[0] = clean_header_text(args[0])
        if len(args) > 1 and args[1]:
            args[1] = [_clean_address(r) for r in args[1]]
        if len(args) > 5 and args[5]:
            args[5] = _clean_address(args[5])
        if kwargs.get("subject"):
            kwargs["subject"] = clean_header_text(kwargs["subject"])
        if kwargs.get("recipients"):
            kwargs["recipients"] = [_clean_address(r) for r in kwargs["recipients"]]
        if kwargs.get("sender"):
            kwargs["sender"] = _clean_address(kwargs["sender"])
        if len(args) > 5:  # Message(subject, recipients, body, html, alts, sender, …)
            args = list(args)
            if isinstance(args[5], (tuple, list)):
                args[5] = _quoted(tuple(args[5]))
        else:
            sender = kwargs.get("sender") or _clean_address(
                current_app.extensions["mail"].default_sender)
            if isinstance(sender, (tuple, list)):
                kwargs["sender"] = _quoted(tuple(sender))
        super().__init__(*args, **kwargs)

    def _mimetext(self, text, subtype="plain"):
        return MIMEText(text, _subtype=subtype, _charset=_BODY_CHARSET)

    def _message(self):
        msg = super()._message()
        smtp_policy = msg.policy
        # Stored under compat32, which keeps our folding as written; the SMTP policy then
        # writes the pre-folded values untouched.
        msg.policy = compat32
        msg.replace_header("Subject", _Folded("Subject", encode_words(self.subject)))
        msg.replace_header("From", _Folded("From", encode_address(self.sender)))
        if self.recipients:
            msg.replace_header("To", _Folded("To", ",\r\n ".join(
                encode_address(r) for r in self.recipients)))
        msg.policy = smtp_policy
        return msg
