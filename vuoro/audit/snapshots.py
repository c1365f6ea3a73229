"""An object's state as the audit log keeps it: its fields as JSON, secrets and contact details masked.

Masking is by field name, so a model added later (a sign-in device's key, a token) is masked
without its author remembering: passwords and their hashes, keys, tokens, secrets, PINs and
the customer's contact details (which the retention purge must be able to clear, and an
append-only log never could). A masked field still shows that it changed.
"""
from __future__ import annotations

import json
import re
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

MASK = "[masked]"
MASKED_NAME = re.compile(
    r"password|passwd|secret|token|(^|_)key$|hash|(^|_)pin($|_)|(^|_)otp|seed|session_data|customer_|email_key|email_shape|phone",
    re.IGNORECASE)


def masked(name: str) -> bool:
    """Whether a field's value never enters the audit log (only the fact that it changed)."""
    return bool(MASKED_NAME.search(name))


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, default=str))


def _rows(queryset) -> list[dict]:
    return [object_fields(row) for row in queryset.order_by("pk")]


def object_fields(obj: models.Model) -> dict[str, Any]:
    """The object's concrete fields (a foreign key as its id) and many-to-many fields (as the
    related objects' names, sorted), as JSON values. Not masked: `mask` does that on the way out."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if isinstance(field, models.BinaryField):
            continue
        data[field.attname] = _jsonable(field.value_from_object(obj))
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            data[field.name] = sorted(str(related) for related in getattr(obj, field.name).all())
    return data


def object_snapshot(obj: models.Model, *, children: dict[str, models.QuerySet] | None = None) -> dict[str, Any]:
    """`object_fields`, and the rows edited with it on the same page (inlines), under
    "<app>.<model>" keys, each a list of rows in primary-key order."""
    data = object_fields(obj)
    for label, queryset in (children or {}).items():
        data[label] = _rows(queryset)
    return data


def mask(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The snapshot with every masked field's value replaced (inline rows too)."""
    if data is None:
        return None
    out: dict[str, Any] = {}
    for name, value in data.items():
        if masked(name):
            out[name] = MASK
        elif isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
            out[name] = [mask(row) for row in value]
        else:
            out[name] = value
    return out


def snapshot_diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict | None, dict | None]:
    """Before and after of what changed only (all of it for an addition or a deletion), masked."""
    if before is None or after is None:
        return mask(before), mask(after)
    names = [name for name in {**before, **after} if before.get(name) != after.get(name)]
    return (mask({name: before.get(name) for name in names}), mask({name: after.get(name) for name in names}))
