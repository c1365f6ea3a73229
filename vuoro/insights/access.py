"""The analyst's one door: the insight pages. An analyst (the analyst role and no other, not a
superuser) reads /staff/insight/ and its CSV, which hold no personal data; every other staff page,
the staff API and the back office answer 403, whatever permissions the account was given by hand.
Signing in and out, the second factor and changing one's own password stay open."""
from __future__ import annotations

from django.shortcuts import render

from vuoro.apierrors import error_response
from vuoro.network.roles import ANALYST
from vuoro.staffauth.policy import is_api_path, is_staff_path

ANALYST_PATHS = ("/staff/insight/", "/admin/password_change/")


def is_analyst_only(user) -> bool:
    """True for a signed-in member of staff whose only role is the analyst's."""
    if not user.is_authenticated or user.is_superuser:
        return False
    return set(user.groups.values_list("name", flat=True)) == {ANALYST}


class AnalystScopeMiddleware:
    """Refuses an analyst every staff address but the insight pages (settings.MIDDLEWARE, after the
    second factor: an analyst who must show a code is asked for it first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if (is_staff_path(path) and not path.startswith(ANALYST_PATHS) and request.user.is_authenticated
                and is_analyst_only(request.user)):
            if is_api_path(path):
                return error_response(request, 403, "forbidden", "Analysts read the insight pages only.")
            return render(request, "insights/analyst_refused.html", status=403)
        return self.get_response(request)
