"""The check-in QR code: the reservation key, as an inline SVG image (made with segno)."""
import segno
from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def booking_qr(reservation_key: str, scale: int = 5):
    """An <img> whose QR code holds the reservation key, for the kiosk's reader."""
    # A full QR code: segno.make would pick a Micro QR for a short key, which phones and many readers skip.
    uri = segno.make_qr(reservation_key, error="m").svg_data_uri(scale=scale)
    return format_html('<img class="qr" src="{}" alt="{}">', uri,
                       _("QR code for checking in: reservation key %(key)s") % {"key": reservation_key})
