"""Digital signatures on the issued papers (NĐ 30/2020, PAdES): the only package that
imports pyHanko, pyhanko-certvalidator and python-pkcs11.

The services call it; it imports nothing of the application. Its one error,
:class:`SigningRefused`, carries a Vietnamese message and a stable code.
"""
from app.esign.errors import SigningRefused
from app.esign.settings import EsignSettings

__all__ = ["EsignSettings", "SigningRefused"]
