"""A real SMTP server for email tests (aiosmtpd) on 127.0.0.1, keeping each message it accepts."""

import contextlib
import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


class Mailbox:
    """What the server accepted: each message parsed, with its envelope recipients."""

    def __init__(self):
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append({"message": message, "to": list(envelope.rcpt_tos), "from": envelope.mail_from})
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"{len(self.messages)} of {count} emails arrived within {timeout} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_server(port: int | None = None):
    """A running SMTP server; yields (mailbox, port)."""
    mailbox, port = Mailbox(), port or free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def parts(message) -> tuple[str, str]:
    """The plain text and the HTML of a message."""
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
