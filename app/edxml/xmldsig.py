"""The XML signature of a package (XMLDSig 1.0, SHA-256, exclusive c14n).

One Reference, ``URI=""``, with the enveloped-signature and exclusive-c14n transforms: the
digest covers the WHOLE document except the ds:Signature element itself, so the base64
attachments (which sit outside the edXML envelope, in AttachmentEncoded) are covered too:
one changed byte anywhere fails. The key is only reached through ``signer.sign_digest``
(a raw signature of a SHA-256 digest: PKCS#1 v1.5 for RSA, DER ECDSA for EC), so a file,
an HSM/token or a remote key signs alike; the certificate goes in KeyInfo.
"""
import base64
import hashlib
import hmac

from asn1crypto import x509 as asn1_x509
from cryptography import x509 as c_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from lxml import etree

from app.edxml.errors import EdxmlError

DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"

_NS = {"ds": DS}


def _ds(tag: str) -> str:
    return f"{{{DS}}}{tag}"


def certificate_der(certificate) -> bytes:
    """DER of an asn1crypto or cryptography certificate (or DER bytes as they are)."""
    if isinstance(certificate, bytes | bytearray):
        return bytes(certificate)
    if hasattr(certificate, "dump"):
        return certificate.dump()
    if hasattr(certificate, "public_bytes"):
        from cryptography.hazmat.primitives.serialization import Encoding
        return certificate.public_bytes(Encoding.DER)
    raise EdxmlError("Chứng thư số của khóa ký không đọc được.", "certificate_invalid")


def _c14n(node) -> bytes:
    return etree.tostring(node, method="c14n", exclusive=True, with_comments=False)


def _document_digest(tree) -> bytes:
    return hashlib.sha256(_c14n(tree)).digest()


def _der_to_raw_ecdsa(der: bytes, size: int) -> bytes:
    r, s = utils.decode_dss_signature(der)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _raw_to_der_ecdsa(raw: bytes) -> bytes:
    half = len(raw) // 2
    if not raw or len(raw) % 2:
        raise EdxmlError("Chữ ký ECDSA không đúng độ dài.", "signature_invalid")
    return utils.encode_dss_signature(int.from_bytes(raw[:half], "big"),
                                      int.from_bytes(raw[half:], "big"))


def sign_tree(tree, container, signer) -> None:
    """Put an enveloped ds:Signature into ``container`` (an element of ``tree`` that is
    empty when this is called) made through ``signer``."""
    der = certificate_der(signer.certificate)
    public = c_x509.load_der_x509_certificate(der).public_key()
    if isinstance(public, rsa.RSAPublicKey):
        method = RSA_SHA256
    elif isinstance(public, ec.EllipticCurvePublicKey):
        method = ECDSA_SHA256
    else:
        raise EdxmlError("Loại khóa không được hỗ trợ để ký gói tin.", "key_type")

    digest = _document_digest(tree)

    signature = etree.SubElement(container, _ds("Signature"), nsmap={"ds": DS})
    signed_info = etree.SubElement(signature, _ds("SignedInfo"))
    etree.SubElement(signed_info, _ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(signed_info, _ds("SignatureMethod"), Algorithm=method)
    reference = etree.SubElement(signed_info, _ds("Reference"), URI="")
    transforms = etree.SubElement(reference, _ds("Transforms"))
    etree.SubElement(transforms, _ds("Transform"), Algorithm=ENVELOPED)
    etree.SubElement(transforms, _ds("Transform"), Algorithm=EXC_C14N)
    etree.SubElement(reference, _ds("DigestMethod"), Algorithm=SHA256)
    etree.SubElement(reference, _ds("DigestValue")).text = base64.b64encode(digest).decode()
    value = etree.SubElement(signature, _ds("SignatureValue"))
    key_info = etree.SubElement(signature, _ds("KeyInfo"))
    x509_data = etree.SubElement(key_info, _ds("X509Data"))
    cert = asn1_x509.Certificate.load(der)
    etree.SubElement(x509_data, _ds("X509SubjectName")).text = cert.subject.human_friendly
    etree.SubElement(x509_data, _ds("X509Certificate")).text = base64.b64encode(der).decode()

    raw = signer.sign_digest(hashlib.sha256(_c14n(signed_info)).digest())
    if method == ECDSA_SHA256:
        raw = _der_to_raw_ecdsa(raw, (public.curve.key_size + 7) // 8)
    value.text = base64.b64encode(raw).decode()


def _broken(message: str, code: str = "signature_invalid"):
    return EdxmlError(message, code)


def _algorithm(node, path: str) -> str:
    found = node.find(path, _NS)
    return "" if found is None else found.get("Algorithm", "")


def verify_tree(tree, *, required: bool = True):
    """Check the one enveloped signature of ``tree``; the signer's certificate (asn1crypto)
    when it holds, None when there is none and ``required`` is False. The tree loses its
    ds:Signature element (read what you need before)."""
    signatures = tree.getroot().findall(".//ds:Signature", _NS)
    if not signatures:
        if required:
            raise _broken("Gói tin không có chữ ký số.", "signature_missing")
        return None
    if len(signatures) > 1:
        raise _broken("Gói tin có nhiều hơn một chữ ký số.")
    signature = signatures[0]
    signed_info = signature.find("ds:SignedInfo", _NS)
    if signed_info is None:
        raise _broken("Chữ ký số thiếu SignedInfo.")
    if _algorithm(signed_info, "ds:CanonicalizationMethod") != EXC_C14N:
        raise _broken("Chữ ký số dùng phương pháp chuẩn hóa không được chấp nhận.")
    method = _algorithm(signed_info, "ds:SignatureMethod")
    if method not in (RSA_SHA256, ECDSA_SHA256):
        raise _broken("Chữ ký số dùng thuật toán không được chấp nhận (cần SHA-256).")
    references = signed_info.findall("ds:Reference", _NS)
    if len(references) != 1 or references[0].get("URI") != "":
        raise _broken("Chữ ký số phải phủ toàn bộ gói tin (một Reference URI=\"\").")
    reference = references[0]
    transforms = [t.get("Algorithm") for t in reference.findall("ds:Transforms/ds:Transform", _NS)]
    if transforms not in ([ENVELOPED, EXC_C14N], [ENVELOPED]):
        raise _broken("Chữ ký số dùng phép biến đổi không được chấp nhận.")
    if _algorithm(reference, "ds:DigestMethod") != SHA256:
        raise _broken("Chữ ký số dùng hàm băm không được chấp nhận (cần SHA-256).")
    cert_node = signature.find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NS)
    value_node = signature.find("ds:SignatureValue", _NS)
    digest_node = reference.find("ds:DigestValue", _NS)
    if cert_node is None or value_node is None or digest_node is None:
        raise _broken("Chữ ký số thiếu chứng thư, giá trị chữ ký hoặc giá trị băm.")
    try:
        der = base64.b64decode("".join((cert_node.text or "").split()), validate=True)
        cert = c_x509.load_der_x509_certificate(der)
        raw = base64.b64decode("".join((value_node.text or "").split()), validate=True)
        expected = base64.b64decode("".join((digest_node.text or "").split()), validate=True)
    except ValueError as exc:
        raise _broken("Chứng thư hoặc chữ ký trong gói tin không đọc được.") from exc

    public = cert.public_key()
    signed = hashlib.sha256(_c14n(signed_info)).digest()
    try:
        if method == RSA_SHA256 and isinstance(public, rsa.RSAPublicKey):
            public.verify(raw, signed, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        elif method == ECDSA_SHA256 and isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(_raw_to_der_ecdsa(raw), signed,
                          ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        else:
            raise _broken("Thuật toán chữ ký không khớp với khóa của chứng thư.")
    except InvalidSignature as exc:
        raise _broken("Chữ ký số của gói tin không hợp lệ.") from exc

    # the enveloped-signature transform: the document without this element (its tail stays)
    parent = signature.getparent()
    if signature.tail:
        previous = signature.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + signature.tail
        else:
            parent.text = (parent.text or "") + signature.tail
    parent.remove(signature)
    if not hmac.compare_digest(_document_digest(tree), expected):
        raise _broken("Gói tin đã bị thay đổi sau khi ký (giá trị băm không khớp).")
    return asn1_x509.Certificate.load(der)
