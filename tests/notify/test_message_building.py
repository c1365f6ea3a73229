"""How a booking's e-mail is built quickly without changing what it says: the check-in QR code
drawn with a fixed data mask, and the MIME headers parsed and folded once where every e-mail
repeats them."""
import datetime as dt
import email.policy
import struct
import zlib

import pytest
import segno

from tests.booking.conftest import at
from vuoro.booking.messages import QR_MASK, booking_email, qr_png
from vuoro.booking.models import Booking

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def png_pixels(png: bytes) -> list[list[int]]:
    """The rows of a 1-bit greyscale PNG as 0 (black) and 1 (white); filters None and Up only."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    assert (depth, colour) == (1, 0)
    data, at_ = b"", 8
    while at_ < len(png):
        length, kind = struct.unpack(">I4s", png[at_:at_ + 8])
        if kind == b"IDAT":
            data += png[at_ + 8:at_ + 8 + length]
        at_ += 12 + length
    raw, stride = zlib.decompress(data), 1 + (width + 7) // 8
    rows, previous = [], bytes(stride - 1)
    for y in range(height):
        kind, line = raw[y * stride], raw[y * stride + 1:(y + 1) * stride]
        assert kind in (0, 2)
        line = bytes((a + b) & 0xFF for a, b in zip(line, previous, strict=True)) if kind == 2 else line
        rows.append([(line[x // 8] >> (7 - x % 8)) & 1 for x in range(width)])
        previous = line
    return rows


class TestTheCheckInQrCode:
    def test_is_the_full_qr_code_of_the_key_five_pixels_a_module_with_its_quiet_zone(self):
        key = "CS7CKSMYCC"
        code = segno.make_qr(key, error="m", mask=QR_MASK)
        assert not code.is_micro and code.version == 1 and code.mask == QR_MASK
        pixels = png_pixels(qr_png(key))
        assert len(pixels) == len(pixels[0]) == 145
        modules = [[1 - pixels[5 * row + 2][5 * col + 2] for col in range(29)] for row in range(29)]
        quiet = [0] * 29
        assert modules[:4] == modules[-4:] == [quiet] * 4
        assert [row[4:25] for row in modules[4:25]] == [list(row) for row in code.matrix]

    def test_every_key_gets_the_same_mask_and_its_own_code(self):
        assert segno.make_qr("A" * 10, error="m", mask=QR_MASK).mask == QR_MASK
        assert qr_png("AAAAAAAAAA") != qr_png("BBBBBBBBBB")


@pytest.mark.django_db
class TestTheMimeHeaders:
    @pytest.fixture
    def two_emails(self, client, smoke_network, wednesday, django_capture_on_commit_callbacks):
        from tests.booking.conftest import booking_body

        keys = []
        for person, language in (("first", "fi"), ("second", "sv")):
            with django_capture_on_commit_callbacks(execute=True):
                body = booking_body(at(wednesday, 9, 20), language=language, email=f"{person}@example.org")
                keys.append(client.post("/api/v1/bookings", body, content_type="application/json")
                            .json()["reservation_key"])
        return [booking_email(booking_id=Booking.objects.get(reservation_key=key).pk, event="confirmed", now=NOW)
                for key in keys]

    def test_every_header_is_written_as_the_standard_registry_writes_it(self, two_emails):
        smtp = email.policy.SMTP
        two_emails[0].message().as_bytes()  # the shared headers folded once with "\n" line ends first
        for message in two_emails:
            data = message.message(policy=smtp).as_bytes()  # sets the boundaries, folds each header
            parsed = email.message_from_bytes(data, policy=smtp)
            for part in parsed.walk():
                for name, value in part.items():
                    standard = smtp.header_factory(name, str(value)).fold(policy=smtp).encode()
                    assert standard in data, standard

    def test_a_header_shared_by_two_emails_is_written_alike_in_both(self, two_emails):
        first, second = (message.message(policy=email.policy.SMTP) for message in two_emails)
        assert first["MIME-Version"] is second["MIME-Version"]  # parsed once
        assert first.as_bytes().count(b"MIME-Version: 1.0\r\n") == second.as_bytes().count(b"MIME-Version: 1.0\r\n")

    def test_each_multipart_has_its_own_boundary_that_no_part_contains(self, two_emails):
        boundaries = []
        for message in two_emails:
            mime = message.message(policy=email.policy.SMTP)
            data = mime.as_bytes()
            for part in mime.walk():
                if part.is_multipart():
                    boundary = part.get_boundary()
                    boundaries.append(boundary)
                    # Only the delimiter lines of its own multipart carry it.
                    assert data.count(f"--{boundary}".encode()) == len(part.get_payload()) + 1
            assert [p.get_content_type() for p in email.message_from_bytes(data, policy=email.policy.SMTP).walk()] \
                == [p.get_content_type() for p in mime.walk()]
        assert len(set(boundaries)) == len(boundaries) == 6
