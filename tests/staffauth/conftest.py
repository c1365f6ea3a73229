"""Staff of each role, with a password, and their authenticator apps (TOTP devices) with codes
computed as the app would."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from vuoro.network.roles import ADMINISTRATOR, CLERK, MANAGER, ensure_staff_groups

PASSWORD = "staff-sign-in-secret-1"


def staff_member(username: str, role: str | None = None, *, superuser: bool = False) -> User:
    ensure_staff_groups()
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True, is_superuser=superuser)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def app_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the staff member's app shows now (or `steps_ahead` time steps later)."""
    device.refresh_from_db()
    code = totp(device.bin_key, step=device.step, t0=device.t0 - steps_ahead * device.step, digits=device.digits)
    return f"{code:0{device.digits}d}"


def enrolled(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


@pytest.fixture
def require_2fa(settings):
    settings.REQUIRE_2FA = True
    return settings


@pytest.fixture
def superuser():
    return staff_member("root", superuser=True)


@pytest.fixture
def administrator():
    return staff_member("admin", ADMINISTRATOR)


@pytest.fixture
def manager():
    return staff_member("manager", MANAGER)


@pytest.fixture
def clerk():
    return staff_member("clerk", CLERK)


@pytest.fixture
def client():
    """A browser that asks for English (the site's default is Finnish); a test may ask otherwise."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")
