"""Digital signatures on the issued papers (NĐ 30/2020, PAdES): the only package that
imports pyHanko, pyhanko-certvalidator and python-pkcs11.

The services call it; it imports nothing of the application. Its one error,
:class:`SigningRefused`, carries a Vietnamese message and a stable code that the services
turn into their own (``Invalid``). Importing this package is cheap; the submodules load
pyHanko when a service first signs or verifies:

- ``app.esign.keys``: ``Pkcs12Key`` (demo/development), ``Pkcs11Key`` (an organisation's
  seal on an HSM/token), ``RemoteKey``; each ``sign_digest`` (raw SHA-256 signatures);
- ``app.esign.pdfsign``: ``sign_approval``, ``issue`` (with ``IssueFields``),
  ``sign_attachment``, ``add_document_timestamp``; pass ``expected_cert``, the
  certificate registered for the signer, on every call;
- ``app.esign.remote``: ``prepare_approval``/``prepare_issue`` → ``Prepared`` (keep it
  as JSON) → ``finish_with_cms``, or ``accept_signed_pdf`` for a whole signed PDF;
  ``RemoteClient`` for the request/confirm/answer protocol;
- ``app.esign.verify``: ``verify_pdf`` → ``VerificationReport``;
- ``app.esign.trust``: ``TrustStore``, ``check_certificate``;
- ``app.esign.pki``: the demo CA and its images; ``app.esign.tsa``: a local TSA.
"""
from app.esign.errors import SigningRefused
from app.esign.settings import EsignSettings

__all__ = ["EsignSettings", "SigningRefused"]
