"""Staff sign-in pages: the second factor (code, first enrolment) and the lock-out page."""
from __future__ import annotations

import math
from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from vuoro.staffauth.forms import TokenForm
from vuoro.staffauth.services import totp_device_confirm, totp_device_pending

DEFAULT_NEXT = "/admin/"


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return DEFAULT_NEXT


def _with_next(name: str, target: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': target})}"


def _signed_in(request, device) -> None:
    django_otp.login(request, device)
    request.session.cycle_key()  # a new session id for the raised privilege


def verify(request):
    """After the password: a code from the staff member's authenticator app."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    target = _next(request)
    if request.user.is_verified():
        return redirect(target)
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).order_by("pk").first()
    if device is None:
        return redirect(_with_next("staffauth:enrol", target))
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        allowed, throttle = device.verify_is_allowed()
        if allowed and django_otp.verify_token(request.user, device.persistent_id, form.cleaned_data["token"]):
            _signed_in(request, device)
            return redirect(target)
        if not allowed:
            form.add_error("token", _throttled_text(throttle))
            status = 429
        else:
            form.add_error("token", _("That code is not right. Enter the code your app shows now."))
    return render(request, "staffauth/verify.html", {"form": form, "next": target}, status=status)


def enrol(request):
    """The first time: the staff member adds vuoro to their authenticator app (QR code or the secret
    typed in) and confirms with the first code it shows."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    target = _next(request)
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        # Replacing a second factor takes an administrator (or `vuoro resettwofactor`): a password
        # alone must not be enough to swap in the attacker's phone.
        return redirect(_with_next("staffauth:verify", target))
    device = totp_device_pending(user=request.user)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        allowed, throttle = device.verify_is_allowed()
        if allowed and totp_device_confirm(device=device, token=form.cleaned_data["token"]):
            device.refresh_from_db()
            _signed_in(request, device)
            messages.success(request, _("Your second factor is set up. From now on, sign in with your password "
                                        "and a code from your authenticator app."))
            return redirect(target)
        if not allowed:
            form.add_error("token", _throttled_text(throttle))
            status = 429
        else:
            form.add_error("token", _("That code is not right. Check that the app shows vuoro's code and "
                                      "enter the code it shows now."))
    secret = b32encode(device.bin_key).decode()
    return render(request, "staffauth/enrol.html", {
        "form": form, "next": target,
        "qr_uri": segno.make_qr(device.config_url, error="m").svg_data_uri(scale=5),
        "secret_groups": [secret[i:i + 4] for i in range(0, len(secret), 4)],
    }, status=status)


def _throttled_text(throttle: dict | None) -> str:
    locked_until = (throttle or {}).get("locked_until")
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds())) if locked_until else 1
    return _("Too many wrong codes. Wait %(seconds)s seconds, then enter the code your app shows.") % {
        "seconds": seconds}


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer once a username has failed too often from one address (429)."""
    minutes = settings.SIGNIN_COOLOFF_MINUTES
    response = render(request, "staffauth/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
