"""The v1 API, assembled from each app's router; errors follow docs/api.md's one shape."""
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from vuoro.apierrors import ApiError, add_request_error_handlers, error_response, validation_fields
from vuoro.booking.api import router as booking_router
from vuoro.booking.rush_api import router as rush_router
from vuoro.booking.waitlist_api import router as waitlist_router
from vuoro.guidance.api import router as guidance_router
from vuoro.insights.api import router as insights_router
from vuoro.network.api import router as network_router
from vuoro.unavailable import DATABASE_ERRORS, unavailable_response
from vuoro.walkin.api import router as walkin_router
from vuoro.walkin.api import staff_router

api = NinjaAPI(
    title="vuoro",
    version="1",
    description="Booking and walk-in queues for a public agency's service points. "
                "Errors are `{\"error\": code, \"detail\": text}`; 422 adds `fields`.",
    urls_namespace="api-v1",
)
api.add_router("", network_router)
api.add_router("", booking_router)
api.add_router("", rush_router)
api.add_router("", waitlist_router)
api.add_router("", walkin_router)
api.add_router("", staff_router)
api.add_router("", guidance_router)
api.add_router("", insights_router)
add_request_error_handlers(api)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return error_response(request, exc.status, exc.code, exc.detail, fields=exc.fields, headers=exc.headers)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    fields = validation_fields(exc.errors)
    return error_response(request, 422, "invalid", "The request has invalid or missing fields.", fields=fields)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, 404, "not_found", "No such resource.")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return error_response(request, 401, "unauthenticated", "Log in as staff first.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    code = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "not_allowed",
            409: "conflict", 429: "too_many_requests"}.get(exc.status_code, "error")
    return error_response(request, exc.status_code, code, str(exc))


def _database_unavailable(request, exc):
    return unavailable_response(request)


for _error in DATABASE_ERRORS:
    api.add_exception_handler(_error, _database_unavailable)
