"""Contact details: what the mailer and the SMS gateway can reach, in one stored form."""
import pytest
from django.core.mail.backends.smtp import EmailBackend
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from vuoro.contact import ContactError, email_normalise, phone_normalise

REFUSED_EMAILS = [
    "victim,x@evil.com",  # two recipients for the mailer
    "a..b@x.co",
    "a.@x.co",
    ".a@x.co",
    "a@x.co.",  # a trailing dot
    '"a b"@x.co',  # a quoted local part
    '"victim@evil.com"@x.co',
    "a@x.co\r\nBcc: victim@evil.com",  # header injection
    "a@x.co\nx",
    "a@b@x.co",
    "name <a@x.co>",
    "a@x",
    "a@[127.0.0.1]",
    "a@localhost",
    "ä@x.fi",  # the SMTP backend cannot send to a non-ASCII local part
    "a@-x.fi",
    "a" * 65 + "@x.fi",
    "a@" + "b" * 250 + ".fi",
    "",
    " ",
]


class TestEmailNormalise:
    @pytest.mark.parametrize("address", REFUSED_EMAILS)
    def test_refuses_what_the_mailer_cannot_send_to(self, address):
        with pytest.raises(ContactError):
            email_normalise(address)

    @pytest.mark.parametrize(("typed", "stored"), [
        (" Person@Example.ORG ", "Person@example.org"),
        ("first.last+tag@sub.example.org", "first.last+tag@sub.example.org"),
        ("a@bücher.de", "a@xn--bcher-kva.de"),  # IDNA: kept as the ASCII form the mailer sends to
        ("a@BÜCHER.de", "a@xn--bcher-kva.de"),
    ])
    def test_keeps_an_address_the_mailer_can_send_to_in_one_form(self, typed, stored):
        assert email_normalise(typed) == stored
        assert EmailBackend.prep_address(None, stored) == stored

    def test_a_non_ascii_local_part_gets_its_own_message_in_each_language(self):
        for language, words in [("fi", "ennen @-merkkiä"), ("sv", "före @-tecknet"), ("en", "before the @ sign")]:
            with translation.override(language):
                with pytest.raises(ContactError) as refused:
                    email_normalise("äiti@example.org")
                assert words in str(refused.value.message)


    @settings(max_examples=400, deadline=None)
    @given(st.one_of(st.emails(), st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
                     st.from_regex(r"[a-zA-Z0-9.,_+\-\"\\ @\r\n<>\[\]ä]{1,30}@[a-zA-Z0-9.\-ü]{1,20}", fullmatch=True)))
    def test_whatever_it_accepts_the_smtp_backend_sends_to_as_it_is(self, typed):
        try:
            stored = email_normalise(typed)
        except ContactError:
            return
        assert EmailBackend.prep_address(None, stored) == stored
        assert email_normalise(stored) == stored  # one stored form


class TestPhoneNormalise:
    @pytest.mark.parametrize(("typed", "stored"), [
        ("040 123 4567", "+358401234567"),
        ("0401234567", "+358401234567"),
        ("+358 40 123 4567", "+358401234567"),
        ("(040) 123-4567", "+358401234567"),
        ("+46 70 123 45 67", "+46701234567"),
        ("", ""),
        ("  ", ""),
    ])
    def test_normalises_to_e164_reading_numbers_without_a_country_code_as_finnish(self, typed, stored):
        assert phone_normalise(typed) == stored

    @pytest.mark.parametrize("typed", ["call me", "12345", "040-CALLME", "+358 40\n123 4567", "+999 123 456 789",
                                       "++358401234567", "040 123 4567 890 123"])
    def test_refuses_what_is_not_a_number(self, typed):
        with pytest.raises(ContactError):
            phone_normalise(typed)

    def test_refuses_a_landline_that_no_text_message_reaches(self):
        with translation.override("fi"):
            with pytest.raises(ContactError) as refused:
                phone_normalise("09 1234 567")
            assert "ei ole matkapuhelinnumero" in str(refused.value.message)

