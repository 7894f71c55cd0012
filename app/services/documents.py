"""The formal documents of each item: drafts on demand, finals kept at the step that
makes them final (numbered, hashed, never regenerated)."""
import hashlib
import secrets
import time
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app import docgen, metrics
from app.clock import now_utc, today
from app.extensions import db
from app.models import Nominee, StoredDocument, Unit, User
from app.services import flags, reference, registers, signing, storage
from app.services.errors import Invalid, NotFound, Unavailable
from app.services.org import role_holders
from app.services.tx import on_rollback, transaction
from workflows import PROCESSES

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


# Papers the app does not write but keeps beside the ones it does: the signed scan (PDF)
# the Office attaches, sent with the mail that sends the generated paper it belongs to.
UPLOADED = {"decision": {"decision_signed": ("decision", "Bản chụp quyết định đã ký (PDF)")}}


def signed_name(name):
    """The uploaded scan kept beside a generated paper: "decision" -> "decision_signed"."""
    return f"{name}_signed"


def content_type(filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return storage.CONTENT_TYPES.get(ext, DOCX) if ext != "docx" else DOCX


def _known(kind, name):
    if name not in PROCESSES[kind].documents and name not in UPLOADED.get(kind, {}):
        raise NotFound("Không có văn bản này.", code="no_such_document")


def _final(kind, item, name) -> StoredDocument | None:
    """The kept copy, when the item's state says the document is final."""
    if item.state not in PROCESSES[kind].final_states[name]:
        return None
    return current(kind, item.id, name)


# -- context: the data a document needs beyond its own record ----------------------------------


def _issuer(unit: Unit | None):
    if unit is None:
        return None
    return docgen.Issuer(code=unit.symbol, name=unit.name, header=unit.header,
                         parent_header=unit.printed_parent_header, place=unit.place,
                         head_title=unit.head_title or "Thủ trưởng",
                         locality=unit.locality or "", council=unit.council_symbol or "")


def _signer(user: User | None, block=()):
    """The signer as printed: ``block`` is the authority block the data gives (signing)."""
    if user is None:
        return docgen.Signer(name="", title="", lines=tuple(block))
    return docgen.Signer(name=user.full_name, title=user.signing_title or "",
                         authority=user.signing_authority, lines=tuple(block))


# The type of each paper the app writes (the issuing body decides its authority by it).
PAPER_TYPES = {("plan", "plan"): "ke_hoach", ("dossier", "proposal"): "to_trinh",
               ("registration", "registration"): "cong_van",
               ("decision", "proposal"): "to_trinh", ("decision", "decision"): "decision",
               ("decision", "certificates"): "decision"}


def paper_type(kind, item, name) -> str | None:
    if kind == "campaign":
        return item.launch_type
    return PAPER_TYPES.get((kind, name))


def _block(kind, item, name, issuer, user):
    ptype = paper_type(kind, item, name)
    if ptype is None or user is None:
        return ()
    return signing.block(kind, item.id, name, issuer, ptype, user)


def sign(kind, item, names, issuer, user, requested=None):
    """At a signature: keep the authority block the signer chose (or their usual one)
    for each paper in ``names``; refused when the signer may not use it."""
    mode = signing.choose(user, requested)
    ptype = paper_type(kind, item, names[0])
    signing.record(kind, item.id, names, issuer, ptype, user, mode)


def _someone(role, unit_id=None, prefer_title=None) -> User | None:
    """Who would sign a draft: an active holder of the role (the head's title first)."""
    users = role_holders({role}, None if unit_id is None else [unit_id])
    for u in users:
        if prefer_title and (u.signing_title or "").upper() == prefer_title:
            return u
    return users[0] if users else None


def _office_of(issuer_id):
    return db.session.scalars(sa.select(Unit).where(
        Unit.parent_id == issuer_id, Unit.kind == "office").order_by(Unit.id)).first()


def _finance_of(issuer_id):
    """The department that pays the award money (data: ``Unit.pays_awards``)."""
    return db.session.scalars(sa.select(Unit).where(
        Unit.parent_id == issuer_id, Unit.pays_awards.is_(True)).order_by(Unit.id)).first()


def _launch_ref(campaign, types):
    if not campaign.launch_number or not campaign.launch_date:
        return None
    title = types.get(campaign.launch_type, ("Văn bản",))[0]
    title = "Văn bản" if campaign.launch_type == "cong_van" else title.capitalize()
    return f"{title} số {campaign.launch_number} ngày {campaign.launch_date:%d/%m/%Y}"


def _declined(decision):
    """The nominees the Board declined, for the decision's award form, in the dossiers the
    decision draws from: one query, whatever the number of units."""
    dossier_ids = sa.select(Nominee.dossier_id).where(Nominee.decision_id == decision.id)
    rows = db.session.scalars(
        sa.select(Nominee).where(Nominee.dossier_id.in_(dossier_ids),
                                 Nominee.verdict == "declined",
                                 Nominee.award_form_id == decision.award_form_id)
        .options(sa.orm.joinedload(Nominee.dossier))
        .order_by(Nominee.dossier_id, Nominee.position, Nominee.id)).all()
    return tuple(docgen.Declined(n, n.dossier.unit.name, n.verdict_reason or "") for n in rows)


def _board_unit(user_id):
    user = db.session.get(User, user_id) if user_id else None
    return user.unit if user else None


def context(kind, item, name, draft):
    on = today()
    types = reference.document_types(on)
    if kind == "campaign":
        signer = item.signer or _someone("chairman", item.issuer_unit_id, "CHỦ TỊCH")
        board = _board_unit(item.created_by_id)
        return docgen.Context(now=now_utc(),
            issuer=_issuer(item.issuer),
            signer=_signer(signer, _block(kind, item, name, item.issuer, signer)), draft=draft,
            recipients=tuple(e.label for e in (item.launch_recipients.entries
                                                if item.launch_recipients else [])),
            doc_types=types, today=on, board=_issuer(board),
            addressees=tuple(p.unit.name for p in item.participants))
    if kind in ("plan", "dossier", "registration"):
        campaign = item.campaign
        signer = (db.session.get(User, item.signed_by_id) if item.signed_by_id
                  else _someone("unit_head", item.unit_id))
        board = _board_unit(campaign.created_by_id)
        return docgen.Context(now=now_utc(),
            issuer=_issuer(item.unit),
            signer=_signer(signer, _block(kind, item, name, item.unit, signer)), draft=draft,
            doc_types=types,
            today=on, board=_issuer(board), province=_issuer(campaign.issuer),
            launch_ref=_launch_ref(campaign, types))
    campaign = item.campaign
    if name == "proposal":
        signer = item.proposal_signed_by or _someone(
            "board_head", _board_unit(item.created_by_id).id)
        issuer = signer.unit if signer else _board_unit(item.created_by_id)
        dated = item.proposal_date or on
        salary = reference.rule("muc_luong_co_so", dated)
        return docgen.Context(now=now_utc(),
            issuer=_issuer(issuer), signer=_signer(signer, _block(kind, item, name, issuer, signer)),
            draft=draft, doc_types=types, today=on,
            province=_issuer(campaign.issuer), launch_ref=_launch_ref(campaign, types),
            bases=tuple(b.text for b in reference.legal_bases("board_proposal", dated)),
            declined=_declined(item), base_salary=salary)
    signer = item.approved_by or _someone("chairman", campaign.issuer_unit_id, "CHỦ TỊCH")
    board_user = item.proposal_signed_by or db.session.get(User, item.created_by_id)
    return docgen.Context(now=now_utc(),
        issuer=_issuer(campaign.issuer),
        signer=_signer(signer, _block(kind, item, name, campaign.issuer, signer)), draft=draft,
        doc_types=types,
        today=on, recipients=tuple(r.label for r in item.recipients),
        bases=tuple(b.text for b in reference.legal_bases("decision", item.issued_on or on)),
        board=_issuer(board_user.unit if board_user else None),
        office=_issuer(_office_of(campaign.issuer_unit_id)),
        finance=_issuer(_finance_of(campaign.issuer_unit_id)),
        launch_ref=_launch_ref(campaign, types),
        flag_reasons=flags.certificate_reasons(item) if name == "certificates" else {})


# -- rendering, naming, keeping -----------------------------------------------------------------


# The composed paper behind each document (docgen.COMPOSERS): one content, rendered as the
# DOCX and as the HTML preview.
PAPERS = {
    ("campaign", "launch"): "launch", ("plan", "plan"): "plan",
    ("registration", "registration"): "registration",
    ("dossier", "proposal"): "unit_proposal", ("dossier", "minutes"): "minutes",
    ("decision", "proposal"): "board_proposal", ("decision", "decision"): "decision",
    ("decision", "certificates"): "certificates",
}


def compose(kind, item, name, draft):
    return docgen.compose_paper(PAPERS[(kind, name)], item, context(kind, item, name, draft))


def render(kind, item, name, draft) -> bytes:
    started = time.perf_counter()
    data = docgen.render_content(compose(kind, item, name, draft), draft)
    metrics.rendered(kind, name, time.perf_counter() - started)
    return data


def preview(kind, item, name):
    """A readable HTML preview of one generated paper from the content its DOCX was
    rendered from: for a kept final, the content kept with it at its step (what was
    signed, whatever the records say since); before that, a draft composed now. ``item``
    is loaded by the caller exactly as for the download (``workflow.load``, scoped)."""
    _known(kind, name)
    if (kind, name) not in PAPERS:  # an uploaded scan is opened as itself
        raise NotFound("Văn bản này không có bản xem trước.", code="no_such_document")
    stored = _final(kind, item, name)
    content = None
    if stored is not None and stored.content:  # finals kept before it was kept: recomposed
        content = docgen.loads_content(stored.content)
    if content is None:
        content = compose(kind, item, name, draft=stored is None)
    return {"name": name, "kind": PROCESSES[kind].documents[name], "final": stored is not None,
            "filename": stored.filename if stored else filename(kind, item, name, True),
            "html": docgen.preview_content(content, draft=stored is None)}


def filename(kind, item, name, draft) -> str:
    """A proper Vietnamese file name; '/' of the number becomes '-'."""
    def num(number, symbol):
        return f" {number:02d}-{symbol.replace('/', '-')}" if (number and symbol) else ""

    if kind == "campaign":
        label = f"Văn bản phát động {item.launch_number or ''}".strip().replace("/", "-")
    elif kind == "plan":
        label = f"Kế hoạch hưởng ứng{num(item.number, item.symbol)} - {item.unit.name}"
    elif kind == "registration":
        label = (f"Đăng ký thi đua năm {item.campaign.year}{num(item.number, item.symbol)}"
                 f" - {item.unit.name}")
    elif kind == "dossier" and name == "proposal":
        label = f"Tờ trình đề nghị khen thưởng{num(item.number, item.symbol)} - {item.unit.name}"
    elif kind == "dossier":
        label = f"Biên bản họp Hội đồng Thi đua - Khen thưởng - {item.unit.name}"
    elif name == "proposal":
        label = f"Tờ trình{num(item.proposal_number, item.proposal_symbol)} đề nghị khen thưởng"
    elif name == "decision":
        label = f"Quyết định{num(item.number, item.symbol)} khen thưởng"
    else:
        label = f"Bằng khen kèm Quyết định{num(item.number, item.symbol)}"
    return ("Dự thảo - " if draft else "") + label + ".docx"


def current(kind, item_id, name) -> StoredDocument | None:
    return db.session.scalars(sa.select(StoredDocument).where(
        StoredDocument.item_type == kind, StoredDocument.item_id == item_id,
        StoredDocument.name == name, StoredDocument.superseded_at.is_(None))).first()


def keep(kind, item, name) -> StoredDocument:
    """Render the final copy and keep it, in the caller's transaction.

    The file is written first under a fresh key; if the transaction then fails, the
    row never exists and the file is removed with the rollback.
    """
    content = compose(kind, item, name, draft=False)
    data = docgen.render_content(content, draft=False)
    key = f"documents/{kind}-{item.id}-{name}-{secrets.token_hex(8)}.docx"
    storage.write_new(key, data)
    on_rollback(lambda: storage.remove(key))
    previous = current(kind, item.id, name)
    if previous is not None:
        previous.superseded_at = now_utc()
        earlier_pdf = current(kind, item.id, pdf_name(name))
        if earlier_pdf is not None:  # the PDF of the superseded content goes with it
            earlier_pdf.superseded_at = now_utc()
    row = StoredDocument(item_type=kind, item_id=item.id, name=name,
                         filename=filename(kind, item, name, draft=False),
                         sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                         storage_key=key,
                         # what the DOCX was rendered from, for its preview (one source,
                         # two renderings)
                         content=docgen.dumps_content(content))
    db.session.add(row)
    return row


def keep_file(item_type, item_id, name, filename, data: bytes) -> StoredDocument:
    """Keep a final paper composed outside the workflow kinds (a cluster year's pact or
    biên bản), in the caller's transaction: stored under a fresh key with its SHA-256,
    superseding the earlier copy of the same name; the file goes with a rollback."""
    key = f"documents/{item_type}-{item_id}-{name}-{secrets.token_hex(8)}.docx"
    storage.write_new(key, data)
    on_rollback(lambda: storage.remove(key))
    previous = current(item_type, item_id, name)
    if previous is not None:
        previous.superseded_at = now_utc()
    row = StoredDocument(item_type=item_type, item_id=item_id, name=name, filename=filename,
                         sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                         storage_key=key)
    db.session.add(row)
    return row


def listing(kind, item):
    """Every document of an item: final (with its hash) or a draft to generate on demand."""
    out = []
    pdfs = _kept_pdfs(kind, item.id)
    for name, label in PROCESSES[kind].documents.items():
        stored = _final(kind, item, name)
        out.append({
            "name": name, "kind": label, "final": stored is not None,
            "filename": stored.filename if stored else filename(kind, item, name, True),
            "sha256": stored.sha256 if stored else None,
            "size": stored.size if stored else None,
            "created_at": stored.created_at if stored else None,
            "preview": (kind, name) in PAPERS,
            **_pdf_entry(kind, name, stored, pdfs),
        })
    for name, (_of, label) in UPLOADED.get(kind, {}).items():
        stored = current(kind, item.id, name)
        if stored is not None:
            out.append({"name": name, "kind": label, "final": True, "filename": stored.filename,
                        "sha256": stored.sha256, "size": stored.size,
                        "created_at": stored.created_at, "preview": False,
                        "pdf": False, "pdf_sha256": None, "pdf_size": None})
    return out


# -- the issuable PDF of a final paper -----------------------------------------------------------

# Papers with an issuable PDF: the formal papers a signer signs (not the certificates,
# printed on the award's stock from their DOCX).
PDF_PAPERS = {key for key, paper in PAPERS.items() if paper != "certificates"}


# A paper issued electronically (app/services/esigning.py): its signed PDF, numbered,
# dated and sealed, is the paper's PDF.
ISSUED_PDF = {("decision", "decision"): "decision_issued_pdf",
              # issued by the body's own Văn thư (esigning.issue_paper)
              ("decision", "proposal"): "proposal_issued_pdf",
              ("plan", "plan"): "plan_issued_pdf", ("dossier", "proposal"): "proposal_issued_pdf"}


def pdf_name(name):
    """The kept PDF beside a kept DOCX: "decision" -> "decision_pdf"."""
    return f"{name}_pdf"


def _kept_pdfs(kind, item_id) -> dict:
    """The item's kept PDFs by name, in one query."""
    names = [pdf_name(name) for (of, name) in PDF_PAPERS if of == kind]
    issued = {pdf: pdf_name(name) for (of, name), pdf in ISSUED_PDF.items() if of == kind}
    rows = db.session.scalars(sa.select(StoredDocument).where(
        StoredDocument.item_type == kind, StoredDocument.item_id == item_id,
        StoredDocument.name.in_(names + list(issued)), StoredDocument.superseded_at.is_(None)))
    found = {}
    for row in rows:  # the issued electronic original stands for the paper's PDF
        if row.name in issued:
            found[issued[row.name]] = row
        else:
            found.setdefault(row.name, row)
    return found


def _pdf_entry(kind, name, stored, pdfs):
    """What a listing says of a paper's PDF: offered once the paper is final (made on the
    first download, its SHA-256 kept from then on)."""
    offered = stored is not None and (kind, name) in PDF_PAPERS
    kept = pdfs.get(pdf_name(name)) if offered else None
    return {"pdf": offered, "pdf_sha256": kept.sha256 if kept else None,
            "pdf_size": kept.size if kept else None}


def keep_pdf(kind, item, name) -> StoredDocument:
    """The kept PDF of a final paper: made once, from the content kept with its DOCX (what
    was signed, whatever the records say since), and kept with its SHA-256 before anyone
    signs it; a later final of the paper supersedes both. ``item`` is loaded by the caller
    exactly as for the DOCX's download (``workflow.load``, scoped), so the PDF goes to
    exactly those who may download the DOCX.

    LibreOffice prints it in a few seconds, outside any lock; the row is then written in
    one short transaction that locks the DOCX's row, so two first downloads at once keep
    one PDF (the later one uses the earlier's)."""
    _known(kind, name)
    if (kind, name) not in PDF_PAPERS:
        raise NotFound("Văn bản này không có bản PDF.", code="no_such_document")
    stored = _final(kind, item, name)
    if stored is None:
        raise NotFound("Văn bản chưa có bản chính thức nên chưa có bản PDF.")
    kept = current(kind, item.id, pdf_name(name))
    if kept is not None:
        return kept
    issued_name = ISSUED_PDF.get((kind, name))
    issued = current(kind, item.id, issued_name) if issued_name else None
    if issued is not None:  # issued electronically: the signed PDF is the original
        return issued
    content = docgen.loads_content(stored.content) if stored.content else None
    if content is None:  # a final kept before contents were: composed as then
        content = compose(kind, item, name, draft=False)
    started = time.perf_counter()
    try:
        data = docgen.render_pdf(content, Path(current_app.instance_path) / "fonts",
                                 timeout=current_app.config["PDF_TIMEOUT_SECONDS"],
                                 filled=True)  # a final paper has its number and date
    except docgen.PdfUnavailable as exc:
        raise Unavailable(f"Chưa tạo được bản PDF: {exc.reason}", code="pdf_unavailable") from None
    metrics.rendered(kind, pdf_name(name), time.perf_counter() - started)
    docx_id = stored.id
    key = f"documents/{kind}-{item.id}-{name}-{secrets.token_hex(8)}.pdf"
    with transaction():
        storage.write_new(key, data)
        on_rollback(lambda: storage.remove(key))
        locked = db.session.scalars(sa.select(StoredDocument).where(
            StoredDocument.id == docx_id).with_for_update()).one()
        kept = current(kind, item.id, pdf_name(name))
        if kept is None and locked.superseded_at is None:
            kept = StoredDocument(item_type=kind, item_id=item.id, name=pdf_name(name),
                                  filename=stored.filename[:-len(".docx")] + ".pdf",
                                  sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                                  storage_key=key)
            db.session.add(kept)
        else:  # someone kept it (or a new final) meanwhile: this copy is not needed
            storage.remove(key)
    if kept is None:
        raise Unavailable("Văn bản vừa được thay bằng bản mới; hãy tải lại trang.",
                          code="pdf_unavailable")
    return kept


def fetch_pdf(kind, item, name):
    """(opened file, file name, sha256) of a final paper's kept PDF, made on first use."""
    row = keep_pdf(kind, item, name)
    return storage.open_checked(row.storage_key, row.sha256), row.filename, row.sha256


def keep_upload(kind, item, name, upload, filename) -> StoredDocument:
    """Keep an uploaded scan (PDF) of an item's paper with its SHA-256, superseding the
    one before it; in the caller's transaction (the file goes with a rollback)."""
    if name not in UPLOADED.get(kind, {}):
        raise NotFound("Không có văn bản này.", code="no_such_document")
    clean, ext, _type, size, sha, key = storage.save_upload(upload, filename or "")
    on_rollback(lambda: storage.remove(key))
    if ext != "pdf":
        raise Invalid("Bản chụp văn bản đã ký phải là tệp PDF.",
                      details={"file": ["Chỉ nhận tệp .pdf."]}, code="file_type")
    previous = current(kind, item.id, name)
    if previous is not None:
        previous.superseded_at = now_utc()
    row = StoredDocument(item_type=kind, item_id=item.id, name=name, filename=clean,
                         sha256=sha, size=size, storage_key=key)
    db.session.add(row)
    return row


def uploads(kind, item, name) -> list[StoredDocument]:
    """Every uploaded scan an item's paper has had, oldest first: those replaced are kept
    (superseded), the current one is last."""
    return db.session.scalars(sa.select(StoredDocument).where(
        StoredDocument.item_type == kind, StoredDocument.item_id == item.id,
        StoredDocument.name == name).order_by(StoredDocument.created_at, StoredDocument.id)).all()


def fetch_upload(kind, item, name, sha256):
    """(body, file name, sha256): one of an item's uploaded scans, current or replaced, by
    its SHA-256, opened after its hash is checked."""
    if name not in UPLOADED.get(kind, {}):
        raise NotFound("Không có văn bản này.", code="no_such_document")
    stored = db.session.scalars(sa.select(StoredDocument).where(
        StoredDocument.item_type == kind, StoredDocument.item_id == item.id,
        StoredDocument.name == name, StoredDocument.sha256 == (sha256 or "").lower())
        .order_by(StoredDocument.id.desc())).first()
    if stored is None:
        raise NotFound("Không có bản chụp nào có mã kiểm tra này.")
    return storage.open_checked(stored.storage_key, stored.sha256), stored.filename, stored.sha256


def fetch(kind, item, name):
    """(body, file name, sha256 or None): the kept final, opened to stream after its
    SHA-256 is checked against the row (``storage.Opened``), or a fresh draft (bytes)."""
    _known(kind, name)
    if name in UPLOADED.get(kind, {}):
        stored = current(kind, item.id, name)
        if stored is None:
            raise NotFound("Chưa có bản chụp văn bản đã ký.", code="no_such_document")
        return storage.open_checked(stored.storage_key, stored.sha256), stored.filename, stored.sha256
    stored = _final(kind, item, name)
    if stored is not None:
        return storage.open_checked(stored.storage_key, stored.sha256), stored.filename, stored.sha256
    return render(kind, item, name, draft=True), filename(kind, item, name, True), None


def keep_final(kind, item, step) -> str | None:
    """Keep every document ``step`` makes final; the first one's SHA-256 stands for the
    step's content in the audit log."""
    kept = [keep(kind, item, name) for name in step.finalizes]
    return kept[0].sha256 if kept else None


def take_unit_number(item, doc_code, kind=None, user=None, params=None):
    """A unit's own register: its KH (plan) or TTr (proposal), at its head's signature;
    the number and date the unit's văn thư gave, when entered (``params``)."""
    params = params or {}
    on = registers.check_issue_date(params.get("issued_on"), label="Ngày ký") or today()
    abbreviation = reference.document_types(on)[doc_code][1]
    item.number = registers.take_number(
        item.unit_id, abbreviation, on.year, item=(kind, item.id) if kind else None, user=user,
        wanted=registers.check_wanted(params.get("number")))
    item.symbol = f"{abbreviation}-{item.unit.symbol}"
    item.signed_on = on
