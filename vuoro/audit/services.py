"""Writing the audit log: one entry per act, in the act's own transaction."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from vuoro.audit.models import AuditEntry


def audit_record(*, actor, action: str, object_type: str, object_id: Any, now: dt.datetime,
                 service_point_id: str = "", reason: str = "", before: dict | None = None,
                 after: dict | None = None) -> AuditEntry:
    """Record an act. Call it inside the act's transaction (it refuses to run outside one), so
    the entry commits with the act or not at all. `actor` is the staff user, or None for the system."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record belongs inside the act's own transaction")
    return AuditEntry.objects.create(
        at=now, actor=actor if actor is not None and actor.is_authenticated else None, action=action,
        object_type=object_type, object_id=str(object_id), service_point_id=service_point_id or "",
        reason=reason.strip(), before=before, after=after)
