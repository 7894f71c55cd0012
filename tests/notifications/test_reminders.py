"""`flask reminders send`: units whose plan or dossier is due within REMINDER_DAYS, and the
appraisers of items waiting longer than the appraisal_days rule; once per day."""
from datetime import UTC, datetime, timedelta

from freezegun import freeze_time

from app.clock import today
from app.models import Plan
from tests import helpers
from tests.notifications.conftest import deliver_all
from tests.notifications.support import addr, count_rows, link, rows


def send(runner, *args):
    result = runner.invoke(args=["reminders", "send", *args])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_reminders_are_queued_once_a_day_and_delivered(app, world, smtp_server):
    runner = app.test_cli_runner()
    # in the past, so that what is queued under the frozen clock is due now
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=30)
    with freeze_time(start) as clock:
        campaign = helpers.make_campaign(world)  # plans due in 10 days, dossiers in 70
        deadline = campaign.plan_deadline
        ours = helpers.complete_plan(world, campaign)
        helpers.fire(world, "plan", ours, "staff_a", "submit")
        helpers.fire(world, "plan", ours, "head_a", "sign_off")  # waits for the Board
        theirs = helpers.unit_item(Plan, campaign, "PDK")  # still a draft
        assert send(runner) == "Reminders queued: 0 to units, 0 to the Board."

        clock.tick(timedelta(days=6))  # deadline in 4 days; waiting for 6 > 5 days
        assert send(runner) == "Reminders queued: 0 to units, 1 to the Board."

        clock.tick(timedelta(days=2))  # deadline in 2 days, within REMINDER_DAYS (3)
        assert (deadline - today()).days == 2
        before = count_rows()
        assert send(runner) == "Reminders queued: 2 to units, 1 to the Board."
        assert count_rows() == before + 3
        assert send(runner) == "Reminders queued: 0 to units, 0 to the Board."
        assert send(runner, "--date", today().isoformat()) == (
            "Reminders queued: 0 to units, 0 to the Board.")
        assert count_rows() == before + 3

        clock.tick(timedelta(days=1))
        assert send(runner) == "Reminders queued: 2 to units, 1 to the Board."
        clock.tick(timedelta(days=2))  # past the deadline: the units are no longer reminded
        assert send(runner) == "Reminders queued: 0 to units, 1 to the Board."

    unit_rows = rows(template="reminder.plan", item_id=theirs.id)
    assert sorted(r.recipient_email for r in unit_rows) == sorted(
        [addr("staff_b"), addr("head_b")] * 2)
    assert {r.recipient_email for r in rows(template="reminder.plan", item_id=ours.id)} == {
        addr("appraiser")}

    deliver_all()
    got = [m for m in smtp_server.take() if "[TĐKT] Nhắc hạn" in m.subject
           or "[TĐKT] Quá thời hạn" in m.subject]
    assert len(got) == 4 + 4
    due = [m for m in got if m.to == addr("staff_b")][0]
    assert due.subject == ("[TĐKT] Nhắc hạn: kế hoạch hưởng ứng của Ủy ban nhân dân phường "
                           f"Đông Kinh hết hạn ngày {deadline:%d/%m/%Y}")
    assert (f"Hạn gửi kế hoạch hưởng ứng của Ủy ban nhân dân phường Đông Kinh là ngày "
            f"{deadline:%d/%m/%Y} (còn 2 ngày)") in due.text()
    assert link("plan", theirs.id) in due.text() and link("plan", theirs.id) in due.html()
    late = [m for m in got if m.to == addr("appraiser")][0]
    assert late.subject == "[TĐKT] Quá thời hạn thẩm định: kế hoạch hưởng ứng của Sở Y tế"
    assert "Kế hoạch hưởng ứng của Sở Y tế đã chờ xử lý 6 ngày, quá thời hạn 5 ngày." in \
        late.text()
    assert link("plan", ours.id) in late.text()
