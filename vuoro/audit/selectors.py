"""Reading the audit log."""
from __future__ import annotations

from django.db.models import QuerySet

from vuoro.audit.models import AuditEntry


def audit_list(*, object_type: str, object_id) -> QuerySet[AuditEntry]:
    """The entries of one object, newest first, with who acted."""
    return AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id)).select_related("actor")
