"""Commands for operators: `flask seed …`, `flask users create`, `flask units import`,
`flask workflow diagram|describe`, `flask notifications …`, `flask reminders send`,
`flask storage migrate`, `flask audit verify|anchor`, `flask backup create|restore`,
`flask signing demo-ca|certificate|tsa|verify|register-user|register-unit|remove`."""
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.services.errors import ServiceError
from workflows import PROCESSES

seed = AppGroup("seed", help="Load reference or demo data (idempotent).")
users = AppGroup("users", help="Manage user accounts.")
units = AppGroup("units", help="Manage units.")
workflow = AppGroup("workflow", help="Read the process definitions.")
notifications = AppGroup("notifications", help="Deliver the outbox by mail.")
reminders = AppGroup("reminders", help="Deadline reminders (run daily by cron).")
registers = AppGroup("registers", help="Sổ đăng ký văn bản: where each register stands.")
reference = AppGroup("reference", help="Reference data (legal bases, award forms, …).")
storage = AppGroup("storage", help="Where files are kept (local folder or S3).")
audit = AppGroup("audit", help="The tamper-evident record: hash chains, anchored outside.")
backup = AppGroup("backup", help="Back up and restore the database and every stored file.")
signing = AppGroup("signing", help="Digital signatures: the demo CA, its certificates, the "
                   "local timestamp authority, and checking a signed PDF.")


def _fail(error: ServiceError):
    click.echo(f"Lỗi: {error.message}", err=True)
    if error.details:
        click.echo(f"Chi tiết: {error.details}", err=True)
    sys.exit(2)


def _loaded(counts):
    click.echo("Reference data loaded: " + ", ".join(
        f"{k} +{v}" + (f" ({counts['replaced'][k]} replaced)" if counts["replaced"][k] else "")
        for k, v in counts["added"].items()))


def _refused(error: ServiceError):
    for reason in error.details.get("reasons", []):
        click.echo(f"  - {reason}", err=True)
    _fail(ServiceError(error.message, code=error.code))


@seed.command("reference")
@click.option("--replace", is_flag=True,
              help="replace rows that differ from the shipped file (each one audited)")
def seed_reference(replace):
    """Award forms, legal bases, thresholds and required papers, with effective dates.
    A row present with other values (edited by an admin) is refused unless --replace."""
    from app.services.reference import load_reference_data

    try:
        _loaded(load_reference_data(replace=replace))
    except ServiceError as error:
        _refused(error)


@seed.command("demo")
def seed_demo():
    """The 2019 Lạng Sơn campaign, its units and one demo account per role."""
    from app.services.demo import load_demo

    try:
        result = load_demo(signing=True)
    except ServiceError as error:
        _fail(error)
    click.echo(f"Demo campaign {result['campaign_code']} "
               f"{'created' if result['created_campaign'] else 'already present'}.")
    if result.get("signing"):
        click.echo(f"Digital signatures: demo CA in {result['signing']['ca']} "
                   f"({result['signing']['registered']} identities registered now).")
    click.echo(f"Demo accounts (password: {result['password']}):")
    for u in result["users"]:
        click.echo(f"  {u['username']:<20} {', '.join(u['roles']):<18} {u['unit']:<6} {u['full_name']}")


@users.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", "roles", multiple=True, required=True, help="repeat for several roles")
@click.option("--unit", "unit_code", required=True, help="unit code, e.g. SNV")
@click.option("--full-name", default=None)
@click.option("--email", default=None)
@click.option("--signing-title", default=None, help='printed in signature blocks, e.g. "PHÓ CHỦ TỊCH"')
@click.option("--signing-authority", default=None,
              help='the old single authority line, e.g. "KT. CHỦ TỊCH" (prefer --signing-modes)')
@click.option("--signing-modes", default=None,
              help="the quyền hạn the signer may use, usual first: own, KT, Q, TL, TUQ "
                   '(e.g. "KT" for a Vice-Chairman)')
@click.option("--active/--inactive", default=None, help="allow or refuse sign-in")
def create_user(username, password, roles, unit_code, full_name, email, signing_title,
                signing_authority, signing_modes, active):
    """Create a user, or bring an existing one in line with these options (every field
    the API takes)."""
    from app.services.org import upsert_user

    try:
        user, created = upsert_user(username, password, list(roles), unit_code, full_name,
                                    email, signing_title, signing_authority, signing_modes,
                                    active)
    except ServiceError as error:
        _fail(error)
    click.echo(f"User {user.username} {'created' if created else 'updated'}: "
               f"{', '.join(sorted(user.roles))} @ {unit_code}")


@units.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_units(file):
    """Import units from a UTF-8 CSV with columns:
    code,name,short_name,kind,parent_code,cluster,email,organ_id (the mã định danh, e.g.
    000.00.00.H29) and the letterhead columns of the admin page (code and name required)."""
    from app.services.org import import_units_csv

    try:
        counts = import_units_csv(file.read())
    except ServiceError as error:
        _fail(error)
    click.echo(f"Units imported: {counts['created']} created, {counts['updated']} updated.")


@workflow.command("diagram")
@click.argument("process", type=click.Choice(list(PROCESSES)))
def diagram(process):
    """Print a Mermaid state diagram drawn from the definition: each arrow names its
    trigger, the roles that fire it, and whether it needs a reason, asks for
    confirmation, keeps documents or carries an effect."""
    click.echo(PROCESSES[process].mermaid())


@workflow.command("describe")
@click.argument("process", type=click.Choice(list(PROCESSES)))
def describe(process):
    """Print the whole definition: states, and every step with its roles, guards,
    confirmation, effect, documents and audiences; the edits between steps."""
    click.echo(PROCESSES[process].describe())


@notifications.command("work")
@click.option("--once", is_flag=True, help="deliver what is due now, then exit")
@click.option("--poll", type=int, default=None, help="seconds between rounds")
def notifications_work(once, poll):
    """Deliver due messages; several of these may run at once (rows are claimed)."""
    import signal
    import threading

    from flask import current_app

    from app.delivery.worker import run

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    total = run(current_app._get_current_object(), once=once, poll=poll, stop=stop)
    click.echo(f"Delivered: {total['sent']} sent, {total['retry']} to retry, "
               f"{total['failed']} failed.")


@notifications.command("resend")
@click.argument("message_id", type=int, required=False)
@click.option("--all-failed", is_flag=True, help="queue every failed message again")
def notifications_resend(message_id, all_failed):
    """Queue a failed message (or --all-failed) again, tries counted afresh."""
    from app.services.outbox import resend, resend_failed

    if all_failed == (message_id is not None):
        raise click.UsageError("Give a MESSAGE_ID or --all-failed (not both).")
    if all_failed:
        click.echo(f"{resend_failed()} failed messages queued again.")
        return
    try:
        resend(message_id)
    except ServiceError as error:
        _fail(error)
    click.echo(f"Message {message_id} queued again.")


exchange = AppGroup("exchange", help="Electronic exchange (edXML): packages and statuses.")


@exchange.command("poll")
def exchange_poll():
    """Take in the status messages waiting at the axis (or the incoming folder) once; the
    delivery worker also does every EXCHANGE_POLL_SECONDS. Packages are sent by
    `flask notifications work`, with the mail."""
    from app.services import exchange as exchanging

    if not exchanging.enabled():
        raise click.ClickException("EXCHANGE_TRANSPORT is not set: the exchange is off.")
    counts = exchanging.poll()
    click.echo(f"Statuses: {counts['kept']} kept, {counts['repeated']} already kept, "
               f"{counts['refused']} refused.")


@exchange.command("receive")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def exchange_receive(files):
    """Take in edXML packages addressed to the Board (files picked up from the exchange's
    incoming path): each is checked and listed on «Văn bản đến»; a failing one is kept as
    refused with its 02 answer. Not a package at all: reported, nothing kept."""
    from app.services import incoming

    failed = 0
    for name in files:
        data = Path(name).read_bytes()
        try:
            row = incoming.receive(None, data, Path(name).name, source="exchange")
        except ServiceError as error:
            failed += 1
            click.echo(f"{name}: không nhận: {error.message}", err=True)
            continue
        verdict = "hợp lệ" if row.status == "accepted" else f"từ chối (02): {row.reason}"
        click.echo(f"{name}: {verdict}")
    if failed:
        sys.exit(2)


@reminders.command("send")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="the day to remind for (default: today)")
def reminders_send(day):
    """Remind units of plans and dossiers due within REMINDER_DAYS, and the Board of items
    waiting longer than the appraisal time. Running it twice a day sends nothing twice."""
    from app.services.outbox import send_reminders

    counts = send_reminders(day.date() if day else None)
    click.echo(f"Reminders queued: {counts['unit']} to units, {counts['board']} to the Board.")


@registers.command("set")
@click.argument("issuer")
@click.argument("doc_type")
@click.argument("year", type=int)
@click.argument("last_number", type=int)
@click.option("--note", default=None, help="why (kept in the audit row)")
def registers_set(issuer, doc_type, year, last_number, note):
    """Set the last number used in ISSUER's DOC_TYPE register of YEAR (e.g. UBND QĐ 2026
    1204: the next decision takes 1205)."""
    from app.services import registers as service

    try:
        register = service.set_last(None, issuer, doc_type, year, last_number, note)
    except ServiceError as error:
        _fail(error)
    click.echo(f"Register {issuer} {register.doc_type} {year}: last used "
               f"{register.last_number}, next {register.last_number + 1}.")


@registers.command("list")
@click.option("--year", type=int, default=None)
def registers_list(year):
    """Every register of the year: last used, next, numbers given in the app, gaps."""
    from app.services import registers as service

    for r in service.listing(None, year):
        click.echo(f"{r['issuer']:<10} {r['doc_type']:<6} {r['year']}  last {r['last_number']:>6}"
                   f"  next {r['next_number']:>6}  given {len(r['given'])}"
                   f"  gaps: {r['gaps_label'] or '-'}")


@reference.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--replace", is_flag=True,
              help="replace rows of the same code and date that differ (each one audited)")
def reference_import(file, replace):
    """Check and load a reference file (a province's own, outside the package): legal
    bases, award forms with their money multipliers, document types, rule values, required
    papers, each with its effective dates. Nothing is loaded when any row is wrong, nor
    when a row already present says something else (unless --replace). Every row added
    or replaced leaves an audit row."""
    from app.services.reference import import_reference

    try:
        counts = import_reference(file.read(), replace=replace,
                                  note=f"tệp {Path(file.name).name}")
    except ServiceError as error:
        _refused(error)
    _loaded(counts)


@storage.command("migrate")
@click.option("--source", type=click.Path(file_okay=False), default=None,
              help="the local folder to copy from (default: UPLOAD_FOLDER)")
def storage_migrate(source):
    """Copy every local file to the S3 storage of STORAGE_URL, checking every SHA-256;
    safe to run again (what is already there is only checked)."""
    from app.services.storage_migration import migrate_local_files

    try:
        report = migrate_local_files(source)
    except ServiceError as error:
        _fail(error)
    for problem in report.problems:
        click.echo(f"Lỗi: {problem}", err=True)
    click.echo(f"Copied: {report.copied} (of which {report.not_in_database} named by no row), "
               f"already there with the right hash: {report.already}, "
               f"problems: {len(report.problems)}.")
    if report.problems:
        sys.exit(1)


@audit.command("verify")
def audit_verify():
    """Walk every item's chain of events and every register's chain of numbers, then check
    every row the last anchor kept outside the database covers (AUDIT_ANCHOR_URL); name
    each break (exit 1), or say the record is intact."""
    from app.services.audit_anchor import verify

    report = verify()
    _report_breaks(report)
    for note in report.notes:
        click.echo(f"Note: {note}")
    if not report.intact:
        click.echo(f"{len(report.breaks)} breaks in {report.chains} chains and the anchored "
                   f"rows ({report.links} links read).", err=True)
        sys.exit(1)
    click.echo(f"all {report.chains} chains intact ({report.links} links).")
    if report.anchor:
        a = report.anchor
        stamped = f", stamped by the TSA at {a['stamped']}" if a.get("stamped") else ""
        click.echo(f"Every row anchored by anchor #{a['seq']} ({a['when']} UTC{stamped}, kept at "
                   f"{a['location']}) matches. Rows after it are protected by the chains "
                   f"alone until the next anchor: "
                   + ", ".join(f"{t} above id {m}" for t, m in a["marks"].items()) + ".")


def _report_breaks(report):
    for b in report.breaks:
        where = b.where or (f"event/entry {b.row_id}" if b.row_id is not None else "head")
        click.echo(f"BROKEN {b.chain} at {where}: {b.problem}; expected {b.expected}, "
                   f"found {b.found}")


@audit.command("anchor")
def audit_anchor():
    """Verify, then anchor the record as it stands: Merkle roots of every chain head, award
    record, verdict and kept document's hash, written to the database and, once, to
    AUDIT_ANCHOR_URL outside it. Refused (exit 1) while anything is broken."""
    from app.services.audit_anchor import AnchorRefused, anchor

    try:
        made = anchor()
    except AnchorRefused as error:
        _report_breaks(error.report)
        click.echo(f"Lỗi: {error.message}", err=True)
        sys.exit(1)
    except ServiceError as error:
        _fail(error)
    for seq in made.restored:
        click.echo(f"Anchor #{seq} was kept outside but not in the database: copied back.")
    click.echo(f"Anchor #{made.seq} written to {made.location}: root {made.root}; "
               + ", ".join(f"{k} {n}" for k, n in made.leaves.items())
               + f"; {made.added} leaves new or moved"
               + ("; stamped by the TSA" if made.stamped else "") + "; up to "
               + ", ".join(f"{t} id {m}" for t, m in made.marks.items()) + ".")


@backup.command("create")
@click.argument("directory", type=click.Path(file_okay=False))
def backup_create(directory):
    """Write a consistent copy of the database and of every stored file to DIRECTORY (new or
    empty), with a manifest of their SHA-256."""
    from app.services.backup import create

    try:
        manifest = create(directory)
    except ServiceError as error:
        _fail(error)
    click.echo(f"Backup written to {directory}: {manifest['db']['kind']} database "
               f"({manifest['db']['size']} bytes), {len(manifest['files'])} files "
               f"from {manifest['storage']}, revision {manifest['alembic_revision']}.")


@backup.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="replace a database that already holds data")
def backup_restore(directory, force):
    """Check DIRECTORY's manifest, bring its database and files back into this installation,
    and check every hash again."""
    from app.services.backup import restore

    try:
        result = restore(directory, force=force)
    except ServiceError as error:
        _fail(error)
    click.echo(f"Restored from {directory}: database and {result['files']} files "
               f"into {result['storage']}, every hash checked.")


@signing.command("demo-ca")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="Demo TĐKT", show_default=True, help="the CA's name")
def signing_demo_ca(directory, name):
    """Create a demo CA in DIRECTORY (root, sub-CA, its CRL and a TSA certificate). For the
    demo and development: set SIGNING_TRUST_ROOTS to DIRECTORY/root.pem."""
    from app.esign import pki

    pki.write_demo_ca(directory, name)
    click.echo(f"Demo CA in {directory}: root.pem, sub-ca.pem, sub-ca.crl, tsa.p12 "
               f"(passphrase {pki.DEMO_PASSPHRASE.decode()}).\n"
               f"SIGNING_TRUST_ROOTS={directory / 'root.pem'}\n"
               f"SIGNING_INTERMEDIATES={directory / 'sub-ca.pem'}\n"
               f"SIGNING_CRLS={directory / 'sub-ca.crl'}")


@signing.command("certificate")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("slug")
@click.option("--name", required=True, help="the holder's full name, or the organisation's")
@click.option("--organisation", required=True, help="the organisation (certificate O=)")
@click.option("--title", default=None, help="a person's title (certificate OU=)")
@click.option("--seal", is_flag=True, help="an organisation's certificate, with a seal image")
@click.option("--expired", is_flag=True, help="one that expired (to try the refusal)")
@click.option("--revoked", is_flag=True, help="one listed in the CRL (to try the refusal)")
def signing_certificate(directory, slug, name, organisation, title, seal, expired, revoked):
    """Issue SLUG.p12 and SLUG.png (signature, or --seal) from the demo CA in DIRECTORY."""
    from app.esign import pki

    ca = pki.load_demo_ca(directory)
    p12, png = pki.write_holder(directory, ca, slug, name, organisation, seal=seal, unit=title,
                                expired=expired, revoked=revoked)
    click.echo(f"{p12} (passphrase {pki.DEMO_PASSPHRASE.decode()}), {png}")


@signing.command("tsa")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--port", default=3161, show_default=True)
def signing_tsa(directory, port):
    """Serve the demo CA's timestamp authority on 127.0.0.1 (SIGNING_TSA_URL)."""
    from app.esign import pki, tsa

    stamper = tsa.timestamper_from_pkcs12((directory / "tsa.p12").read_bytes(),
                                          pki.DEMO_PASSPHRASE)
    server = tsa.make_server(stamper, "127.0.0.1", port)
    click.echo(f"Timestamp authority on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


def _image_beside(p12: Path, image):
    """The image named, else the PNG beside the key file (the demo CA writes SLUG.png)."""
    path = Path(image) if image else p12.with_suffix(".png")
    return path.read_bytes() if path.exists() else None


@signing.command("register-user")
@click.argument("username")
@click.argument("p12", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--image", type=click.Path(dir_okay=False, exists=True),
              help="the signature image (PNG); default: the PNG beside P12")
@click.option("--passphrase-setting", default="SIGNING_DEMO_PASSPHRASE", show_default=True,
              help="the setting (or environment variable) that holds P12's passphrase")
@click.option("--remote", "certificate", type=click.Path(dir_okay=False, exists=True),
              help="instead of P12: the certificate (PEM) of a key on the person's own token "
                   "or at their CA (remote signing)")
@click.option("--account", default=None, help="remote: the person's account at the signing service")
def signing_register_user(username, p12, image, passphrase_setting, certificate, account):
    """Register USERNAME's certificate and signature image (audited). A key file (P12) is
    for the demo and development only; production takes --remote."""
    from app.services import identities

    try:
        if certificate:
            identity = identities.register_user(
                None, username, backend="remote", certificate_pem=Path(certificate).read_bytes(),
                image_png=Path(image).read_bytes() if image else None, account=account,
                origin="cli")
        else:
            if p12 is None:
                raise click.UsageError("P12 or --remote CERTIFICATE")
            identity = identities.register_user(
                None, username, p12_path=p12, passphrase_setting=passphrase_setting,
                image_png=_image_beside(p12, image), origin="cli")
    except ServiceError as error:
        _fail(error)
    click.echo(f"{username}: {identity.subject}, serial {identity.serial}, "
               f"valid to {identity.not_after:%d/%m/%Y} ({identity.backend})")


@signing.command("register-unit")
@click.argument("code")
@click.argument("p12", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--seal", type=click.Path(dir_okay=False, exists=True),
              help="the seal image (PNG, red, transparent); default: the PNG beside P12")
@click.option("--seal-mm", type=float, default=36.0, show_default=True,
              help="the seal's real diameter in mm")
@click.option("--passphrase-setting", default="SIGNING_DEMO_PASSPHRASE", show_default=True)
@click.option("--pkcs11", "certificate", type=click.Path(dir_okay=False, exists=True),
              help="instead of P12: the certificate (PEM) of a key on the server's HSM/token")
@click.option("--remote", "remote_certificate", type=click.Path(dir_okay=False, exists=True),
              help="instead of P12: the certificate (PEM/DER) of a key on the Văn thư's own "
                   "token (--key-label: her account at the remote-signing service)")
@click.option("--token-label", default=None)
@click.option("--key-label", default=None)
def signing_register_unit(code, p12, seal, seal_mm, passphrase_setting, certificate,
                          remote_certificate, token_label, key_label):
    """Register the organisation CODE's certificate and seal image (audited)."""
    from app.services import identities

    try:
        if remote_certificate:
            identity = identities.register_unit(
                None, code, backend="remote",
                certificate_pem=Path(remote_certificate).read_bytes(), key_label=key_label,
                seal_png=Path(seal).read_bytes() if seal else None, seal_mm=seal_mm,
                origin="cli")
        elif certificate:
            identity = identities.register_unit(
                None, code, backend="pkcs11", certificate_pem=Path(certificate).read_bytes(),
                token_label=token_label, key_label=key_label,
                seal_png=Path(seal).read_bytes() if seal else None, seal_mm=seal_mm,
                origin="cli")
        else:
            if p12 is None:
                raise click.UsageError("P12 or --pkcs11 CERTIFICATE")
            identity = identities.register_unit(
                None, code, p12_path=p12, passphrase_setting=passphrase_setting,
                seal_png=_image_beside(p12, seal), seal_mm=seal_mm, origin="cli")
    except ServiceError as error:
        _fail(error)
    click.echo(f"{code}: {identity.subject}, serial {identity.serial}, "
               f"valid to {identity.not_after:%d/%m/%Y} ({identity.backend}, seal {seal_mm} mm)")


@signing.command("remove")
@click.option("--user", "username", default=None)
@click.option("--unit", "code", default=None)
def signing_remove(username, code):
    """Remove a person's (--user) or an organisation's (--unit) registered identity."""
    from app.services import identities

    if bool(username) == bool(code):
        raise click.UsageError("--user USERNAME or --unit CODE")
    try:
        identities.remove(None, username=username, code=code, origin="cli")
    except ServiceError as error:
        _fail(error)
    click.echo(f"Removed: {username or code}")


@signing.command("verify")
@click.argument("file", type=click.File("rb"))
def signing_verify(file):
    """Check every signature of a PDF against the configured trust roots and CRLs."""
    from flask import current_app

    from app.esign import EsignSettings, SigningRefused, verify

    try:
        report = verify.verify_pdf(file.read(), EsignSettings.from_config(current_app.config))
    except SigningRefused as refused:
        click.echo(f"Lỗi: {refused.message}", err=True)
        sys.exit(2)
    click.echo(f"SHA-256 {report.sha256}, {report.revisions} revisions")
    for sig in report.signatures:
        when = sig.signing_time.strftime("%d/%m/%Y %H:%M:%S") if sig.signing_time else "?"
        click.echo(f"#{sig.index + 1} {sig.field}: {sig.signer_name} ({sig.organisation}), "
                   f"{when}; {sig.summary}")
    sys.exit(0 if report.all_valid else 1)


def register(app: Flask):
    for group in (seed, users, units, workflow, notifications, reminders, registers, reference,
                  storage, audit, backup, signing, exchange):
        app.cli.add_command(group)
