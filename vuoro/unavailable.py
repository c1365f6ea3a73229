"""When the database cannot be reached: 503 with Retry-After, never a bare 500.

A restart or a crash of PostgreSQL, connections cut by the server, or a connection pool with no
free connection within its timeout all surface as OperationalError or InterfaceError. The API
answers its JSON error shape ("unavailable"); pages answer a short page in the visitor's language.
Either way the client is told to try again in a few seconds.
"""
from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

from vuoro.apierrors import API_PREFIX, error_response

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5

logger = logging.getLogger("vuoro.unavailable")


def unavailable_response(request) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        response = error_response(request, 503, "unavailable",
                                  "The service is briefly unavailable; try again in a few seconds.")
    else:
        response = HttpResponse(render_to_string("503.html", request=request), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Turns a lost database, raised by a view, into 503 (pages and, with DEBUG off, the API)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
            return unavailable_response(request)
        return None


def server_error(request, template_name: str = defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: a lost database raised outside a view is 503 too; the API keeps its error shape."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        return unavailable_response(request)
    if request.path.startswith(API_PREFIX):
        return error_response(request, 500, "error", "Something went wrong on our side; please try again.")
    return defaults.server_error(request, template_name)
