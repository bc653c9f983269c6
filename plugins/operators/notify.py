"""The spec's `notify:`: one message per failed task (after its retries), through Airflow's SMTP and HTTP notifiers.

A failed check of severity `error` fails its task at once, so its message names the table and the check and shows
the offending rows, as the task's log does."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseNotifier

from operators.intervals import run_interval
from warehouse.interval import Timetable
from warehouse.secrets import mask
from warehouse.spec import EmailNotice, Notify, WebhookNotice

if TYPE_CHECKING:
    from airflow.sdk import Context


def failure_notifiers(notify: Notify, schedule: str, timezone: str) -> list[BaseNotifier]:
    """A notifier per channel of the spec's `notify:` (so that one failing to send does not silence the other)."""
    channels = [notify.email, notify.webhook]
    return [FailureNotifier(channel, schedule, timezone) for channel in channels if channel]


class FailureNotifier(BaseNotifier):
    """Tells a channel of the spec's `notify:` that a task failed, with what failed (the providers' notifiers are
    imported only when a message goes out)."""

    def __init__(self, channel: EmailNotice | WebhookNotice, schedule: str, timezone: str):
        super().__init__()
        self.channel, self.schedule, self.timezone = channel, schedule, timezone

    def notify(self, context: Context) -> None:
        fields = _fields(context, Timetable(self.schedule, self.timezone))
        subject, text = _message(fields)
        if isinstance(self.channel, EmailNotice):
            from airflow.providers.smtp.notifications.smtp import SmtpNotifier

            SmtpNotifier(
                to=self.channel.to,
                from_email=self.channel.from_email,
                smtp_conn_id=self.channel.connection,
                subject=subject,
                html_content=f"<pre>{html.escape(text)}</pre>",
            ).notify(context)
        else:
            from airflow.providers.http.notifications.http import HttpNotifier

            HttpNotifier(
                http_conn_id=self.channel.connection,
                endpoint=self.channel.endpoint,
                json={"text": f"{subject}\n{text}", **fields},
                headers={"Content-Type": "application/json"},
            ).notify(context)


def _message(fields: dict[str, Any]) -> tuple[str, str]:
    """A subject naming the DAG, the task and the interval, and a text with the error and the run."""
    subject = f"{fields['dag_id']}: {fields['task_id']} failed for {fields['interval']}"
    text = "\n".join(
        [fields["error"], "", f"run {fields['run_id']}, try {fields['try_number']}", f"log: {fields['log_url']}"]
    )
    return subject, text


def _fields(context: Context, timetable: Timetable) -> dict[str, Any]:
    """What a message says: the failed task, its run and interval, the error."""
    ti = context["ti"]
    try:
        interval = str(run_interval(timetable, context["dag_run"]))
    except ValueError as error:
        interval = str(error)
    return {
        "dag_id": ti.dag_id,
        "task_id": ti.task_id,
        "run_id": ti.run_id,
        "try_number": ti.try_number,
        "interval": interval,
        "error": mask(str(context.get("exception") or "unknown error")),
        "log_url": getattr(ti, "log_url", ""),
    }
