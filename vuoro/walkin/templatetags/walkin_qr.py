"""A QR code of an address (a queue number's live page, the booking pages) as an inline SVG image."""
import segno
from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def address_qr(address: str, alt: str, scale: int = 4):
    """An <img> whose QR code holds `address`; a full QR code (phones skip Micro QR)."""
    return format_html('<img class="qr" src="{}" alt="{}">', segno.make_qr(address, error="m").svg_data_uri(
        scale=scale), alt)
