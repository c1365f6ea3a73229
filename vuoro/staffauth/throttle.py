"""django-axes sees the client as the rest of vuoro does (vuoro.booking.guards.client_address:
X-Forwarded-For only from VUORO_TRUSTED_PROXIES, an IPv6 client as its /64)."""
from __future__ import annotations

import ipaddress

from vuoro.booking.guards import client_address


def client_ip(request) -> str | None:
    """The client's address for AXES_CLIENT_IP_CALLABLE. axes stores an IP address, so an IPv6
    client's /64 becomes the network's first address (every address of the /64 counts as one);
    None when there is no address to tell (a request made inside the process, as a test's sign-in)."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_network(address, strict=False).network_address)
    except ValueError:
        return None
