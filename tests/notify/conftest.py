"""A real SMTP server in the test process (aiosmtpd), and Django's SMTP backend pointed at it."""
import asyncio
import email
import socket
from email.message import Message

import pytest
from aiosmtpd.controller import Controller


class Recorder:
    """Keeps what arrives; refuses (550) the addresses in `refuse`, stalls those in `stall` once."""

    def __init__(self):
        self.messages: list[Message] = []
        self.refuse: set[str] = set()
        self.stall: set[str] = set()
        self.stall_seconds = 5.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        if address in self.stall:
            self.stall.discard(address)  # once: a later try goes through
            await asyncio.sleep(self.stall_seconds)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def use(self, settings, timeout: float) -> None:
        """Sends the test's e-mail here, waiting `timeout` seconds at most for an answer."""
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {
            "host": "127.0.0.1", "port": self.port, "use_tls": False, "timeout": timeout}}}

    def recipients(self) -> list[str]:
        return [m["X-Envelope-To"] for m in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """An SMTP server on a free loopback port that every e-mail of the test goes through."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    recorder.port = controller.port
    recorder.use(settings, timeout=10.0)  # a server that answers is never taken for a stalled one on a slow machine
    yield recorder
    controller.stop()
