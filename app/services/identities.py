"""Signing identities: the certificate registered for a person (with their signature
image) or for an organisation (a unit, with its seal image), and where its key is.

Only the administrator (or the operator's console, ``actor=None``) registers, replaces
or removes one; every change is audited as a ``ReferenceChange`` of the section
"signing_identities" (values before and after). In production a person's key is never
held here: a person's PKCS#12 (or any server-side key) is refused at registration and at
start-up (:func:`check_at_startup`); people sign through the remote back-end.
"""
import hashlib
import os
import re
import shutil
from datetime import UTC
from io import BytesIO
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.clock import now_utc
from app.esign import EsignSettings, SigningRefused
from app.extensions import db
from app.models import ReferenceChange, SigningIdentity, Unit, User
from app.services.errors import Invalid, NotFound
from app.services.permissions import require_role
from app.services.tx import on_rollback, transaction
from workflows.roles import ADMIN

SECTION = "signing_identities"
PERSON, ORGANISATION = "person", "organisation"
KEY_DIR = "signing/keys"  # under instance/: the key files the demo and development use
PASSPHRASE_SETTING = re.compile(r"^SIGNING_[A-Z0-9_]{1,50}$")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_SIDE = 4000
MAX_UPLOAD_BYTES = 4 * 1024 * 1024  # what a page reads of an uploaded certificate or key file


def settings() -> EsignSettings:
    return EsignSettings.from_config(current_app.config)


def production() -> bool:
    return current_app.config.get("ENV_NAME") == "production"


def refused(exc: SigningRefused) -> Invalid:
    """The signing package's refusal as the services' own error (Vietnamese, coded)."""
    return Invalid(exc.message, details=getattr(exc, "details", None) or {}, code=exc.code)


def _instance() -> Path:
    return Path(current_app.instance_path)


def _passphrase(name: str | None) -> bytes | None:
    if not name:
        return None
    value = current_app.config.get(name) or os.environ.get(name)
    return value.encode() if value else None


def _certificate_facts(cert) -> dict:
    """(asn1crypto certificate) -> the columns that describe it."""
    from app.esign.trust import describe

    facts = describe(cert)
    subject = cert.subject.human_friendly
    return {"certificate_pem": _pem(cert.dump()), "subject": subject[:500],
            "serial": facts["serial"][:64],
            "not_before": facts["not_before"].astimezone(UTC).replace(tzinfo=None),
            "not_after": facts["not_after"].astimezone(UTC).replace(tzinfo=None)}


def _pem(der: bytes) -> str:
    import base64

    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def certificate(identity: SigningIdentity):
    """The registered certificate (asn1crypto), what every signing step expects."""
    from app.esign.trust import load_certificates

    return load_certificates(identity.certificate_pem.encode())[0]


def _check_image(data: bytes | None, what: str) -> bytes:
    """A PNG with transparency (an alpha channel or a transparent colour), at most 2 MB
    and 4000 px a side: it is drawn over the paper's text."""
    if not data:
        raise Invalid(f"Cần {what} (tệp PNG nền trong suốt).", code="image_required",
                      details={"image": ["Bắt buộc."]})
    if len(data) > MAX_IMAGE_BYTES:
        raise Invalid(f"{what.capitalize()} quá lớn: tối đa 2 MB.", code="image_too_large",
                      details={"image": ["Tối đa 2 MB."]})
    if not data.startswith(PNG_MAGIC):
        raise Invalid(f"{what.capitalize()} phải là tệp PNG (tối đa 2 MB).", code="image_type",
                      details={"image": ["Chỉ nhận tệp PNG."]})
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as img:
            img.verify()
        with Image.open(BytesIO(data)) as img:
            size, mode, info = img.size, img.mode, img.info
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Invalid(f"{what.capitalize()} là tệp PNG hỏng, không đọc được.",
                      code="image_type", details={"image": ["Tệp PNG hỏng."]}) from None
    if max(size) > MAX_IMAGE_SIDE:
        raise Invalid(f"{what.capitalize()} quá lớn: tối đa {MAX_IMAGE_SIDE} điểm ảnh mỗi chiều.",
                      code="image_too_large", details={"image": ["Ảnh quá lớn."]})
    if not (mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in info):
        raise Invalid(f"{what.capitalize()} phải có nền trong suốt (PNG có kênh alpha): "
                      "ảnh nền trắng sẽ che chữ của văn bản.", code="image_opaque",
                      details={"image": ["Cần nền trong suốt."]})
    return data


def _check_certificate(cert, holder: str) -> None:
    """Refuse, before anything is written, a certificate of the wrong kind (a person's for
    an organisation, or the reverse), not valid today, revoked, or not chained to a
    configured trust root (when roots are configured: the demo and development may run
    without)."""
    from app.esign.trust import TrustStore, check_certificate, check_validity, holder_kind

    kind = holder_kind(cert)
    if kind != holder:
        raise Invalid(
            "Đây là chứng thư số của cơ quan, tổ chức; người ký cần chứng thư số cá nhân."
            if holder == PERSON else
            "Đây là chứng thư số của cá nhân; con dấu của cơ quan cần chứng thư số của "
            "cơ quan, tổ chức (tên chứng thư là tên cơ quan).", code="certificate_kind",
            details={"certificate": ["Sai loại chứng thư số."]})
    esign = settings()
    try:
        if esign.trust_roots:
            check_certificate(TrustStore(esign), cert)
        else:
            check_validity(cert)
    except SigningRefused as exc:
        raise refused(exc) from None


def details(identity: SigningIdentity) -> dict:
    """What the administrator sees of a registered certificate."""
    from app.esign.trust import describe

    facts = describe(certificate(identity))
    fingerprint = facts["sha256"].upper()
    return {"subject": identity.subject, "issuer": facts["issuer"], "serial": identity.serial,
            "not_before": identity.not_before, "not_after": identity.not_after,
            "fingerprint": ":".join(fingerprint[i:i + 2] for i in range(0, 64, 2)),
            "expired": identity.not_after < now_utc()}


def _audit(identity, key: str, action: str, before, after, actor, origin):
    db.session.add(ReferenceChange(
        section=SECTION, row_id=identity.id, row_key=key, action=action, origin=origin,
        before=before, after=after or {}, user_id=actor.id if actor is not None else None,
        created_at=now_utc()))


def _summary(identity: SigningIdentity | None) -> dict | None:
    if identity is None:
        return None
    return {"subject": identity.subject, "serial": identity.serial,
            "not_before": identity.not_before.isoformat(),
            "not_after": identity.not_after.isoformat(), "backend": identity.backend,
            "key_path": identity.key_path, "token_label": identity.token_label,
            "key_label": identity.key_label, "seal_mm": identity.seal_mm,
            "image_sha256": hashlib.sha256(identity.image_png).hexdigest()}


def _allowed(actor):
    if actor is not None:
        require_role(actor, ADMIN, "đăng ký chứng thư số")


def _refuse_person_key_in_production(holder: str, backend: str):
    if production() and holder == PERSON and backend != "remote":
        raise Invalid("Môi trường chính thức không giữ khóa ký của cá nhân trên máy chủ: "
                      "người ký dùng token của mình hoặc dịch vụ ký số từ xa (back-end «remote»).",
                      code="person_key_in_production")


def _keep_key_file(p12_path: Path, slug: str) -> str:
    """The key file's path relative to instance/: left where it is when already under
    instance/, else copied to instance/signing/keys/."""
    instance = _instance().resolve()
    source = p12_path.resolve()
    if instance in source.parents:
        return str(source.relative_to(instance))
    target = instance / KEY_DIR / f"{slug}.p12"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(0o600)
    on_rollback(lambda: target.unlink(missing_ok=True))
    return str(target.relative_to(instance))


def _from_pkcs12(p12_path: Path, passphrase_setting: str | None, holder: str):
    """The certificate of a key file, opened with the named setting's passphrase."""
    from app.esign.keys import Pkcs12Key

    if passphrase_setting and not PASSPHRASE_SETTING.match(passphrase_setting):
        raise Invalid("Tên thiết lập mật khẩu phải có dạng SIGNING_…", code="passphrase_setting")
    try:
        data = p12_path.read_bytes()
    except OSError:
        raise Invalid(f"Không đọc được tệp khóa {p12_path}.", code="key_file") from None
    try:
        key = Pkcs12Key(data, _passphrase(passphrase_setting), settings(), holder=holder)
    except SigningRefused as exc:
        raise refused(exc) from None
    return key.certificate


def _save(actor, origin, where: dict, key: str, holder: str, cert, image: bytes, **columns):
    _check_certificate(cert, holder)
    if columns.get("backend") == "pkcs11":
        _check_token_key(cert, columns["token_label"], columns["key_label"])
    identity = db.session.scalars(sa.select(SigningIdentity).filter_by(**where)
                                  .with_for_update(of=SigningIdentity)).first()
    before = _summary(identity)
    if identity is None:
        identity = SigningIdentity(holder=holder, **where, created_at=now_utc())
        db.session.add(identity)
    for name, value in {**_certificate_facts(cert), "image_png": image,
                        "key_path": None, "passphrase_setting": None, "token_label": None,
                        "key_label": None, "seal_mm": None, **columns}.items():
        setattr(identity, name, value)
    identity.updated_at = now_utc()
    db.session.flush()
    _audit(identity, key, "replaced" if before else "added", before, _summary(identity),
           actor, origin)
    return identity


def _pkcs12(p12_path, passphrase_setting, holder, slug):
    """A key file's certificate, and the columns that keep the file (under instance/) and
    name the setting holding its passphrase."""
    if p12_path is None:
        raise Invalid("Cần tệp khóa PKCS#12.", code="key_file")
    cert = _from_pkcs12(Path(p12_path), passphrase_setting, holder)
    return cert, {"key_path": _keep_key_file(Path(p12_path), slug),
                  "passphrase_setting": passphrase_setting}


def register_user(actor, username: str, *, backend: str = "pkcs12", p12_path=None,
                  passphrase_setting: str | None = None, certificate_pem: bytes | None = None,
                  image_png: bytes | None = None, account: str | None = None,
                  origin: str = "page") -> SigningIdentity:
    """Register (or replace) a person's certificate and signature image. ``pkcs12``: a key
    file (demo and development only); ``remote``: the certificate alone (PEM), the key
    stays on the person's token or at their CA (``account`` names it there)."""
    _allowed(actor)
    if backend not in ("pkcs12", "remote"):
        raise Invalid("Khóa ký của cá nhân: «pkcs12» (trình diễn, phát triển) hoặc «remote».",
                      code="backend")
    _refuse_person_key_in_production(PERSON, backend)
    image = _check_image(image_png, "ảnh chữ ký")
    with transaction():
        user = db.session.scalars(sa.select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"Không có người dùng «{username}».")
        if backend == "pkcs12":
            cert, columns = _pkcs12(p12_path, passphrase_setting, PERSON, f"user-{user.username}")
        else:
            cert = _parse_pem(certificate_pem)
            columns = {"key_label": (account or user.username)[:64]}
        return _save(actor, origin, {"user_id": user.id}, f"người ký {user.username}", PERSON,
                     cert, image, backend=backend, **columns)


def register_unit(actor, code: str, *, backend: str = "pkcs12", p12_path=None,
                  passphrase_setting: str | None = None, certificate_pem: bytes | None = None,
                  token_label: str | None = None, key_label: str | None = None,
                  seal_png: bytes | None = None, seal_mm: float = 36.0,
                  origin: str = "page") -> SigningIdentity:
    """Register (or replace) an organisation's certificate and seal image (real size in
    mm). ``pkcs12``: a key file (demo and development); ``pkcs11``: a key on the server's
    HSM/token (``token_label``, ``key_label``; the module and PIN are settings)."""
    _allowed(actor)
    if backend not in ("pkcs12", "pkcs11", "remote"):
        raise Invalid("Khóa ký của cơ quan: «pkcs12» (trình diễn, phát triển), «pkcs11» hoặc "
                      "«remote» (token của Văn thư).", code="backend")
    if not (10 <= float(seal_mm) <= 60):
        raise Invalid("Kích thước thật của con dấu phải từ 10 đến 60 mm.", code="seal_mm",
                      details={"seal_mm": ["Từ 10 đến 60 mm."]})
    image = _check_image(seal_png, "ảnh con dấu")
    with transaction():
        unit = db.session.scalars(sa.select(Unit).where(Unit.code == code)).first()
        if unit is None:
            raise NotFound(f"Không có đơn vị «{code}».")
        if backend == "pkcs12":
            cert, columns = _pkcs12(p12_path, passphrase_setting, ORGANISATION,
                                    f"unit-{unit.code}")
        elif backend == "remote":  # the Văn thư's own token: key_label names her account
            cert = _parse_pem(certificate_pem)
            columns = {"key_label": (key_label or unit.code)[:64]}
        else:
            if not (token_label and key_label):
                raise Invalid("Cần nhãn token và nhãn khóa trên HSM/token.", code="key_label")
            cert = _parse_pem(certificate_pem)
            columns = {"token_label": token_label[:64], "key_label": key_label[:64]}
        return _save(actor, origin, {"unit_id": unit.id}, f"cơ quan {unit.code}", ORGANISATION,
                     cert, image, backend=backend, seal_mm=float(seal_mm), **columns)


def _check_token_key(cert, token_label: str, key_label: str) -> None:
    """The certificate given must be the one of the key on the server's token."""
    from app.esign.keys import ORGANISATION as ORG
    from app.esign.keys import Pkcs11Key, check_pair

    config = current_app.config
    try:
        key = Pkcs11Key(settings(), module=config.get("SIGNING_PKCS11_MODULE") or "",
                        token_label=token_label, pin=config.get("SIGNING_PKCS11_PIN") or "",
                        key_label=key_label, holder=ORG)
    except SigningRefused as exc:
        raise refused(exc) from None
    try:
        check_pair(key, cert)
    except SigningRefused as exc:
        raise refused(exc) from None
    finally:
        key.close()


def _parse_pem(data: bytes | None):
    from app.esign.trust import load_certificates

    try:
        found = load_certificates(data or b"")
    except Exception:  # asn1crypto raises several types on bad input
        found = []
    if not found:
        raise Invalid("Không đọc được chứng thư số (PEM hoặc DER).", code="certificate")
    return found[0]


def remove(actor, *, username: str | None = None, code: str | None = None,
           origin: str = "page") -> None:
    """Remove a person's or a unit's registered identity (audited): their papers follow
    the paper path from then on."""
    _allowed(actor)
    with transaction():
        if username is not None:
            query = sa.select(SigningIdentity).join(User, User.id == SigningIdentity.user_id) \
                .where(User.username == username)
            key = f"người ký {username}"
        else:
            query = sa.select(SigningIdentity).join(Unit, Unit.id == SigningIdentity.unit_id) \
                .where(Unit.code == code)
            key = f"cơ quan {code}"
        identity = db.session.scalars(query.with_for_update(of=SigningIdentity)).first()
        if identity is None:
            raise NotFound("Chưa đăng ký chứng thư số cho người/đơn vị này.")
        _audit(identity, key, "removed", _summary(identity), {}, actor, origin)
        db.session.delete(identity)


def of_user(user_id) -> SigningIdentity | None:
    if user_id is None:
        return None
    return db.session.scalars(sa.select(SigningIdentity).where(
        SigningIdentity.user_id == user_id)).first()


def of_unit(unit_id) -> SigningIdentity | None:
    if unit_id is None:
        return None
    return db.session.scalars(sa.select(SigningIdentity).where(
        SigningIdentity.unit_id == unit_id)).first()


def listing() -> list[SigningIdentity]:
    return db.session.scalars(sa.select(SigningIdentity).order_by(SigningIdentity.id)).all()


def overview(actor) -> list[dict]:
    """The administrator's list: each registered identity with its certificate's facts,
    people first (users and units are joined eagerly: one query)."""
    _allowed(actor)
    rows = [{"identity": i, **details(i)} for i in listing()]
    rows.sort(key=lambda r: (r["identity"].holder != PERSON, r["identity"].id))
    return rows


def image_of(actor, identity_id: int) -> bytes:
    """A registered identity's signature or seal image, for the administrator's preview."""
    _allowed(actor)
    identity = db.session.get(SigningIdentity, identity_id)
    if identity is None:
        raise NotFound("Không có chứng thư số đã đăng ký này.")
    return identity.image_png


def server_side(identity: SigningIdentity | None) -> bool:
    """Whether this server can sign for it now, with one click: an organisation's key
    file or HSM key; a person's key file only outside production."""
    if identity is None or identity.backend == "remote":
        return False
    return not (identity.holder == PERSON and production())


def signing_key(identity: SigningIdentity, esign: EsignSettings):
    """The key behind a registered identity (server-side back-ends only)."""
    from app.esign.keys import ORGANISATION as ORG
    from app.esign.keys import PERSON as PER
    from app.esign.keys import Pkcs11Key, Pkcs12Key

    holder = ORG if identity.holder == ORGANISATION else PER
    if identity.backend == "pkcs12":
        try:
            data = (_instance() / identity.key_path).read_bytes()
        except OSError:
            raise Invalid("Không đọc được tệp khóa ký đã đăng ký; báo quản trị hệ thống.",
                          code="key_file") from None
        return Pkcs12Key(data, _passphrase(identity.passphrase_setting), esign, holder=holder)
    if identity.backend == "pkcs11":
        config = current_app.config
        return Pkcs11Key(esign, module=config.get("SIGNING_PKCS11_MODULE") or "",
                         token_label=identity.token_label,
                         pin=config.get("SIGNING_PKCS11_PIN") or "",
                         key_label=identity.key_label, holder=holder)
    raise Invalid("Khóa ký này ở phía người ký (ký từ xa).", code="remote_key")


def check_at_startup(app) -> None:
    """Production refuses to start while a person's key is held on the server (a PKCS#12
    file, or any server-side key), or while any PKCS#12 key file is registered (the demo's
    and development's only): the operator removes them with ``flask signing remove`` (the
    flask command still starts) or registers the certificate alone (remote)."""
    if app.config.get("ENV_NAME") != "production":
        return
    with app.app_context():
        try:
            held = db.session.execute(sa.select(
                SigningIdentity.holder, SigningIdentity.backend, User.username, Unit.code)
                .outerjoin(User, User.id == SigningIdentity.user_id)
                .outerjoin(Unit, Unit.id == SigningIdentity.unit_id)
                .where(sa.or_(sa.and_(SigningIdentity.holder == PERSON,
                                      SigningIdentity.backend != "remote"),
                              SigningIdentity.backend == "pkcs12"))
                .order_by(SigningIdentity.id)).all()
        except sa.exc.SQLAlchemyError:  # no schema yet: nothing registered
            db.session.rollback()
            return
        finally:
            db.session.remove()
    if held:
        named = ", ".join(f"{username} ({backend})" if username else
                          f"đơn vị {code} ({backend})" for _h, backend, username, code in held)
        raise RuntimeError(
            "Môi trường chính thức không giữ khóa ký của cá nhân trên máy chủ và không dùng "
            f"tệp khóa PKCS#12; hãy gỡ (flask signing remove --user …/--unit …) hoặc đăng ký "
            f"lại chỉ chứng thư («remote» cho cá nhân, «pkcs11» cho cơ quan): {named}.")
