"""Bookings: a customer's appointment on one desk, with its reservation key and hashed PIN."""
from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vuoro.network.models import Desk, Pool, Service, ServicePoint

MAX_PERSONS = 6  # a family appointment covers up to six people


class Booking(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        CHECKED_IN = "checked_in", _("checked in")
        CALLED = "called", _("called")
        IN_SERVICE = "in_service", _("being served")
        DONE = "done", _("served")
        NO_SHOW = "no_show", _("did not come")
        CANCELLED = "cancelled", _("cancelled")
        # Kept for one customer until `held_until` (e.g. a waitlist offer): it occupies its desk
        # like a live booking, but is no visit: never reminded, checked in or marked absent.
        HELD = "held", _("held")

    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        DESK = "desk", _("at a desk")

    # Unique by a constraint in Meta rather than unique=True, which on PostgreSQL would add a
    # second index (for LIKE) that no query uses and every booking written must update.
    reservation_key = models.CharField(_("reservation key"), max_length=10)
    pin_hash = models.CharField(_("PIN (hashed)"), max_length=128)
    # No single-column indexes on service_point, desk or email_key: the composite indexes in Meta
    # begin with them and serve the same lookups, and every booking written updates fewer indexes.
    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="bookings",
                                      verbose_name=_("service point"), db_index=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("service"))
    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("desk"),
                             db_index=False)
    start_at = models.DateTimeField(_("starts"))
    end_at = models.DateTimeField(_("ends"))
    local_date = models.DateField(_("date"))  # the start's date in the point's zone: the unit of day queries
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CONFIRMED)
    persons = models.PositiveSmallIntegerField(_("persons"), default=1)
    language = models.CharField(_("language"), max_length=2, default="fi")
    customer_name = models.CharField(_("name"), max_length=200)
    customer_email = models.EmailField(_("e-mail"), max_length=254)
    # The person key of the address (vuoro.contact.email_key).
    email_key = models.CharField(_("person key of the e-mail address"), max_length=254)
    customer_phone = models.CharField(_("phone"), max_length=32, blank=True)  # E.164: also a person key
    # For staff's look-out for hoarding (vuoro.booking.hoarding), cleared with the contact details:
    # the name and the address folded for look-alikes, and a keyed hash of the client's address
    # (never the address itself).
    name_key = models.CharField(_("name, folded"), max_length=200, blank=True, default="")
    email_shape = models.CharField(_("e-mail address, folded"), max_length=254, blank=True, default="")
    client_key = models.CharField(_("client (keyed hash)"), max_length=32, blank=True, default="")
    channel = models.CharField(_("booked"), max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    created_at = models.DateTimeField(_("booked at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Why the agency cancelled it, as the customer is told ("" = not the agency, or a closure).
    cancelled_because = models.CharField(_("cancelled because"), max_length=16, blank=True, default="",
                                         choices=[("resold", _("made to be resold")),
                                                  ("unconfirmed", _("e-mail address not confirmed in time"))])
    rescheduled_count = models.PositiveSmallIntegerField(_("times moved"), default=0)
    # The visit itself, each step timestamped (see vuoro.walkin).
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("service finished at"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("marked absent at"), null=True, blank=True)
    served_at_desk = models.ForeignKey(Desk, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                       verbose_name=_("served at desk"), db_index=False)  # indexed where set: Meta
    outcome = models.CharField(_("outcome"), max_length=24, blank=True)
    # A held booking's end of hold and why it is held (HOLD_REASONS); empty for the rest.
    held_until = models.DateTimeField(_("held until"), null=True, blank=True)
    hold_reason = models.CharField(_("held for"), max_length=16, blank=True, default="")

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start_at"]
        indexes = [
            models.Index(fields=["service_point", "local_date"], name="booking_point_day"),
            models.Index(fields=["email_key", "service"], name="booking_email_service"),
            # The limits per person. Only where there is a phone: the caps' check asks for a phone
            # only when it has one, and a generic plan (vuoro.prepared) then reads this index whatever
            # share of bookings has none (over a plain one, with most bookings without a phone,
            # PostgreSQL planned the booking's statement anew every time, fearing a scan).
            models.Index(fields=["customer_phone"], condition=~Q(customer_phone=""), name="booking_phone_set"),
            models.Index(fields=["desk", "start_at"], name="booking_desk_start"),
            # Set only once a visit is served: a new booking updates no index for it.
            models.Index(fields=["served_at_desk"], condition=Q(served_at_desk__isnull=False),
                         name="booking_served_desk"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reservation_key"], name="booking_reservation_key_unique"),
            models.CheckConstraint(condition=Q(end_at__gt=F("start_at")), name="booking_ends_after_start"),
            models.CheckConstraint(condition=Q(persons__gte=1, persons__lte=MAX_PERSONS), name="booking_persons_1_6"),
            models.CheckConstraint(condition=Q(status="held", held_until__isnull=False) | ~Q(status="held"),
                                   name="booking_held_has_end"),
            # On PostgreSQL an exclusion constraint, on SQLite triggers, refuse two live bookings
            # overlapping on one desk (migration 0002).
        ]

    def __str__(self) -> str:
        """The key, the point and the start in the point's own time (the back office's titles)."""
        if self.start_at is None:
            return self.reservation_key
        start = self.start_at.astimezone(self.service_point_zone)
        return f"{self.reservation_key} {self.service_point_id} {start:%Y-%m-%d %H:%M}"

    @property
    def service_point_zone(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.service_point.timezone)

    @property
    def is_live(self) -> bool:
        return self.status != self.Status.CANCELLED

    @property
    def awaits_email_confirmation(self) -> bool:
        """Held until its new e-mail address is confirmed by link (vuoro.booking.email_confirm):
        its address and phone are unconfirmed, so it is written to by e-mail only."""
        return self.status == self.Status.HELD and self.hold_reason == HOLD_CONFIRM_EMAIL


HOLD_WAITLIST = "waitlist"  # a waitlist offer (vuoro.booking.waitlist)
HOLD_CONFIRM_EMAIL = "confirm_email"  # a new e-mail address to confirm by link (vuoro.booking.email_confirm)


class ConfirmedEmail(models.Model):
    """An e-mail address (its person key, vuoro.contact.email_key) its owner has confirmed, kept as
    a keyed digest only (vuoro.booking.email_confirm.email_digest): it outlives the bookings'
    contact details, which the retention purge clears, without keeping the address. `seen_at` is
    the last time it was confirmed or booked with; unused for CONFIRMED_EMAIL_DAYS, it is deleted."""

    digest = models.CharField(max_length=64)
    seen_at = models.DateTimeField()

    class Meta:
        # A constraint rather than unique=True, which on PostgreSQL would add an index for LIKE.
        constraints = [models.UniqueConstraint(fields=["digest"], name="confirmed_email_digest_unique")]


class WaitlistEntry(models.Model):
    """A customer waiting for a time of a service to free up, first come first served
    (vuoro.booking.waitlist). Either a new booking is wanted, or (`booking` set) an earlier time
    for that booking. While an offer is held for the entry, `hold` is the held booking."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        OFFERED = "offered", _("offered")
        BOOKED = "booked", _("booked")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")

    waitlist_key = models.CharField(_("waitlist key"), max_length=10, unique=True)
    pin_hash = models.CharField(_("PIN (hashed)"), max_length=128)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    point_ids = models.JSONField(_("service points"), default=list, blank=True)  # [] = any offering the service
    from_date = models.DateField(_("from"))
    to_date = models.DateField(_("to"))
    persons = models.PositiveSmallIntegerField(_("persons"), default=1)
    language = models.CharField(_("language"), max_length=2, default="fi")
    customer_name = models.CharField(_("name"), max_length=200)
    customer_email = models.EmailField(_("e-mail"), max_length=254)
    email_key = models.CharField(_("person key of the e-mail address"), max_length=254)
    customer_phone = models.CharField(_("phone"), max_length=32, blank=True)
    auto_book = models.BooleanField(_("book it for me"), default=False)
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                verbose_name=_("booking to move earlier"))
    hold = models.ForeignKey(Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("held time"))
    booked = models.ForeignKey(Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("booking made"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(_("joined at"))
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # The date to measure days gained against: the booking's date (a move), or the earliest
    # public time's date when the entry was made (the horizon's end + 1 when none).
    baseline_date = models.DateField(_("had to wait until"))
    booked_date = models.DateField(_("got"), null=True, blank=True)
    days_gained = models.IntegerField(_("days gained"), null=True, blank=True)
    # Attempts to give the entry a time that failed with an unexpected error (the others went on;
    # the traceback is in the log "vuoro.booking.waitlist"): for staff, in the back office.
    failed_attempts = models.PositiveIntegerField(_("failed hand-offs"), default=0)
    last_failure_at = models.DateTimeField(_("last failed at"), null=True, blank=True)
    last_failure = models.CharField(_("last error"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at", "id"], name="waitlist_fcfs")]
        constraints = [
            models.UniqueConstraint(fields=["email_key", "service"], condition=Q(status__in=["waiting", "offered"]),
                                    name="waitlist_one_open_per_customer"),
            models.CheckConstraint(condition=Q(to_date__gte=F("from_date")), name="waitlist_from_not_after_to"),
            models.CheckConstraint(condition=Q(persons__gte=1, persons__lte=MAX_PERSONS), name="waitlist_persons_1_6"),
        ]

    def __str__(self) -> str:
        return f"{self.waitlist_key} {self.get_status_display()}"


class WaitlistEntryPoint(models.Model):
    """One service point an entry waits for, written with the entry ("" when it takes any point
    offering its service): the freed time at a point finds the entries for it in SQL, first come
    first served, however many wait for other points. `WaitlistEntry.point_ids` says the same."""

    ANY = ""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="points")
    point_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "point_id"], name="waitlist_point_once")]
        indexes = [models.Index(fields=["point_id", "entry"], name="waitlist_point_entry")]


class DayLoad(models.Model):
    """A service point's local date as bookings leave it, kept in the bookings' transactions.

    Every write to a day's bookings locks this row first, so the writes of one point and day
    queue here and the row always matches the committed bookings. Desk minutes booked let the
    search skip days that are certainly full; the free cells of each desk (computed under the
    point's `calendar_key`) answer availability without reading the day's bookings, and the
    longest free run skips days where a service no longer fits. A row whose key differs from
    the point's current one (hours, desks or grid changed since) is not trusted: the day's
    bookings are read instead.
    """

    service_point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    booked_minutes = models.IntegerField(default=0)
    calendar_key = models.CharField(max_length=32, blank=True, default="")
    free_cells = models.TextField(blank=True, default="")  # hex bitset per staffed desk, desk 1 first
    free_run_minutes = models.IntegerField(null=True, blank=True)  # the longest free run of any desk

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service_point", "date"], name="one_load_per_point_day")]
        # The search for the earliest time across many points reads a range of dates at every point
        # (vuoro.booking.selectors._full_days). The date alone, so that a day's update (its free
        # cells, its longest free run) stays a HOT update that touches no index.
        indexes = [models.Index(fields=["date"], name="dayload_by_date")]


class IdempotentAnswer(models.Model):
    """The first answer to a POST with an Idempotency-Key, replayed to retries with the same body."""

    key = models.CharField(max_length=200, unique=True)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField()


class PinGuard(models.Model):
    """PIN checks per reservation key (existing or not) in the window since `window_start_at`, each
    taken before the check (vuoro.booking.guards.pin_attempt_take); a right PIN deletes the row."""

    reservation_key = models.CharField(max_length=32, unique=True)
    attempts = models.PositiveIntegerField(default=0)
    window_start_at = models.DateTimeField()


class RateCounter(models.Model):
    """Requests per client and window, shared by every application server."""

    key = models.CharField(max_length=200)
    window_start_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start_at"], name="one_counter_per_window")]


class PriorityCode(models.Model):
    """A code staff issue to a customer of a priority group (vuoro.booking.priority): one booking of
    one service in the pool's kept desk time, before `expires_at`. The code itself is shown once to
    the staff member who issues it and stored only as its SHA-256 (it has 80 random bits, so the
    digest cannot be searched); `hint` is its last four characters, for finding it again."""

    code_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(_("ends with"), max_length=4)
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="codes", verbose_name=_("pool"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    expires_at = models.DateTimeField(_("valid until"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("issued by"))
    note = models.CharField(_("note"), max_length=200, blank=True,
                            help_text=_("For staff only, for example a case number; no personal data."))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="priority_code", verbose_name=_("booking"))

    class Meta:
        verbose_name = _("priority code")
        verbose_name_plural = _("priority codes")
        ordering = ["-issued_at"]
        constraints = [models.CheckConstraint(condition=Q(booking__isnull=True) | Q(used_at__isnull=False),
                                              name="priority_code_booking_when_used")]

    def __str__(self) -> str:
        return f"…{self.hint} ({self.pool_id}, {self.service})"


class RushPlace(models.Model):
    """One person's place in a release's rush queue (vuoro.scheduling.rush): the place is the
    number of lower `order_key`s plus one, final once the window has closed. `place` holds it
    from then on: numbered once for everyone drawn (vuoro.booking.rush), given at the join to
    whoever comes later; null before the draw."""

    release = models.ForeignKey("network.Release", on_delete=models.CASCADE, related_name="+")
    # Keyed digests (vuoro.booking.rush.person_key) of the lower-case e-mail address and the E.164 phone number.
    email_key = models.CharField(max_length=64)
    phone_key = models.CharField(max_length=64, blank=True, default="")
    order_key = models.BigIntegerField()
    joined_at = models.DateTimeField()
    place = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "place"], name="one_rush_place_per_number"),
            models.UniqueConstraint(fields=["release", "email_key"], name="one_rush_place_per_email"),
            models.UniqueConstraint(fields=["release", "phone_key"], condition=~models.Q(phone_key=""),
                                    name="one_rush_place_per_phone"),
        ]
        indexes = [models.Index(fields=["release", "order_key"], name="rush_place_order")]


class RushDraw(models.Model):
    """A release's rush queue as a whole: the counters that make every answer about it one
    indexed read (vuoro.booking.rush). `joined` counts the places taken (before the draw it
    estimates a place from its key); `drawn` is set once, by the numbering at the draw, to the
    number of places drawn (1..drawn, in order of key); `late` counts the places given after it
    (drawn + 1, drawn + 2, ... in order of arrival). The row is also the lock that makes the
    numbering happen once: whoever numbers, and whoever joins, holds it until they commit."""

    release = models.OneToOneField("network.Release", on_delete=models.CASCADE, primary_key=True, related_name="+")
    joined = models.PositiveIntegerField(default=0)
    drawn = models.PositiveIntegerField(null=True, blank=True)
    late = models.PositiveIntegerField(default=0)
    drawn_at = models.DateTimeField(null=True, blank=True)  # when the numbering ran
