"""The service network: services, service points, their desks, hours and exceptions."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

code_validator = RegexValidator(r"^[a-z0-9-]+$", _("Use only a-z, 0-9 and hyphens."))
WEEKDAY_CHOICES = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
                   (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday"))]


class TranslatedName(models.Model):
    name_fi = models.CharField(_("name in Finnish"), max_length=200)
    name_sv = models.CharField(_("name in Swedish"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def names(self) -> dict[str, str]:
        return {"fi": self.name_fi, "sv": self.name_sv, "en": self.name_en}

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.names.get((get_language() or "fi")[:2]) or self.name_en


class NetworkSettings(models.Model):
    """The network file's top-level keys; one row."""

    timezone = models.CharField(_("default time zone"), max_length=64, default="Europe/Helsinki")
    holidays_country = models.CharField(_("public holidays of"), max_length=8, blank=True,
                                        help_text=_("Country code, e.g. FI; empty: no public holidays."))
    horizon_days = models.PositiveIntegerField(_("booking horizon (days)"), default=180,
                                               validators=[MinValueValidator(1)])
    slot_minutes = models.PositiveIntegerField(_("slot grid (minutes)"), default=15,
                                               validators=[MinValueValidator(1)])
    max_bookings_per_person = models.PositiveIntegerField(
        _("bookings per person in the network"), default=0,
        help_text=_("Live future bookings one person (e-mail address or phone) may hold across all services; "
                    "0: no limit beyond each service's."))
    confirm_new_email_minutes = models.PositiveIntegerField(
        _("minutes to confirm a new e-mail address"), default=0,
        help_text=_("A public booking with an e-mail address never confirmed before is held this many minutes "
                    "until the customer confirms it by the link sent there, else the time is released; "
                    "0: booked at once. Staff bookings are never held."))
    wait_goal_days = models.PositiveIntegerField(
        _("goal for the wait (days)"), default=30, validators=[MinValueValidator(1)],
        help_text=_("The agency's goal: the first free time at most this many days away. The insight page "
                    "draws it beside the days actually waited."))
    # Bumped by every change to the network, so each server knows when its cached calendars are stale.
    version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("network settings")
        verbose_name_plural = _("network settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="network_settings_single_row"),
                       models.CheckConstraint(condition=Q(slot_minutes__gte=1), name="slot_minutes_positive")]

    def __str__(self) -> str:
        return str(_("Network settings"))

    @classmethod
    def current(cls) -> NetworkSettings:
        return cls.objects.get_or_create(pk=1)[0]


class Service(TranslatedName):
    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), validators=[MinValueValidator(1)])
    minutes_per_extra_person = models.PositiveIntegerField(
        _("minutes per extra person"), default=0,
        help_text=_("Added to the visit for each person after the first (a multiple of the slot length)."))
    max_bookings_per_person = models.PositiveIntegerField(
        _("bookings per person"), default=1,
        help_text=_("Live future bookings of this service one person (e-mail address or phone) may hold at "
                    "all points together; 0: no limit."))
    checklist_fi = models.TextField(_("what to bring, in Finnish"), blank=True, help_text=_("One item a line."))
    checklist_sv = models.TextField(_("what to bring, in Swedish"), blank=True, help_text=_("One item a line."))
    checklist_en = models.TextField(_("what to bring, in English"), blank=True, help_text=_("One item a line."))

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="service_duration_positive")]

    def checklist(self, language: str | None = None) -> list[str]:
        language = (language or get_language() or "fi")[:2]
        text = getattr(self, f"checklist_{language}", "") or self.checklist_en
        return [line.strip() for line in text.splitlines() if line.strip()]


class ServicePoint(TranslatedName):
    id = models.CharField(_("id"), max_length=64, primary_key=True, validators=[code_validator])
    address = models.CharField(_("address"), max_length=300, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Helsinki")
    timezone_explicit = models.BooleanField(default=False, editable=False)
    appointment_desks = models.PositiveIntegerField(_("desks for appointments"), default=0)
    walk_in_desks = models.PositiveIntegerField(_("desks for queue numbers"), default=0)
    daily_tickets = models.PositiveIntegerField(_("queue numbers a day"), null=True, blank=True,
                                                help_text=_("Empty: this point issues no queue numbers."))
    services = models.ManyToManyField(Service, through="ServicePointService", related_name="service_points",
                                      verbose_name=_("services"))
    accessibility_fi = models.TextField(_("accessibility, in Finnish"), blank=True,
                                        help_text=_("How to get in and move about: entrances, lifts, parking, "
                                                    "hearing loops. Shown on the point's public page."))
    accessibility_sv = models.TextField(_("accessibility, in Swedish"), blank=True)
    accessibility_en = models.TextField(_("accessibility, in English"), blank=True)

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["id"]

    @property
    def accessibility(self) -> str:
        """The accessibility notes in the active language (English when there are none in it)."""
        language = (get_language() or "fi")[:2]
        return getattr(self, f"accessibility_{language}", "") or self.accessibility_en

    def clean(self) -> None:
        if self._state.adding:
            return
        over = self.exceptions.filter(desks__gt=self.appointment_desks).order_by("date").first()
        if over is not None:
            raise ValidationError({"appointment_desks": _(
                "The exception of %(date)s staffs %(count)s desks: change it first.")
                % {"date": over.date.isoformat(), "count": over.desks}})


class ServicePointService(models.Model):
    service_point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="offers",
                                      verbose_name=_("service point"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="offers", verbose_name=_("service"))
    duration_minutes = models.PositiveIntegerField(_("duration here (minutes)"), null=True, blank=True,
                                                   help_text=_("Empty: the service's own duration."))
    position = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("service offered")
        verbose_name_plural = _("services offered")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["service_point", "service"], name="one_offer_per_service")]

    def __str__(self) -> str:
        return f"{self.service_point_id}: {self.service}"

    @property
    def effective_duration_minutes(self) -> int:
        return self.duration_minutes or self.service.duration_minutes


class Desk(models.Model):
    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", _("appointments")
        WALK_IN = "walk_in", _("queue numbers")

    service_point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="desks",
                                      verbose_name=_("service point"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.APPOINTMENT)
    number = models.PositiveIntegerField(_("number"))
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("desk")
        verbose_name_plural = _("desks")
        ordering = ["service_point", "kind", "number"]
        constraints = [models.UniqueConstraint(fields=["service_point", "kind", "number"], name="unique_desk_number")]

    def __str__(self) -> str:
        return f"{self.service_point_id} {self.get_kind_display()} {self.number}"


class OpeningHours(models.Model):
    service_point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="hours",
                                      verbose_name=_("service point"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAY_CHOICES)
    opens_at = models.TimeField(_("opens"))
    closes_at = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["service_point", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["service_point", "weekday"], name="one_hours_per_weekday"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="hours_close_after_open"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="weekday_0_to_6"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"


class OpeningException(models.Model):
    """A date that differs from the week: other hours, closed (no hours), or other desks staffed."""

    service_point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="exceptions",
                                      verbose_name=_("service point"))
    date = models.DateField(_("date"))
    opens_at = models.TimeField(_("opens"), null=True, blank=True, help_text=_("Empty: closed that day."))
    closes_at = models.TimeField(_("closes"), null=True, blank=True)
    desks = models.PositiveIntegerField(_("desks staffed"), null=True, blank=True,
                                        help_text=_("Empty: the usual number of desks."))

    class Meta:
        verbose_name = _("exception to the hours")
        verbose_name_plural = _("exceptions to the hours")
        ordering = ["service_point", "date"]
        constraints = [
            models.UniqueConstraint(fields=["service_point", "date"], name="one_exception_per_date"),
            models.CheckConstraint(
                condition=(Q(opens_at__isnull=True, closes_at__isnull=True)
                           | Q(opens_at__isnull=False, closes_at__isnull=False, closes_at__gt=F("opens_at"))),
                name="exception_closed_or_close_after_open"),
        ]

    def __str__(self) -> str:
        if self.opens_at is None:
            return f"{self.date} {_('closed')}"
        return f"{self.date} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"

    def clean(self) -> None:
        point = ServicePoint.objects.filter(pk=self.service_point_id).first() if self.service_point_id else None
        if self.desks is not None and point is not None and self.desks > point.appointment_desks:
            raise ValidationError({"desks": _("At most %(count)s: the service point has no more desks.")
                                   % {"count": point.appointment_desks}})


class StaffAssignment(models.Model):
    """Which service points a manager or a clerk works at; administrators see every point."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="assignments",
                             verbose_name=_("staff member"))
    service_point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="assignments",
                                      verbose_name=_("service point"))

    class Meta:
        verbose_name = _("staff assignment")
        verbose_name_plural = _("staff assignments")
        constraints = [models.UniqueConstraint(fields=["user", "service_point"], name="one_assignment_per_point")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.service_point_id}"


class Pool(TranslatedName):
    """Desk time kept for a priority group or for staff booking for a customer (network file `[[pools]]`):
    the `desks` highest-numbered staffed desks of each of its points (no points: every point) are
    hidden from the public until `public_days_before` local days before the day."""

    class Kind(models.TextChoices):
        PRIORITY = "priority", _("priority group (codes)")
        STAFF = "staff", _("staff-assisted booking only")

    id = models.CharField(_("id"), max_length=64, primary_key=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PRIORITY)
    desks = models.PositiveIntegerField(_("desks kept at each point"), default=1, validators=[MinValueValidator(1)])
    public_days_before = models.PositiveIntegerField(
        _("public this many days before"), default=0,
        help_text=_("Unused kept time is offered to everyone this many days before the day."))
    service_points = models.ManyToManyField(ServicePoint, blank=True, related_name="pools",
                                            verbose_name=_("service points"),
                                            help_text=_("None chosen: every service point."))
    services = models.ManyToManyField(Service, blank=True, related_name="pools", verbose_name=_("services"),
                                      help_text=_("None chosen: every service."))

    class Meta:
        verbose_name = _("capacity pool")
        verbose_name_plural = _("capacity pools")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(desks__gte=1), name="pool_keeps_a_desk")]
class Release(models.Model):
    """Times of some local dates held back until a moment (docs/api.md, "Releases"): before it they
    are neither offered nor bookable."""

    from_date = models.DateField(_("first date held back"))
    to_date = models.DateField(_("last date held back"))
    # A local date and time of the network's time zone, as the network file says it; the instant
    # is worked out with the zone (NetworkState), so a release keeps its wall-clock time across DST.
    opens_on = models.DateField(_("opens on"))
    opens_time = models.TimeField(_("opens at (local time)"))
    service_points = models.ManyToManyField(ServicePoint, blank=True, related_name="releases",
                                            verbose_name=_("service points"),
                                            help_text=_("None chosen: every service point."))
    services = models.ManyToManyField(Service, blank=True, related_name="releases", verbose_name=_("services"),
                                      help_text=_("None chosen: every service."))
    # A fair queue around the moment (vuoro.scheduling.rush); no rate: no queue.
    rush_admit_per_minute = models.PositiveIntegerField(
        _("queue: people admitted a minute"), null=True, blank=True,
        help_text=_("Empty: no queue; whoever comes first books first."))
    rush_before_minutes = models.PositiveIntegerField(_("queue opens (minutes before)"), default=15)
    rush_after_minutes = models.PositiveIntegerField(_("draw (minutes after)"), default=5)
    rush_pass_minutes = models.PositiveIntegerField(_("pass valid (minutes)"), default=10,
                                                    validators=[MinValueValidator(1)])
    rush_admit_every_seconds = models.PositiveIntegerField(
        _("queue: admitted every (seconds)"), default=60, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Admission in steps: 60 admits a minute's people at once; a few seconds spreads them evenly."))

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["opens_on", "opens_time", "from_date", "id"]
        constraints = [models.CheckConstraint(condition=Q(to_date__gte=F("from_date")), name="release_to_after_from")]

    def __str__(self) -> str:
        return f"{self.from_date}–{self.to_date} @ {self.opens_on} {self.opens_time:%H:%M}"


class RollingRelease(models.Model):
    """Each day opens at a local time a number of days before it: every morning one more day."""

    days_ahead = models.PositiveIntegerField(_("days ahead"), validators=[MinValueValidator(1)],
                                             help_text=_("Day D opens this many days before D."))
    at = models.TimeField(_("at (local time)"))
    service_points = models.ManyToManyField(ServicePoint, blank=True, related_name="rolling_releases",
                                            verbose_name=_("service points"),
                                            help_text=_("None chosen: every service point."))
    services = models.ManyToManyField(Service, blank=True, related_name="rolling_releases",
                                      verbose_name=_("services"), help_text=_("None chosen: every service."))

    class Meta:
        verbose_name = _("rolling release")
        verbose_name_plural = _("rolling releases")
        ordering = ["days_ahead", "at", "id"]
        constraints = [models.CheckConstraint(condition=Q(days_ahead__gte=1), name="rolling_release_days_positive")]

    def __str__(self) -> str:
        return str(_("%(days)s days ahead at %(at)s") % {"days": self.days_ahead, "at": f"{self.at:%H:%M}"})
