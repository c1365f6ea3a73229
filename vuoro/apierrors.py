"""One error shape for every API answer: {"error": code, "detail": text[, "fields": {...}]}."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import JsonResponse
from ninja import Field, Schema
from pydantic import model_validator

from vuoro.scheduling.refusal import REASONS


class ApiError(Exception):
    """Raised by API handlers; rendered as docs/api.md's error body with the given status."""

    def __init__(self, status: int, code: str, detail: str, *, fields: dict | None = None,
                 headers: dict | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail, self.fields, self.headers = status, code, detail, fields, headers


def error_response(request, status: int, code: str, detail: str, *, fields: dict | None = None,
                   headers: dict | None = None) -> JsonResponse:
    body = {"error": code, "detail": detail}
    if fields is not None:
        body["fields"] = fields
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def validation_fields(errors: list[dict]) -> dict[str, list[str]]:
    """pydantic/ninja error list → {"field.path": [messages]} (the location's request part dropped)."""
    fields: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "header", "payload")]
        name = ".".join(loc) or "body"
        fields.setdefault(name, []).append(str(error.get("msg", "invalid")))
    return fields


def _has_nul(value) -> bool:
    value = getattr(value, "_obj", value)  # ninja hands validators its DjangoGetter wrapper
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class InputSchema(Schema):
    """A request body: text holding a NUL character is refused (422) before it reaches the database,
    which (PostgreSQL) cannot store it."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data):
        if _has_nul(data):
            raise ValueError("text must not contain NUL characters")
        return data


class DomainError(Exception):
    """A refusal by a domain service: `code` is the API's error code, `detail` the text for people."""

    code = "error"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


# The error answers in the OpenAPI document (kept apart from the handlers above) ------------------

class ErrorOut(Schema):
    """Every error answer of the API: `fields` only with 422 (each field's messages); `reason` only
    with 409 `slot_unavailable` (why the start is not offered, an extension)."""

    error: str
    detail: str
    fields: dict[str, list[str]] | None = None
    reason: str | None = Field(None, description="Extension, with 409 `slot_unavailable` only: why the start is not "
                                                 "offered, one of " + ", ".join(f"`{r}`" for r in REASONS) + ".")


# Any operation may answer these: 503 when the database cannot be reached (with Retry-After), 429
# when a per-client limit is reached (with Retry-After).
ALWAYS_ANSWERED = (429, 503)
# An operation that takes input (a body, a query, a header or a path parameter) may also answer 400
# (a body that cannot be read as JSON) and 422 (a missing or invalid field).
INPUT_ANSWERED = (400, 413, 422)


def error_answers(*statuses: int, takes_input: bool = True) -> dict[int, type[ErrorOut]]:
    """The `response=` entries for an operation's error answers, each with the error shape:
    `statuses` (404, 409, ...), the ones any operation may give and, unless `takes_input` is False,
    those of unreadable or invalid input. Used as `response={200: ThingOut, **error_answers(404)}`;
    the contract test (tests/test_api_contract.py) fails on any answer the document does not declare."""
    codes = set(statuses) | set(ALWAYS_ANSWERED) | (set(INPUT_ANSWERED) if takes_input else set())
    return {status: ErrorOut for status in sorted(codes)}


# --- Requests that never reach a handler: too big, unreadable, unknown path, wrong method ------------------------

API_PREFIX = "/api/"  # every answer under it is in the error shape (vuoro.unavailable, vuoro.limits too)
# Status → code for an answer under the API that Django or ninja made in HTML or plain text.
SHAPED_CODES = {400: "bad_request", 404: "not_found", 405: "not_allowed", 413: "too_large"}
SHAPED_DETAILS = {
    400: "The request could not be read.",
    404: "No such resource.",
    405: "This method is not allowed here; the Allow header lists those that are.",
    413: "The request body is too large.",
}
KEPT_HEADERS = ("Allow", "Retry-After")


def too_large_response(request, exc=None) -> JsonResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413, DEBUG on or off (ninja alone answers 500 or an HTML 400)."""
    return error_response(request, 413, "too_large",
                          f"The request body is too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")


def bad_request_response(request, exc=None) -> JsonResponse:
    """Any other request Django refuses to read (SuspiciousOperation: too many fields, ...): 400."""
    return error_response(request, 400, "bad_request", "The request could not be read.")


def add_request_error_handlers(api) -> None:
    """Registers the handlers above on a NinjaAPI (ninja picks the most specific exception class)."""
    api.add_exception_handler(RequestDataTooBig, too_large_response)
    api.add_exception_handler(SuspiciousOperation, bad_request_response)


def _is_json(response) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() == "application/json"


class ApiErrorShapeMiddleware:
    """Under the API, a 400, 404, 405 or 413 that Django or ninja answered in HTML or plain text
    (an unknown path, a wrong method, an unreadable request) is answered in docs/api.md's error shape;
    a 405 keeps its Allow header. Listed before DatabaseUnavailableMiddleware, so it sees its answers too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        if status not in SHAPED_CODES or not request.path_info.startswith(API_PREFIX) or _is_json(response):
            return response
        return error_response(request, status, SHAPED_CODES[status], SHAPED_DETAILS[status],
                              headers={name: response[name] for name in KEPT_HEADERS if response.has_header(name)})
