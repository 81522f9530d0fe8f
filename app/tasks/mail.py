"""RQ jobs that send email: an invite's link (`app.services.invite_mail`)."""

from __future__ import annotations

from rq import get_current_job

from app.extensions import db
from app.services import invite_mail
from app.tasks.sending import job_app_context


def send_invite_email(invite_id: int) -> None:
    """Email an invite's link; raising leaves RQ's Retry to try again later."""
    job = get_current_job()
    last_try = job is None or not job.retries_left
    with job_app_context():
        try:
            invite_mail.send(invite_id, last_try)
        finally:
            db.session.remove()  # no transaction left open between jobs
