"""The Chairman's decision issued electronically (NĐ 30/2020 Điều 14, 15, 32; issue 21).

1. «Phê duyệt»: when the approving Chairman (or the Phó Chủ tịch signing KT.) has a
   registered identity whose key this server may use (a key file, in the demo and in
   development), the decision's issuable PDF is printed after the last strike from the
   content composed now, kept as it is ("decision_prepared_pdf": the bytes he signs and
   their SHA-256), signed with his registered certificate and kept
   ("decision_approved_pdf"). Without one, today's paper path: «chưa ký số».
2. «Ban hành»: when the decision has the signer's signed PDF and the issuing body (the
   campaign's issuer, whose register numbers it) has an organisation identity, the Văn
   thư's number and today's date (Asia/Ho_Chi_Minh, never typed) are filled in and the
   body's seal signature added in one incremental update; the result is kept as
   "decision_issued_pdf" with its SHA-256 (the register of issued PDFs: what the public
   verification looks up by hash), and it goes with the issue's mail.

Everything happens in the step's transaction: a refusal or a failure leaves nothing (the
files written are removed with the rollback, ``on_rollback``).
"""
import hashlib
import secrets
import time
from io import BytesIO
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app import docgen, metrics
from app.clock import now_utc
from app.esign import SigningRefused
from app.extensions import db
from app.models import StoredDocument
from app.services import documents, identities, storage
from app.services.errors import Invalid, Unavailable
from app.services.tx import on_commit, on_rollback, transaction
from app.services.verification import NOT_ORIGINAL

KIND = "decision"
PREPARED = "decision_prepared_pdf"  # the PDF the signer signs, as printed
APPROVED = "decision_approved_pdf"  # signed by the competent person
ISSUED = "decision_issued_pdf"  # numbered, dated and sealed: the electronic original
NAMES = (PREPARED, APPROVED, ISSUED)
LABELS = {PREPARED: "Bản PDF trình ký (chưa ký)",
          APPROVED: "Quyết định đã ký số (người có thẩm quyền)",
          ISSUED: "Quyết định điện tử đã ban hành (PDF ký số)"}


def _kept(item_id, names=NAMES) -> dict:
    """The decision's current signing PDFs by name, in one query."""
    return {row.name: row for row in db.session.scalars(sa.select(StoredDocument).where(
        StoredDocument.item_type == KIND, StoredDocument.item_id == item_id,
        StoredDocument.name.in_(names), StoredDocument.superseded_at.is_(None)))}


def _keep(item, name, data: bytes, filename: str) -> StoredDocument:
    """Keep ``data`` in the caller's transaction (the file goes with a rollback)."""
    key = f"documents/{KIND}-{item.id}-{name}-{secrets.token_hex(8)}.pdf"
    storage.write_new(key, data)
    on_rollback(lambda: storage.remove(key))
    for previous in _kept(item.id, (name,)).values():
        previous.superseded_at = now_utc()
    row = StoredDocument(item_type=KIND, item_id=item.id, name=name, filename=filename,
                         sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                         storage_key=key)
    db.session.add(row)
    return row


def _pdf_filename(item, suffix: str) -> str:
    return documents.filename(KIND, item, "decision", draft=False)[:-len(".docx")] + suffix


def _print(content, token: str | None = None) -> bytes:
    """The PDF to be signed; ``token``: its verification link, printed as a QR code before
    the signer signs (so his signature covers it)."""
    from app.services import verification

    started = time.perf_counter()
    try:
        data = docgen.render_pdf(content, Path(current_app.instance_path) / "fonts",
                                 timeout=current_app.config["PDF_TIMEOUT_SECONDS"],
                                 filled=False,  # the Văn thư's fields stay empty
                                 verification_url=verification.url_of(token) if token else None)
    except docgen.PdfUnavailable as exc:
        raise Unavailable(f"Chưa tạo được bản PDF để ký số: {exc.reason}",
                          code="pdf_unavailable") from None
    metrics.rendered(KIND, PREPARED, time.perf_counter() - started)
    return data


def _key_checked(identity, esign):
    """The registered key, its certificate the registered one, valid now, not revoked,
    chained to a trusted root: checked before anything is printed (a refusal costs no
    printing)."""
    from app.esign.trust import TrustStore, check_certificate

    store = TrustStore(esign)
    cert = identities.certificate(identity)
    try:
        key = identities.signing_key(identity, esign)
        check_certificate(store, key.certificate, expected=cert, chain=key.chain)
    except SigningRefused as exc:
        raise identities.refused(exc) from None
    return key, cert, store


def organisation_key_checked(identity):
    """(key, registered certificate, trust store) of an organisation's server-side key,
    checked as for its seal: for the XML signature of the exchange packages."""
    return _key_checked(identity, identities.settings())


def qr_token() -> str:
    """The verification link's token for the QR code of the PDF about to be printed."""
    from app.services import verification

    return verification.new_token()


def keep_prepared(decision, printed: bytes, token: str | None):
    """Keep the printed PDF and link its QR code's token to it (the public page of that
    link shows the issued decision once the Văn thư has issued it)."""
    from app.services import verification

    row = _keep(decision, PREPARED, printed, _pdf_filename(decision, " - bản trình ký.pdf"))
    if token:
        verification.attach_token(row, token)
    return row


# -- 1. the signer signs at «Phê duyệt» ------------------------------------------------------

def sign_approval(decision, user, params=None):
    """Sign the decision as ``user`` approves it, when their key is on this server (see the
    module's docstring); with a remote key, answer a signing request first (202) and
    finish with the signature sent back; otherwise nothing (the paper path). In the
    step's transaction, after the authority block is recorded (``documents.sign``)."""
    identity = identities.of_user(user.id)
    if identity is not None and identity.backend == "remote":
        return _remote_sign(KIND, decision, "decision", "approve", user, identity,
                            params or {}, qr=True)
    if not identities.server_side(identity):
        return None
    from app.esign import pdfsign

    esign = identities.settings()
    key, cert, store = _key_checked(identity, esign)
    content = documents.compose(KIND, decision, "decision", draft=False)
    token = qr_token()
    prepared = _print(content, token)
    keep_prepared(decision, prepared, token)
    try:
        signed = pdfsign.sign_approval(
            prepared, key, field=docgen.FIELD_NAMES[2], image_png=identity.image_png,
            settings=esign, expected_cert=cert, store=store, reason="Phê duyệt")
    except SigningRefused as exc:
        raise identities.refused(exc) from None
    finally:
        key.close()  # a PKCS#11 session
    return _keep(decision, APPROVED, signed, _pdf_filename(decision, " - đã ký số.pdf"))


# -- 2. the Văn thư issues at «Ban hành» -----------------------------------------------------

def electronic_issue(decision):
    """(the signer's signed PDF row, the issuing body's identity) when «Ban hành» issues
    the decision electronically; None for the paper path."""
    approved = _kept(decision.id, (APPROVED,)).get(APPROVED)
    if approved is None:
        return None
    organisation = identities.of_unit(decision.campaign.issuer_unit_id)
    if not (identities.server_side(organisation) or _held_by_a_person(organisation)):
        return None
    return approved, organisation


def _held_by_a_person(organisation) -> bool:
    """The organisation's key on the Văn thư's own token (the remote back-end)."""
    return organisation is not None and organisation.backend == "remote"


def check_issue_date(typed, today):
    """NĐ 30 Điều 15 k3: an electronic paper is dated the day the organisation signs it;
    the date cannot be typed."""
    if typed is not None and typed != today:
        raise Invalid(
            "Văn bản điện tử mang ngày ký số của cơ quan (hôm nay, "
            f"{today:%d/%m/%Y}); không nhập ngày ban hành khác cho văn bản điện tử.",
            details={"issued_on": [f"Chỉ được là ngày {today:%d/%m/%Y}."]},
            code="electronic_issue_date")


def seal(decision, electronic, params=None, user=None):
    """Fill the number and the place-and-date and add the organisation's signature (one
    incremental update), after the step has numbered and dated the decision; keep it as
    the issued PDF with its SHA-256. With the key on the Văn thư's own token, the step
    first answers with a signing request (:func:`_remote_seal`)."""
    approved, organisation = electronic
    if _held_by_a_person(organisation):
        return _remote_seal(decision, approved, organisation, params or {}, user)
    from app.esign import pdfsign

    esign = identities.settings()
    key, cert, store = _key_checked(organisation, esign)
    spec, signer_cert, data = _issue_spec(KIND, decision, "decision", decision.approved_by_id,
                                            approved, organisation)
    try:
        issued = pdfsign.issue(data, key, spec, seal_png=organisation.image_png, settings=esign,
                               expected_cert=cert, expected_signer_cert=signer_cert,
                               store=store)
    except SigningRefused as exc:
        raise identities.refused(exc) from None
    finally:
        key.close()  # a PKCS#11 session
    issued = long_term(issued, esign, store)
    return _keep(decision, ISSUED, issued, _pdf_filename(decision, ".pdf"))


def _issue_spec(kind, item, paper, signer_id, approved, organisation):
    """(the fields' values and the seal's place, the signer's registered certificate, the
    signer's signed PDF) for the paper ``paper`` of ``item``."""
    from PIL import Image

    from app.esign import pdfsign

    signer = identities.of_user(signer_id)
    signer_cert = identities.certificate(signer) if signer is not None else None
    data = storage.read(approved.storage_key, approved.sha256)
    values = docgen.field_values(documents.compose(kind, item, paper, draft=False))
    sizes = {f.name: f.size for f in docgen.pdf_fields(data)}
    number_field, date_field, signature_field = docgen.FIELD_NAMES
    image_px = None
    if signer is not None:
        with Image.open(BytesIO(signer.image_png)) as img:
            image_px = img.size
    spec = pdfsign.IssueFields(
        signer_field=signature_field, number_field=number_field,
        number_text=values[number_field], date_field=date_field,
        date_text=values[date_field], seal_mm=organisation.seal_mm or 36.0,
        text_size=sizes.get(number_field) or 13, signer_image_px=image_px)
    return spec, signer_cert, data


def long_term(issued: bytes, esign, store) -> bytes:
    """The issued PDF as sent and kept: its signatures' validation data added (PAdES B-LT)
    and, where a TSA is configured, a document timestamp (B-LTA). The register's SHA-256 is
    of these bytes; a later archive timestamp keeps it the same document
    (verification.kept_by_hash)."""
    from app.esign import pdfsign

    try:
        return pdfsign.archive(issued, esign, store=store)
    except SigningRefused as exc:
        raise identities.refused(exc) from None


# -- remote signing: one flow for every signature made on the person's own device ---------
#
# The signer's key on their token (through the signing plugin) or at their CA's remote-
# signing service, and the Văn thư's seal on her own token: the first call prints (or, for
# the seal, fills) the PDF, prepares its signature and answers with a signing request, kept
# outside the step's transaction, which rolls back (the state does not move, no number is
# spent); the call that sends the request's id with the CMS signature of its digest, or
# with the whole signed PDF, finishes the step. With a remote-signing service configured,
# the request is also sent there; its answer comes back by the waiting page's polling
# (:mod:`app.services.remote_signing`) or by its callback (``remote_signing.callback``).

def _pending_key(kind, item_id, token: str) -> str:
    return f"signing/pending/{kind}-{item_id}-{token}.json"


def pending_request(item, token: str, kind: str = KIND) -> dict | None:
    """A remote signing request still waiting for its answer (None once spent)."""
    import json

    try:
        return json.loads(storage.read(_pending_key(kind, item.id, token)))
    except Exception:  # noqa: BLE001 - missing or unreadable: no such request
        return None


def drop_request(item, token: str, kind: str = KIND) -> None:
    """Cancelled, timed out or refused: the request is forgotten (nothing else changed)."""
    storage.remove(_pending_key(kind, item.id, token))


def _answered(params) -> bool:
    return bool(params.get("signature") or params.get("signed_pdf"))


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def _ask(kind, item, user, trigger, holder, prepared, sent: bytes, params, *, kept: dict,
         pdf_params: dict, message: str, hint: str, shown: dict | None = None):
    """Keep the pending request, send it to the remote-signing service when one is
    configured, and answer 202 with it (``SignatureRequired``: the step rolls back)."""
    import json

    from app.services.errors import SignatureRequired

    token = secrets.token_urlsafe(24)
    submitted = _remote_submission(kind, item, token, holder, prepared, sent, pdf_params)
    storage.write_new(_pending_key(kind, item.id, token), json.dumps({
        "user_id": user.id, "kind": kind, "item_id": item.id, "trigger": trigger,
        "authority": params.get("authority"), "prepared": prepared.to_json(), **kept,
        **submitted}).encode())
    raise SignatureRequired(message, details={"message": hint, "signing_request": {
        "id": token, "digest": prepared.digest.hex(), "digest_algorithm": "sha256",
        "field": prepared.field, "pdf": _b64(sent),
        "pdf_sha256": hashlib.sha256(sent).hexdigest(), **(shown or {})}})


def _remote_submission(kind, item, token, holder, prepared, sent, pdf_params) -> dict:
    """Send the request to the configured remote-signing service (the person confirms on
    their device), with the callback URL of this request when callbacks are configured,
    and what the pending request keeps of it. Without a service, the signer's own client
    answers."""
    from app.esign import remote

    answer = current_app.config.get("SIGNING_REMOTE_ANSWER") or "cms"
    kept = {"created": time.time(), "ticket": None, "answer": answer}
    url = current_app.config.get("SIGNING_REMOTE_URL")
    if not url:
        return kept
    from app.services import remote_signing

    client = remote.RemoteClient(url)
    callback = remote_signing.callback_url(kind, item.id, token)
    try:
        if answer == "pdf":
            kept["ticket"] = client.submit(holder.key_label or "", "pdf", pdf=sent,
                                           params=pdf_params, callback_url=callback)
        else:
            kept["ticket"] = client.submit(holder.key_label or "", "cms",
                                           digest=prepared.digest, callback_url=callback)
    except (OSError, ValueError, KeyError):
        raise Unavailable("Không gửi được yêu cầu ký tới dịch vụ ký số từ xa; hãy thử lại "
                          "sau hoặc báo quản trị hệ thống.", code="remote_unavailable") from None
    return kept


def _pending_answered(kind, item, user, trigger, params) -> tuple[str, dict]:
    """(token, pending request) the answer in ``params`` is for: the user's own, for this
    step, still waiting."""
    from app.services.errors import NotFound

    token = params.get("signing_request")
    if not token:
        raise Invalid("Thiếu mã yêu cầu ký (signing_request).", code="signing_request_missing")
    pending = pending_request(item, token, kind)
    if pending is None or pending.get("user_id") != user.id or \
            (pending.get("trigger") or "approve") != trigger:
        raise NotFound("Không có yêu cầu ký này.")
    return token, pending


def _finish(params, pending, sent: bytes, cert, esign, expected_texts=None) -> bytes:
    """The signed PDF from the answer: the CMS embedded in the prepared revision, or the
    whole signed PDF checked against what was sent; refused with a reason otherwise."""
    import base64

    from app.esign import remote

    prepared = remote.Prepared.from_json(pending["prepared"])
    try:
        if params.get("signature"):
            try:
                cms_der = base64.b64decode(params["signature"], validate=True)
            except ValueError:
                raise Invalid("Chữ ký gửi về không phải base64.", code="bad_cms") from None
            return remote.finish_with_cms(prepared, cms_der, settings=esign)
        try:
            returned = base64.b64decode(params["signed_pdf"], validate=True)
        except ValueError:
            raise Invalid("Tệp gửi về không phải base64.", code="bad_pdf") from None
        return remote.accept_signed_pdf(sent, returned, field=prepared.field,
                                        expected_cert=cert, settings=esign,
                                        expected_texts=expected_texts)
    except SigningRefused as exc:
        raise identities.refused(exc) from None


def _spend(kind, item, token) -> None:
    """Answered: the request is spent once the step commits (a callback's or a poller's
    later answer for it finds nothing)."""
    key = _pending_key(kind, item.id, token)
    on_commit(lambda: storage.remove(key))


def _remote_sign(kind, item, paper, trigger, user, identity, params, *, filled=False,
                 qr=False):
    """The signer's signature on ``paper`` with a remote key (the Chairman's decision at
    «Phê duyệt», the unit head's papers and the Board head's tờ trình): printed now, with
    its verification QR code when ``qr``, with the number and date written in when
    ``filled`` (HEAD_ONLY)."""
    import base64

    from app.esign import remote
    from app.services.errors import Conflict

    esign = identities.settings()
    cert = identities.certificate(identity)
    field = docgen.FIELD_NAMES[2]
    noun = "quyết định" if (kind, paper) == (KIND, "decision") else "văn bản"
    if not _answered(params):
        from app.esign.trust import TrustStore, check_certificate

        try:
            check_certificate(TrustStore(esign), cert, expected=cert)
        except SigningRefused as exc:
            raise identities.refused(exc) from None
        content = documents.compose(kind, item, paper, draft=False)
        qr_code = qr_token() if qr else None
        printed = _print(content, qr_code) if qr else _print_paper(kind, paper, content,
                                                                     filled=filled)
        # ready for a device that returns the whole signed PDF, too (/SigFlags set)
        printed = remote.ready_for_plugin(printed)
        try:
            prepared = remote.prepare_approval(printed, cert, field=field,
                                               image_png=identity.image_png, settings=esign)
        except SigningRefused as exc:
            raise identities.refused(exc) from None
        _ask(kind, item, user, trigger, identity, prepared, printed, params,
             kept={"version": item.version, "qr_token": qr_code, "paper": paper,
                   "printed": _b64(printed),
                   "texts": docgen.field_values(content) if filled else None},
             pdf_params={"field": field, "step": "approve"},
             message="Đang chờ người ký ký số trên thiết bị ký số của mình (hoặc dịch vụ ký "
                     f"số từ xa); {noun} chưa chuyển trạng thái.",
             hint="Ký giá trị băm (digest) hoặc tệp PDF rồi gửi lại cùng mã yêu cầu ký.")
    token, pending = _pending_answered(kind, item, user, trigger, params)
    if pending.get("paper", paper) != paper:
        raise Invalid("Yêu cầu ký này là của văn bản khác.", code="signing_request_paper")
    if pending["version"] != item.version:
        raise Conflict(f"{noun.capitalize()} đã thay đổi sau khi chuẩn bị bản ký; hãy ký lại "
                       "bản mới.", code="signing_request_outdated")
    if pending.get("texts") and pending["texts"] != docgen.field_values(
            documents.compose(kind, item, paper, draft=False)):
        raise Conflict("Số hoặc ngày của văn bản đã khác với bản đã chuẩn bị để ký (có văn "
                       "bản khác vừa lấy số, hoặc đã sang ngày mới); hãy ký lại bản mới.",
                       code="signing_request_outdated")
    printed = base64.b64decode(pending["printed"])
    signed = _finish(params, pending, printed, cert, esign)
    prepared_name, approved_name, _ = paper_names(paper)
    row = _keep_of(kind, item, prepared_name, printed,
                   _paper_filename(kind, item, paper, " - bản trình ký.pdf"))
    if pending.get("qr_token"):
        from app.services import verification

        verification.attach_token(row, pending["qr_token"])
    kept = _keep_of(kind, item, approved_name, signed,
                    _paper_filename(kind, item, paper, " - đã ký số.pdf"))
    _spend(kind, item, token)
    return kept


def _remote_seal(decision, approved, organisation, params, user):
    """The Văn thư's own token: the first call prepares the numbered, dated revision and
    answers with a signing request (the step's transaction rolls back: no number is
    spent, the state does not move); the call with the request's id and the CMS of its
    digest, or the whole signed PDF, finishes it, when the number and the date the step
    gives now are the ones the request was prepared with."""
    from dataclasses import asdict

    from app.esign import remote
    from app.services.errors import Conflict

    esign = identities.settings()
    cert = identities.certificate(organisation)
    spec, signer_cert, data = _issue_spec(KIND, decision, "decision", decision.approved_by_id,
                                            approved, organisation)
    texts = {spec.number_field: spec.number_text, spec.date_field: spec.date_text}
    if not _answered(params):
        try:
            prepared = remote.prepare_issue(data, cert, spec, seal_png=organisation.image_png,
                                            settings=esign, expected_signer_cert=signer_cert)
        except SigningRefused as exc:
            raise identities.refused(exc) from None
        _ask(KIND, decision, user, "issue", organisation, prepared, data, params,
             kept={"version": decision.version, "number": decision.number, "texts": texts},
             pdf_params={"field": spec.seal_field, "step": "issue", "spec": asdict(spec)},
             message="Đang chờ Văn thư ký số của cơ quan trên thiết bị ký số của mình; quyết "
                     "định chưa ban hành, chưa cấp số.",
             hint="Ký giá trị băm (digest) hoặc tệp PDF (điền số, ngày vào các trường đã "
                  "cho) rồi gửi lại cùng mã yêu cầu ký.",
             shown={"number_field": spec.number_field, "number_text": spec.number_text,
                    "date_field": spec.date_field, "date_text": spec.date_text,
                    "seal_mm": spec.seal_mm, "spec": asdict(spec)})
    token, pending = _pending_answered(KIND, decision, user, "issue", params)
    if pending["texts"] != texts:
        raise Conflict("Số hoặc ngày ban hành đã khác với bản đã chuẩn bị để ký (có văn bản "
                       "khác vừa lấy số, hoặc đã sang ngày mới); hãy ký lại bản mới.",
                       code="signing_request_outdated")
    issued = _finish(params, pending, data, cert, esign, expected_texts=texts)
    _spend(KIND, decision, token)
    issued = long_term(issued, esign, None)
    return _keep(decision, ISSUED, issued, _pdf_filename(decision, ".pdf"))


# -- reading ---------------------------------------------------------------------------------

def issued_pdf(decision_id) -> StoredDocument | None:
    return _kept(decision_id, (ISSUED,)).get(ISSUED)


def fetch(decision, name):
    """(opened file, file name, sha256) of one of the decision's signing PDFs."""
    from app.services.errors import NotFound

    row = _kept(decision.id, (name,)).get(name) if name in NAMES else None
    if row is None:
        raise NotFound("Quyết định chưa có bản PDF ký số này.")
    return storage.open_checked(row.storage_key, row.sha256), row.filename, row.sha256


# The verification of each kept PDF, by its SHA-256 and the trust settings: a kept file
# never changes, so each process checks it once, not at every view of the page.
_VERIFIED: dict = {}
_VERIFIED_MAX = 512


def _report(row, esign):
    from app.esign import verify

    key = (row.sha256, esign.trust_roots, esign.intermediates, esign.crl_sources)
    if key not in _VERIFIED:
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        try:
            _VERIFIED[key] = verify.verify_pdf(storage.read(row.storage_key, row.sha256),
                                               esign)
        except SigningRefused as exc:
            return exc.message
    return _VERIFIED[key]


def panel(decision) -> dict:
    """What the decision page's signature panel shows: for the most advanced signed PDF,
    each signature (who, for which organisation, when, whether it verifies), or «chưa ký
    số» for the paper path."""
    kept = _kept(decision.id)
    row = kept.get(ISSUED) or kept.get(APPROVED)
    if row is None:
        return {"signed": False, "label": "Chưa ký số",
                "note": ("Quyết định theo quy trình giấy: người có thẩm quyền chưa ký số."
                         if decision.state in ("approved", "issued") else
                         "Chưa có chữ ký số.")}
    report = _report(row, identities.settings())
    if isinstance(report, str):
        return {"signed": True, "label": "Không kiểm tra được", "note": report,
                "sha256": row.sha256, "name": row.name, "signatures": []}
    rows = [{"signer": s.signer_name, "organisation": s.organisation,
             "when": s.signing_time, "valid": s.bottom_line, "summary": s.summary,
             "role": "Người có thẩm quyền ký" if s.field == docgen.FIELD_NAMES[2]
             else "Cơ quan ban hành (con dấu)"}
            for s in report.signatures if s.kind == "signature"]
    issued = row.name == ISSUED
    return {"signed": True, "name": row.name, "sha256": row.sha256, "filename": row.filename,
            "label": ("Bản điện tử đã ban hành" if issued else "Đã ký số, chờ Văn thư ban hành"),
            "valid": report.all_valid, "signatures": rows,
            "note": None if issued else "Văn thư sẽ ghi số, ngày và ký số của cơ quan."}


# -- 3. every other paper a signing step closes (issue 21, items 2 and 3) -------------------
#
# The Board head's tờ trình (TTr-SNV) at «Ký tờ trình», the unit head's papers at «Ký
# duyệt»: which papers a step signs and who seals them is the step's data (``Step.signs``,
# ``Step.sealed_by`` in workflows/). The signer signs the PDF printed as he takes the step,
# with empty number and date fields when his body's Văn thư will number, date and seal it
# (the number is then hers, from the register, when she issues: ``issue_paper``); with the
# number and date written in when his body has no Văn thư (or no seal) in the system: the
# paper then carries his signature only, not an electronic original (NĐ 30 Điều 5 wants
# both). A signer without a certificate follows the paper path («chưa ký số»), unless his
# body makes digital signing mandatory (``Unit.esign_required``): then the step is refused.

SEALED, HEAD_ONLY, PAPER = "sealed", "head_only", "paper"


def paper_names(paper: str) -> tuple[str, str, str]:
    """The kept PDFs of a paper: (printed for signing, signed by its signer, issued)."""
    return f"{paper}_prepared_pdf", f"{paper}_approved_pdf", f"{paper}_issued_pdf"


def _kept_of(kind, item_id, names) -> dict:
    return {row.name: row for row in db.session.scalars(sa.select(StoredDocument).where(
        StoredDocument.item_type == kind, StoredDocument.item_id == item_id,
        StoredDocument.name.in_(names), StoredDocument.superseded_at.is_(None)))}


def _keep_of(kind, item, name, data: bytes, filename: str) -> StoredDocument:
    """Keep ``data`` in the caller's transaction (the file goes with a rollback)."""
    key = f"documents/{kind}-{item.id}-{name}-{secrets.token_hex(8)}.pdf"
    storage.write_new(key, data)
    on_rollback(lambda: storage.remove(key))
    for previous in _kept_of(kind, item.id, (name,)).values():
        previous.superseded_at = now_utc()
    row = StoredDocument(item_type=kind, item_id=item.id, name=name, filename=filename,
                         sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                         storage_key=key)
    db.session.add(row)
    return row


def _paper_filename(kind, item, paper, suffix: str) -> str:
    return documents.filename(kind, item, paper, draft=False)[:-len(".docx")] + suffix


def _signing_step(kind, trigger):
    from workflows import PROCESSES

    return next(s for s in PROCESSES[kind].steps if s.trigger == trigger)


def _sealing_step(kind, paper):
    """The step whose signer signs ``paper`` and whose body's Văn thư seals it, or None."""
    from workflows import PROCESSES

    return next((s for s in PROCESSES[kind].steps if paper in s.signs and s.sealed_by), None)


def has_clerk(unit, roles) -> bool:
    """Whether the body has its own Văn thư in the system (an active holder of ``roles`` in
    it or in its Văn phòng)."""
    from app.services.org import role_holders
    from app.services.permissions import clerk_units

    return unit is not None and bool(role_holders(roles, clerk_units(unit.id)))


def require_certificate(body, user) -> None:
    """Refuse the signing step when the body makes digital signing mandatory and the signer
    has no registered certificate (nothing changes: the step's transaction rolls back)."""
    if body is not None and body.esign_required and identities.of_user(user.id) is None:
        raise Invalid(
            f"{body.name} bắt buộc ký số văn bản: {user.full_name} chưa có chứng thư số được "
            "đăng ký nên không ký được. Đề nghị quản trị hệ thống đăng ký chứng thư số và ảnh "
            "chữ ký rồi ký lại.", code="esign_required")


def paper_mode(kind, trigger, body, user) -> str:
    """How the papers ``trigger`` signs are issued: SEALED (the signer signs digitally, the
    body's Văn thư then numbers, dates and seals), HEAD_ONLY (signed digitally, numbered at
    the step, no organisation signature) or PAPER (no certificate: «chưa ký số»). Refuses
    when the body makes digital signing mandatory and the signer has no certificate."""
    require_certificate(body, user)
    step = _signing_step(kind, trigger)
    identity = identities.of_user(user.id)
    if not step.signs or identity is None or not (
            identity.backend == "remote" or identities.server_side(identity)):
        return PAPER
    if step.sealed_by and has_clerk(body, step.sealed_by) and identities.server_side(
            identities.of_unit(body.id)):
        return SEALED
    return HEAD_ONLY


def check_deferred_numbering(params) -> None:
    """A paper the Văn thư will issue electronically takes her number and the day of the
    organisation's signature: none may be typed at the signer's step."""
    if (params or {}).get("number") or (params or {}).get("issued_on"):
        raise Invalid("Văn bản này do Văn thư của cơ quan cấp số và ký số phát hành; ngày văn "
                      "bản là ngày ký số của cơ quan. Không nhập số, ngày khi ký.",
                      details={"number": ["Để trống."], "issued_on": ["Để trống."]},
                      code="electronic_numbering")


def _print_paper(kind, paper, content, filled: bool) -> bytes:
    started = time.perf_counter()
    try:
        data = docgen.render_pdf(content, Path(current_app.instance_path) / "fonts",
                                 timeout=current_app.config["PDF_TIMEOUT_SECONDS"],
                                 filled=filled)
    except docgen.PdfUnavailable as exc:
        raise Unavailable(f"Chưa tạo được bản PDF để ký số: {exc.reason}",
                          code="pdf_unavailable") from None
    metrics.rendered(kind, paper_names(paper)[0], time.perf_counter() - started)
    return data


def sign_papers(kind, item, trigger, user, mode, params=None) -> list:
    """At a signing step, after the authority block is recorded (``documents.sign``): the
    signer signs each paper the step declares, printed now from the content composed now
    (empty number and date for SEALED, written in for HEAD_ONLY). With a remote key, the
    first call answers a signing request (202) and the call with the signature finishes."""
    if mode == PAPER:
        return []
    identity = identities.of_user(user.id)
    papers = _signing_step(kind, trigger).signs
    if identity.backend == "remote":
        if len(papers) != 1:
            raise Invalid("Ký số từ xa chỉ ký một văn bản mỗi lần.", code="remote_one_paper")
        return [_remote_sign(kind, item, papers[0], trigger, user, identity, params or {},
                             filled=mode == HEAD_ONLY)]
    from app.esign import pdfsign

    esign = identities.settings()
    key, cert, store = _key_checked(identity, esign)
    kept = []
    try:
        for paper in papers:
            prepared_name, approved_name, _ = paper_names(paper)
            content = documents.compose(kind, item, paper, draft=False)
            prepared = _print_paper(kind, paper, content, filled=mode == HEAD_ONLY)
            _keep_of(kind, item, prepared_name, prepared,
                     _paper_filename(kind, item, paper, " - bản trình ký.pdf"))
            try:
                signed = pdfsign.sign_approval(
                    prepared, key, field=docgen.FIELD_NAMES[2], image_png=identity.image_png,
                    settings=esign, expected_cert=cert, store=store, reason="Ký duyệt")
            except SigningRefused as exc:
                raise identities.refused(exc) from None
            kept.append(_keep_of(kind, item, approved_name, signed,
                                 _paper_filename(kind, item, paper, " - đã ký số.pdf")))
    finally:
        key.close()
    return kept


def paper_body(kind, item, paper):
    """The body that issues a paper a signing step signs: the unit for its own papers, the
    Board head's unit (Sở Nội vụ) for the tờ trình to the Chairman."""
    if kind == "decision":
        if paper == "proposal":
            return item.proposal_signed_by.unit if item.proposal_signed_by else None
        return item.campaign.issuer
    return item.unit


def _paper_signer_id(kind, item, paper):
    if kind == "decision":
        return item.proposal_signed_by_id if paper == "proposal" else item.approved_by_id
    return item.signed_by_id


def _paper_numbered(kind, item, paper) -> bool:
    if kind == "decision":
        return (item.proposal_number if paper == "proposal" else item.number) is not None
    return item.number is not None


def _seal_paper_pdf(kind, item, paper, approved, organisation):
    """Fill the paper's number and place-and-date and add the organisation's signature in
    one incremental update, then its long-term data (as ``seal`` for the decision);
    refused unless its signer's signature is there, valid and by his registered
    certificate."""
    from app.esign import pdfsign

    esign = identities.settings()
    key, cert, store = _key_checked(organisation, esign)
    spec, signer_cert, data = _issue_spec(kind, item, paper, _paper_signer_id(kind, item, paper),
                                          approved, organisation)
    try:
        issued = pdfsign.issue(data, key, spec, seal_png=organisation.image_png, settings=esign,
                               expected_cert=cert, expected_signer_cert=signer_cert,
                               store=store)
    except SigningRefused as exc:
        raise identities.refused(exc) from None
    finally:
        key.close()  # a PKCS#11 session
    issued = long_term(issued, esign, store)
    return _keep_of(kind, item, paper_names(paper)[2], issued,
                    _paper_filename(kind, item, paper, ".pdf"))


def issue_paper(kind_obj, item_id, paper, user, *, numberer, number=None, issued_on=None,
                version=None):
    """The body's Văn thư issues a paper its signer signed digitally (NĐ 30 Điều 15, 32):
    the register's next number or the one she typed (unique in the register for the year),
    the day of the organisation's signature (Asia/Ho_Chi_Minh; another date typed is
    refused), the DOCX kept again with them, and number, date and the body's seal added to
    the signed PDF in one incremental update. ``numberer(item, user, wanted)`` takes the
    number from the kind's register. One transaction: a refusal changes nothing."""
    from app.clock import today
    from app.services import registers, steps
    from app.services.errors import Conflict, Forbidden, NotFound
    from app.services.permissions import served
    from workflows.submission import SEALING

    with transaction():
        item = steps.open_for(kind_obj, SEALING, item_id, user, version)
        kind = kind_obj.name
        step = _sealing_step(kind, paper)
        if step is None:
            raise NotFound("Văn bản này không do Văn thư cấp số và ký số phát hành.")
        body = paper_body(kind, item, paper)
        if body is None or not (user.roles & step.sealed_by) or body.id not in served(user):
            raise Forbidden(f"Chỉ Văn thư của {body.name if body else 'cơ quan ban hành'} mới "
                            "được cấp số và ký số phát hành văn bản này.")
        _, approved_name, issued_name = paper_names(paper)
        kept = _kept_of(kind, item.id, (approved_name, issued_name))
        if issued_name in kept:
            raise Conflict("Văn bản đã được Văn thư phát hành.", code="already_issued")
        approved = kept.get(approved_name)
        if approved is None:
            raise Conflict("Người có thẩm quyền chưa ký số văn bản này: Văn thư chỉ ký số của "
                           "cơ quan trên văn bản đã được ký.", code="signer_signature_missing")
        if _paper_numbered(kind, item, paper):
            raise Conflict("Văn bản đã có số khi ký (cơ quan không phát hành điện tử văn bản "
                           "này).", code="already_numbered")
        check_issue_date(registers.check_issue_date(issued_on), today())
        organisation = identities.of_unit(body.id)
        if not identities.server_side(organisation):
            raise Invalid(f"{body.name} chưa có chứng thư số và con dấu số trên hệ thống.",
                          code="no_seal")
        numberer(item, user, registers.check_wanted(number))
        documents.keep(kind, item, paper)  # the DOCX with its number and date
        issued = _seal_paper_pdf(kind, item, paper, approved, organisation)
        steps.touch(item)
        steps.record_edit(kind_obj, SEALING, item, user, None, {"paper_issue": {
            "paper": paper, "sha256": issued.sha256}})
    return issued


# -- reading: the signature panel of a paper ----------------------------------------------

def paper_panel(kind, item, paper) -> dict | None:
    """What an item page's signature panel shows of one paper a signing step signs: its
    signatures and whether they verify, whether it waits for the Văn thư, whether it is an
    electronic original; None before it is signed."""
    prepared_name, approved_name, issued_name = paper_names(paper)
    kept = _kept_of(kind, item.id, (approved_name, issued_name))
    row = kept.get(issued_name) or kept.get(approved_name)
    from workflows import PROCESSES

    label = PROCESSES[kind].documents.get(paper, paper)
    if row is None:
        if item.state in PROCESSES[kind].final_states.get(paper, ()) and (
                _paper_signer_id(kind, item, paper) is not None):
            return {"paper": paper, "kind": label, "signed": False, "label": "Chưa ký số",
                    "note": "Văn bản theo quy trình giấy: người có thẩm quyền chưa ký số."}
        return None
    report = _report(row, identities.settings())
    body = paper_body(kind, item, paper)
    out = {"paper": paper, "kind": label, "signed": True, "name": row.name,
           "sha256": row.sha256, "filename": row.filename, "signatures": [],
           "body_id": body.id if body else None}
    if isinstance(report, str):
        return {**out, "label": "Không kiểm tra được", "note": report}
    out["signatures"] = [
        {"signer": s.signer_name, "organisation": s.organisation, "when": s.signing_time,
         "valid": s.bottom_line, "summary": s.summary,
         "role": "Người có thẩm quyền ký" if s.field == docgen.FIELD_NAMES[2]
         else "Cơ quan ban hành (con dấu)"}
        for s in report.signatures if s.kind == "signature"]
    out["valid"] = report.all_valid
    if row.name == issued_name:
        return {**out, "label": "Bản gốc điện tử đã phát hành", "original": True,
                "note": None}
    if _paper_numbered(kind, item, paper):  # numbered at the step: no Văn thư to seal it
        return {**out, "label": "Đã ký số (không phải bản gốc điện tử)", "original": False,
                "note": NOT_ORIGINAL}
    return {**out, "label": "Đã ký số, chờ Văn thư cấp số và phát hành", "original": False,
            "awaiting_clerk": True,
            "note": "Văn thư của cơ quan sẽ cấp số, ghi ngày và ký số của cơ quan."}


def papers_panel(kind, item) -> list[dict]:
    """The signature panel of every paper the item's signing steps sign (not the
    decision itself: its own panel, ``panel``)."""
    from workflows import PROCESSES

    papers = [p for s in PROCESSES[kind].steps for p in s.signs
              if not (kind == KIND and p == "decision")]
    return [shown for shown in (paper_panel(kind, item, p) for p in dict.fromkeys(papers))
            if shown is not None]


def fetch_paper(kind, item, name):
    """(opened file, file name, sha256) of one of a paper's signing PDFs."""
    from app.services.errors import NotFound
    from workflows import PROCESSES

    papers = {p for s in PROCESSES[kind].steps for p in s.signs}
    allowed = {n for p in papers for n in paper_names(p)}
    row = _kept_of(kind, item.id, (name,)).get(name) if name in allowed else None
    if row is None:
        raise NotFound("Văn bản chưa có bản PDF ký số này.")
    return storage.open_checked(row.storage_key, row.sha256), row.filename, row.sha256


def pending_of(kind, item_id, token: str) -> dict | None:
    """A pending request by its item's kind and id (the service's callback names them)."""
    import json

    try:
        return json.loads(storage.read(_pending_key(kind, item_id, token)))
    except Exception:  # noqa: BLE001 - missing or unreadable: no such request
        return None


def drop_request_of(kind, item_id, token: str) -> None:
    storage.remove(_pending_key(kind, item_id, token))
