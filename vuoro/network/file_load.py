"""Loading a network file (`vuoro loadnetwork`): checked, applied through `network_change`, and
recorded in the audit log in the same transaction: who ran it (the operating-system user, or a
staff member), the file's SHA-256, and what it changed (rows added, changed and removed by
kind, and the bookings moved or cancelled)."""
from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
from collections import Counter

from vuoro.audit.models import AuditEntry
from vuoro.audit.services import audit_record
from vuoro.network.changes import ChangeOutcome, network_change
from vuoro.network.networkfile import NetworkSpec, parse_network
from vuoro.network.services import LoadReport, network_load

OBJECT_TYPE = "network file"  # its id: the file's SHA-256
LISTED_AT_MOST = 1000  # rows named one by one in the entry; the counts have them all


def operator_name() -> str:
    """Who runs the command: the operating-system user, and the one behind sudo when there is one."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):
        name = f"uid {os.getuid()}"
    sudo = os.environ.get("SUDO_USER", "")
    return f"{name} (sudo by {sudo})" if sudo and sudo != name else name


def network_file_load(*, data: bytes, filename: str, now: dt.datetime, confirmed: bool, preview: bool = False,
                      actor=None, operator: str = "") -> tuple[NetworkSpec, ChangeOutcome[LoadReport]]:
    """Parse `data` (UTF-8; NetworkFileError lists its problems) and load it as `network_change`
    does (ChangeNeedsConfirmation when it would move or cancel bookings unconfirmed). A kept load
    is recorded as done by `actor` (a staff user) or, from the command line, by `operator`."""
    # Newlines as reading the file as text gives them; the digest is of the bytes as they are.
    spec = parse_network(data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"), filename=filename)
    digest = hashlib.sha256(data).hexdigest()

    def record(outcome: ChangeOutcome[LoadReport]) -> None:
        report = outcome.result
        fates = Counter(item.outcome for item in outcome.affected)
        audit_record(actor=actor, action=AuditEntry.Action.NETWORK_LOAD, object_type=OBJECT_TYPE, object_id=digest,
                     now=now, reason=f"vuoro loadnetwork {filename}" + (f" by {operator}" if operator else ""),
                     after={"file": filename, "sha256": digest, "operator": operator, "moves_confirmed": confirmed,
                            "changes": report.summary(), "created": report.created[:LISTED_AT_MOST],
                            "updated": report.updated[:LISTED_AT_MOST],
                            "bookings": {"moved": fates["moved"], "cancelled": fates["cancelled"],
                                         "other_desk": fates["desk"]}})

    outcome = network_change(change=lambda: network_load(spec=spec), now=now, confirmed=confirmed, preview=preview,
                             actor=actor, on_applied=record)
    return spec, outcome
