"""Keys behind one interface, with three back-ends.

- :class:`Pkcs12Key`: a key file; the demo and development only (refused when the
  settings say production).
- :class:`Pkcs11Key`: an HSM or token on the server (SoftHSM2 in tests); an
  organisation's seal key only, never a person's.
- :class:`RemoteKey`: a person's token or the CA's remote-signing service; the key never
  reaches this server. PDF signing through it is interrupted signing (see
  :mod:`app.esign.remote`); a raw digest is sent as a request and waited for.

Every back-end signs a raw SHA-256 digest (``sign_digest``), for the XML signature of the
exchange packages.
"""
import hashlib
from abc import ABC, abstractmethod

from asn1crypto import algos, keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.serialization import pkcs12

from app.esign.errors import SigningRefused
from app.esign.settings import EsignSettings

PERSON = "person"
ORGANISATION = "organisation"


def digest_info_sha256(digest: bytes) -> bytes:
    """The DER DigestInfo a PKCS#1 v1.5 RSA signature wraps around a SHA-256 digest."""
    return algos.DigestInfo({
        "digest_algorithm": {"algorithm": "sha256"},
        "digest": digest,
    }).dump()


class SigningKey(ABC):
    """A certificate with the means to sign for it."""

    kind = ""
    holder = PERSON
    certificate: asn1_x509.Certificate
    chain: list

    @property
    def server_side(self) -> bool:
        return True

    @abstractmethod
    def pdf_signer(self):
        """A pyHanko Signer that signs here and now (server-side keys only)."""

    @abstractmethod
    def sign_digest(self, digest: bytes) -> bytes:
        """The raw signature (PKCS#1 v1.5 for RSA, DER ECDSA for EC) of a SHA-256 digest."""

    def close(self):  # noqa: B027 - only a session-holding key has something to close
        """Release what the key holds (a PKCS#11 session)."""


def check_allowed(kind: str, holder: str, settings: EsignSettings) -> None:
    """The key policy: in production no person's key is held by this server."""
    if kind == "pkcs12" and not settings.allow_pkcs12:
        raise SigningRefused(
            "Tệp khóa PKCS#12 chỉ dùng cho bản trình diễn và môi trường phát triển; "
            "môi trường chính thức không chấp nhận.", "pkcs12_in_production")
    if kind == "pkcs11" and holder != ORGANISATION:
        raise SigningRefused(
            "Khóa trên HSM/token của máy chủ chỉ dùng cho chữ ký số của cơ quan, "
            "không dùng cho chữ ký số cá nhân.", "pkcs11_person")


class Pkcs12Key(SigningKey):
    kind = "pkcs12"

    def __init__(self, data: bytes, passphrase: bytes | None, settings: EsignSettings,
                 holder: str = PERSON):
        check_allowed(self.kind, holder, settings)
        self.holder = holder
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase)
        except ValueError as exc:
            raise SigningRefused("Không mở được tệp khóa PKCS#12 (sai mật khẩu hoặc hỏng tệp).",
                                 "pkcs12_unreadable") from exc
        if key is None or cert is None:
            raise SigningRefused("Tệp PKCS#12 không có khóa hoặc chứng thư.", "pkcs12_unreadable")
        self._key = key
        der = cert.public_bytes(serialization.Encoding.DER)
        self.certificate = asn1_x509.Certificate.load(der)
        self.chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                      for c in (extra or [])]
        self._key_der = key.private_bytes(serialization.Encoding.DER,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption())

    def pdf_signer(self):
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        return signers.SimpleSigner(
            signing_cert=self.certificate,
            signing_key=keys.PrivateKeyInfo.load(self._key_der),
            cert_registry=SimpleCertificateStore.from_certs(self.chain),
        )

    def sign_digest(self, digest: bytes) -> bytes:
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        raise SigningRefused("Loại khóa không được hỗ trợ.", "key_type")


class Pkcs11Key(SigningKey):
    kind = "pkcs11"

    def __init__(self, settings: EsignSettings, *, module: str, token_label: str, pin: str,
                 key_label: str, cert_label: str | None = None,
                 holder: str = ORGANISATION):
        check_allowed(self.kind, holder, settings)
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

        self.holder = holder
        try:
            self._session = open_pkcs11_session(
                module, token_criteria=TokenCriteria(label=token_label), user_pin=pin)
        except Exception as exc:  # the PKCS#11 library raises many unrelated types
            raise SigningRefused("Không mở được phiên làm việc với HSM/token.",
                                 "pkcs11_unavailable", {"error": repr(exc)}) from exc
        self._key_label = key_label
        try:
            self._signer = PKCS11Signer(self._session, key_label=key_label,
                                        cert_label=cert_label or key_label)
            self.certificate = self._signer.signing_cert
            self.chain = list(self._signer.cert_registry)
        except Exception as exc:  # no object under that label, or not a certificate
            self._session.close()
            raise SigningRefused(f"Không tìm thấy chứng thư «{cert_label or key_label}» trên "
                                 "HSM/token.", "pkcs11_key", {"error": repr(exc)}) from exc

    def pdf_signer(self):
        return self._signer

    def sign_digest(self, digest: bytes) -> bytes:
        from pkcs11 import KeyType, Mechanism, ObjectClass

        key = self._session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=self._key_label)
        if key.key_type == KeyType.RSA:
            return key.sign(digest_info_sha256(digest), mechanism=Mechanism.RSA_PKCS)
        if key.key_type == KeyType.EC:
            from pkcs11.util.ec import encode_ecdsa_signature
            return encode_ecdsa_signature(key.sign(digest, mechanism=Mechanism.ECDSA))
        raise SigningRefused("Loại khóa không được hỗ trợ.", "key_type")

    def close(self):
        self._session.close()


class RemoteKey(SigningKey):
    """A key held elsewhere (the person's token via the signing plugin, or the CA's remote
    signing service). This server knows only the registered certificate."""

    kind = "remote"

    def __init__(self, certificate: asn1_x509.Certificate, client, account: str,
                 holder: str = PERSON, chain=()):
        self.certificate = certificate
        self.chain = list(chain)
        self.client = client
        self.account = account
        self.holder = holder

    @property
    def server_side(self) -> bool:
        return False

    def pdf_signer(self):
        raise SigningRefused("Khóa ký từ xa không ký trực tiếp trên máy chủ.", "remote_key")

    def sign_digest(self, digest: bytes, timeout: float = 120.0) -> bytes:
        """Ask for a raw signature and wait for the person to confirm it."""
        import base64

        ticket = self.client.submit(self.account, "raw", digest=digest)
        answer = self.client.wait(ticket, timeout=timeout)
        signature = base64.b64decode(answer["signature"])
        verify_raw_signature(self.certificate, digest, signature)
        return signature


def verify_raw_signature(cert: asn1_x509.Certificate, digest: bytes, signature: bytes) -> None:
    """Check a raw signature of a SHA-256 digest against the certificate's public key."""
    from cryptography import x509 as c_x509
    from cryptography.exceptions import InvalidSignature

    public = c_x509.load_der_x509_certificate(cert.dump()).public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        else:
            raise SigningRefused("Loại khóa không được hỗ trợ.", "key_type")
    except InvalidSignature as exc:
        raise SigningRefused("Chữ ký nhận về không khớp với chứng thư đã đăng ký.",
                             "bad_signature") from exc


def check_pair(key: SigningKey, certificate: asn1_x509.Certificate) -> None:
    """That ``certificate`` belongs to ``key``: a fresh digest signed by the key verifies
    with the certificate's public key. Checked when a token's labels are registered, so a
    wrong label or certificate shows then, not at the first issue."""
    import os

    digest = sha256(os.urandom(32))
    try:
        signature = key.sign_digest(digest)
    except SigningRefused:
        raise
    except Exception as exc:  # python-pkcs11 raises a type per PKCS#11 return code
        raise SigningRefused("Không ký thử được bằng khóa trên HSM/token (sai nhãn khóa?).",
                             "pkcs11_key", {"error": repr(exc)}) from exc
    try:
        verify_raw_signature(certificate, digest, signature)
    except SigningRefused as exc:
        raise SigningRefused("Chứng thư số không khớp với khóa trên HSM/token: chữ ký thử "
                             "bằng khóa không kiểm tra được bằng chứng thư.",
                             "key_mismatch") from exc


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
