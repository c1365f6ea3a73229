"""A change to the network, with what it does to the apps above it (bookings) asked first.

The network knows no bookings (arrows point down), so the apps that hold things placed on the
network register a *guard* here (booking does, in its AppConfig.ready). `network_change` runs
a change in a transaction and asks every guard what it would leave without a desk; it keeps
the change only when nothing is hit or the caller confirmed, and then lets each guard mend
what it hit (move or cancel), in the same transaction.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from django.db import OperationalError, transaction

from vuoro.network.state import NetworkState, network_state


@dataclass(frozen=True)
class Affected:
    """One thing a change leaves without its place, and what is (or would be) done about it."""

    label: str  # e.g. a reservation key
    point_id: str
    local_start: dt.datetime  # in the point's zone
    outcome: str  # "desk": same time, another desk; "moved"; "cancelled"
    new_local_start: dt.datetime | None = None

    @property
    def stranded(self) -> bool:
        """Whether the change touches this one's time (a new desk at the same time is not felt)."""
        return self.outcome != "desk"


class ChangePlan(Protocol):
    affected: list[Affected]

    def apply(self, *, actor) -> list[Affected]:
        """Move or cancel what `affected` lists, as done by `actor` (a staff user, None for the
        system); return what was done."""


class ChangeGuard(Protocol):
    def __call__(self, *, before: NetworkState, after: NetworkState, now: dt.datetime) -> ChangePlan:
        """What the change from `before` to `after` (written, its transaction open) hits, and
        how it would be mended; whatever the plan rests on stays locked until the transaction ends."""


_guards: list[ChangeGuard] = []


def change_guard_register(guard: ChangeGuard) -> None:
    if guard not in _guards:
        _guards.append(guard)


@dataclass
class ChangeOutcome[T]:
    result: T | None
    affected: list[Affected] = field(default_factory=list)
    applied: bool = False

    @property
    def stranded(self) -> list[Affected]:
        return [item for item in self.affected if item.stranded]


RACE_RETRIES = 3


class ChangeNeedsConfirmation(Exception):
    """The change would move or cancel what `affected` lists; nothing was written."""

    def __init__(self, affected: list[Affected]):
        self.affected = affected
        super().__init__(f"{len(affected)} affected")


class _Rollback(Exception):
    pass


def network_change[T](*, change: Callable[[], T], now: dt.datetime, confirmed: bool, preview: bool = False,
                      actor=None, on_applied: Callable[[ChangeOutcome[T]], None] | None = None) -> ChangeOutcome[T]:
    """Run `change` (writes to the network) and keep it only if it strands nothing, or if
    `confirmed`: then the guards move or cancel what it hits, in the same transaction, as done
    by `actor` (the staff user making the change; None for the system).

    With `preview` nothing is kept, and the outcome lists what the change would hit. Without
    confirmation a change that would move or cancel something raises ChangeNeedsConfirmation,
    and nothing is written. `on_applied` is called with the outcome of a kept change, still in
    its transaction (to write the audit log).
    """
    for attempt in range(RACE_RETRIES):
        outcome: ChangeOutcome[T] = ChangeOutcome(result=None)
        try:
            with transaction.atomic():
                before = network_state()
                outcome.result = change()
                after = network_state()
                plans = [guard(before=before, after=after, now=now) for guard in _guards]
                outcome.affected = [item for plan in plans for item in plan.affected]
                if preview:
                    raise _Rollback
                if outcome.stranded and not confirmed:
                    raise ChangeNeedsConfirmation(outcome.affected)
                outcome.affected = [item for plan in plans for item in plan.apply(actor=actor)]
                outcome.applied = True
                if on_applied is not None:
                    on_applied(outcome)
        except _Rollback:
            pass
        except OperationalError as error:
            # A customer's cancel or move locks its booking, then its day; a change locks the days,
            # then the bookings: PostgreSQL may break such a deadlock by undoing the change. Again.
            if getattr(error.__cause__, "sqlstate", None) not in {"40P01", "40001"} or attempt == RACE_RETRIES - 1:
                raise
            continue
        return outcome
    raise AssertionError("unreachable")  # pragma: no cover
