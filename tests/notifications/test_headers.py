"""Subjects and names arrive exactly as written: a few hundred long Vietnamese subjects
(diacritics, «», –, /, runs of spaces) and sender and recipient names, sent through
VietnameseMessage on the app's mail connection and read back with the standard parser."""
import random

import pytest

from app.delivery import deliver_due
from app.delivery.message import VietnameseMessage
from app.extensions import db, mail
from app.models import OutboxMessage
from tests import helpers
from tests.notifications.conftest import deliver_all
from tests.notifications.support import addr

WORDS = (
    "khen thưởng thi đua quyết định tờ trình hồ sơ đề nghị Bằng khen Chủ tịch Ủy ban nhân dân "
    "tỉnh Lạng Sơn Sở Nội vụ Y tế phường Đông Kinh tập thể cá nhân xuất sắc tiêu biểu năm 2025 "
    "Ban Thi đua Khen thưởng trả lại đơn vị hoàn thành thẩm định ký duyệt nhắc hạn Việt Nam "
    "Ánh Đề Ưu Ơn Hữu Nghị Chi Lăng Tràng Định Bắc Sơn Đình Lập huyện xã thị trấn Cao Lộc "
    "ĩ ỹ ự ữ ẫ ẵ ậ ặ ề ể ệ ổ ộ ở ợ ỳ ỷ ỵ đ Đ ư Ư ơ Ơ"
).split()
MARKS = ["«", "»", "–", "—", "/", ":", ",", ".", "(", ")", ";", "!", "?", "%", "&", "<", ">",
         "…", "\"", "'", "=?", "?=", "-", "+", "№", "01/QĐ-UBND", "số 12/TTr-SNV"]


def long_subject(rng: random.Random) -> str:
    """20–60 tokens: words, quoted and punctuated words, lone marks; 1 to 6 spaces apart,
    sometimes leading or trailing spaces."""
    out = " " * rng.choice([0, 0, 0, 1, 2])
    for _ in range(rng.randint(20, 60)):
        r = rng.random()
        if r < 0.65:
            token = rng.choice(WORDS)
        elif r < 0.85:
            token = rng.choice(["«", "(", "\"", "/", "–"]) + rng.choice(WORDS) + \
                rng.choice(["»", ")", "\"", "/", ",", ";", ".", "–"])
        else:
            token = rng.choice(MARKS)
        out += token + " " * rng.choice([1, 1, 1, 2, 3, 6])
    return out if rng.random() < 0.3 else out.rstrip()


def long_name(rng: random.Random) -> str:
    """A display name: words, commas, «», – and /; one space apart (in an address, runs of
    spaces mean one space, RFC 5322 §3.2.2)."""
    words = []
    for _ in range(rng.randint(2, 24)):
        r = rng.random()
        if r < 0.8:
            words.append(rng.choice(WORDS))
        elif r < 0.9:
            words.append(rng.choice(WORDS) + ",")
        else:
            words.append(rng.choice(["«Ban TĐKT»", "–", "/", "(Sở Nội vụ)", "\"Hội đồng\""]))
    return " ".join(words)


def test_three_hundred_long_subjects_and_names_arrive_exactly(ctx, smtp_server):
    rng = random.Random(20261127)
    cases = [(long_subject(rng), long_name(rng), long_name(rng)) for _ in range(300)]
    assert sum(len(s) > 150 for s, _, _ in cases) > 150
    assert sum("   " in s for s, _, _ in cases) > 250
    assert sum(len(n) > 60 for _, n, _ in cases) > 100

    with mail.connect() as connection:
        for i, (subject, sender, recipient) in enumerate(cases):
            connection.send(VietnameseMessage(
                subject=subject, sender=(sender, f"tdkt{i}@tdkt.test"),
                recipients=[(recipient, f"r{i}@tdkt.test")], body=subject, html=subject))

    received = {r.to: r for r in smtp_server.received}
    assert len(received) == 300
    damaged = []
    for i, (subject, sender, recipient) in enumerate(cases):
        r = received[f"r{i}@tdkt.test"]
        msg = r.msg
        (frm,), (to,) = msg["From"].addresses, msg["To"].addresses
        if (msg["Subject"], frm.display_name, frm.addr_spec, to.display_name) != (
                subject, sender, f"tdkt{i}@tdkt.test", recipient):
            damaged.append((i, subject, msg["Subject"], sender, frm.display_name))
        assert r.mail_from == f"tdkt{i}@tdkt.test"
        assert r.text() == subject and r.html() == subject
        assert max(len(line) for line in r.raw.split(b"\r\n")) <= 998
    assert damaged == [], f"{len(damaged)} of 300 damaged, first: {damaged[:2]}"


@pytest.mark.parametrize("sender", [
    '"Ban Thi đua – Khen thưởng tỉnh Lạng Sơn, Sở Nội vụ" <thidua@langson.gov.vn>',
    ("Ban Thi đua – Khen thưởng tỉnh Lạng Sơn, Sở Nội vụ", "thidua@langson.gov.vn"),
])
def test_the_configured_sender_name_arrives_as_written(app, world, smtp_server, config, sender):
    config(MAIL_DEFAULT_SENDER=sender)
    mail.init_app(app)  # Flask-Mail reads its settings here (the fixture puts them back)
    campaign = helpers.make_campaign(world)
    assert deliver_all()["sent"] == 4
    for r in smtp_server.received:
        (frm,) = r.msg["From"].addresses
        assert frm.display_name == "Ban Thi đua – Khen thưởng tỉnh Lạng Sơn, Sở Nội vụ"
        assert frm.addr_spec == r.mail_from == "thidua@langson.gov.vn"
        assert r.subject == f"[TĐKT] Phát động: {campaign.title}"


def test_the_default_sender(app, world, smtp_server):
    helpers.make_campaign(world)
    deliver_all()
    (frm,) = smtp_server.received[0].msg["From"].addresses
    assert (frm.display_name, frm.addr_spec) == ("Ban Thi đua - Khen thưởng", "tdkt@localhost")


def _row(name, email, payload=None):
    payload = payload if payload is not None else {
        "trigger_label": "Phát động", "title": "Phong trào thi đua", "attachments": []}
    row = OutboxMessage(item_type="campaign", item_id=1, template="campaign.launch",
                        recipient_name=name, recipient_email=email, payload=payload)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.parametrize("bad", ["\r\n", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e",
                                 "\x85", "\u2028", "\x01", "\x7f"])
def test_control_characters_never_reach_a_header(world, smtp_server, bad):
    """A display name or subject carrying a line break of any kind arrives on one line,
    and nothing after it becomes a header of its own."""
    name = f"Nguyen Van A{bad}Reply-To: attacker@evil.test"
    title = f"Phong trao{bad}Bcc: attacker@evil.test"
    _row(name, addr("staff_a"),
         payload={"trigger_label": "Phat dong", "title": title, "attachments": []})
    _row("Nguyễn Thị B" + bad + "Cc: x@evil.test", addr("head_a"))

    assert deliver_due() == {"sent": 2, "retry": 0, "failed": 0}
    got = {r.to: r for r in smtp_server.take()}
    msg = got[addr("staff_a")].msg
    for header in ("Reply-To", "Bcc", "Cc"):
        assert header not in msg
    (to,) = msg["To"].addresses
    assert to.display_name == "Nguyen Van A Reply-To: attacker@evil.test"
    assert to.addr_spec == addr("staff_a")
    assert msg["Subject"] == "[TĐKT] Phat dong: Phong trao Bcc: attacker@evil.test"
    other = got[addr("head_a")].msg
    assert "Cc" not in other
    assert other["To"].addresses[0].display_name == "Nguyễn Thị B Cc: x@evil.test"
    raw = got[addr("staff_a")].raw
    assert b"\nReply-To" not in raw and b"\nBcc" not in raw
