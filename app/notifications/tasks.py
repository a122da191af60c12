"""The worker's email tasks: the scheduler's sweep plans what is due and queues each sending."""

from celery import shared_task

from app.common.time import utcnow
from app.notifications import sending, service


@shared_task(name="notifications.sweep")
def sweep() -> None:
    now = utcnow()
    service.plan_immediate(now)
    service.plan_digests(now)
    for email_id in sending.due(now):
        send.delay(email_id)


@shared_task(name="notifications.send")
def send(email_id: int) -> None:
    sending.send(email_id)
