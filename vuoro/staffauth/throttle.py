"""django-axes sees the client as the rest of vuoro does (vuoro.booking.guards.client_address,
which knows the trusted proxies)."""
from __future__ import annotations

import ipaddress

from vuoro.booking.guards import client_address


def client_ip(request) -> str | None:
    """The client's address for AXES_CLIENT_IP_CALLABLE; None when there is none to tell (a request
    made inside the process, as a test client's sign-in is): axes stores addresses as IP fields."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
