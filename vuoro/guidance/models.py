"""Guidance: rules as data (conditions → outcome and messages), and counts kept without personal data."""
from __future__ import annotations

from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from vuoro.guidance import decide
from vuoro.network.models import Service

matter_validator = RegexValidator(r"^[a-z0-9-]*$", _("Use only a-z, 0-9 and hyphens."))


class Outcome(models.TextChoices):
    BOOK_APPOINTMENT = decide.BOOK_APPOINTMENT, _("book an appointment")
    APPLY_ONLINE = decide.APPLY_ONLINE, _("apply online")
    VISIT_MISSION_ABROAD = decide.VISIT_MISSION_ABROAD, _("visit a Finnish mission abroad")
    CONTACT_POLICE_OR_BORDER = decide.CONTACT_POLICE_OR_BORDER, _("contact the police or the border authority")
    TAKE_QUEUE_NUMBER = decide.TAKE_QUEUE_NUMBER, _("take a queue number")


class Condition(models.TextChoices):
    ANY = "any", _("any answer")
    YES = "yes", _("yes")
    NO = "no", _("no")

    @classmethod
    def as_bool(cls, value: str) -> bool | None:
        return {cls.YES: True, cls.NO: False}.get(value)


class Language(models.TextChoices):
    FI = "fi", _("Finnish")
    SV = "sv", _("Swedish")
    EN = "en", _("English")


def _in(field: str, choices) -> Q:
    return Q(**{f"{field}__in": [value for value, _label in choices.choices]})


class GuidanceRule(models.Model):
    """When the answers meet every condition, the customer is sent to the outcome; first match wins."""

    priority = models.PositiveIntegerField(_("order"), default=100,
                                           help_text=_("Rules are tried from the smallest number up; "
                                                       "the first that matches decides."))
    active = models.BooleanField(_("in use"), default=True)
    matter = models.CharField(_("matter"), max_length=64, blank=True, validators=[matter_validator],
                              help_text=_("A service code, asylum, first-permit or other; empty: any matter."))
    in_country = models.CharField(_("in Finland"), max_length=3, choices=Condition.choices, default=Condition.ANY)
    strong_eid = models.CharField(_("has strong electronic identification"), max_length=3,
                                  choices=Condition.choices, default=Condition.ANY)
    urgent = models.CharField(_("urgent"), max_length=3, choices=Condition.choices, default=Condition.ANY)
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("service"),
                                help_text=_("Only for an appointment or a queue number; empty: the service "
                                            "the customer chose, if any."))
    message_fi = models.TextField(_("message in Finnish"))
    message_sv = models.TextField(_("message in Swedish"))
    message_en = models.TextField(_("message in English"))

    class Meta:
        verbose_name = _("guidance rule")
        verbose_name_plural = _("guidance rules")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(condition=_in("outcome", Outcome), name="guidance_rule_outcome_known"),
            *(models.CheckConstraint(condition=_in(field, Condition), name=f"guidance_rule_{field}_known")
              for field in ("in_country", "strong_eid", "urgent")),
            models.CheckConstraint(
                condition=Q(service__isnull=True) | Q(outcome__in=sorted(decide.DESK_OUTCOMES)),
                name="guidance_rule_service_only_for_desk_outcomes"),
        ]

    def __str__(self) -> str:
        return f"{self.priority}: {self.conditions_text()} → {self.get_outcome_display()}"

    def conditions_text(self) -> str:
        parts = [f"{_('matter')} = {self.matter}"] if self.matter else []
        for field in ("in_country", "strong_eid", "urgent"):
            value = getattr(self, field)
            if value != Condition.ANY:
                parts.append(f"{self._meta.get_field(field).verbose_name} = {Condition(value).label}")
        return ", ".join(str(part) for part in parts) or str(_("always"))

    @property
    def messages(self) -> dict[str, str]:
        return {"fi": self.message_fi, "sv": self.message_sv, "en": self.message_en}

    @property
    def message(self) -> str:
        return self.messages.get((get_language() or "fi")[:2]) or self.message_en

    def as_rule(self) -> decide.Rule:
        """The plain record the decision core works on."""
        return decide.Rule(outcome=self.outcome, matter=self.matter or None,
                           in_country=Condition.as_bool(self.in_country),
                           strong_eid=Condition.as_bool(self.strong_eid), urgent=Condition.as_bool(self.urgent),
                           service=self.service.code if self.service_id else None, messages=self.messages,
                           id=self.pk)


web_address_validator = URLValidator(schemes=["https", "http"],
                                     message=_("Enter a web address that starts with https:// or http://."))
# The demo's addresses (the Finnish Immigration Service's online service, the Foreign Ministry's list of
# missions); administrators put the agency's own in the back office.
DEFAULT_LINKS = {
    "online_service_url": {"fi": "https://enterfinland.fi/eServices/home/setfinnish",
                           "sv": "https://enterfinland.fi/eServices/home/setswedish",
                           "en": "https://enterfinland.fi/eServices/home/setenglish"},
    "missions_url": {"fi": "https://um.fi/edustustot", "sv": "https://um.fi/beskickningar",
                     "en": "https://um.fi/missions"},
}
LINK_LANGUAGES = ("fi", "sv", "en")


def _web_address(name, kind: str, language: str):
    return models.CharField(name, max_length=500, validators=[web_address_validator],
                            default=DEFAULT_LINKS[kind][language])


class GuidanceLinks(models.Model):
    """Where the outcomes that leave the service points send the customer, per language: the
    online service (apply online) and the list of the missions abroad (visit a mission). One row."""

    online_service_url_fi = _web_address(_("online service, Finnish page"), "online_service_url", "fi")
    online_service_url_sv = _web_address(_("online service, Swedish page"), "online_service_url", "sv")
    online_service_url_en = _web_address(_("online service, English page"), "online_service_url", "en")
    missions_url_fi = _web_address(_("missions abroad, Finnish page"), "missions_url", "fi")
    missions_url_sv = _web_address(_("missions abroad, Swedish page"), "missions_url", "sv")
    missions_url_en = _web_address(_("missions abroad, English page"), "missions_url", "en")

    class Meta:
        verbose_name = _("guidance links")
        verbose_name_plural = _("guidance links")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="guidance_links_single_row"),
            *(models.CheckConstraint(condition=Q(**{f"{kind}_{language}__startswith": "https://"})
                                     | Q(**{f"{kind}_{language}__startswith": "http://"}),
                                     name=f"guidance_links_{kind}_{language}_web")
              for kind in DEFAULT_LINKS for language in LINK_LANGUAGES),
        ]

    def __str__(self) -> str:
        return str(_("Guidance links"))

    @classmethod
    def current(cls) -> GuidanceLinks:
        return cls.objects.get_or_create(pk=1)[0]

    def urls(self, kind: str) -> dict[str, str]:
        """One kind of link (`online_service_url` or `missions_url`) in each language."""
        return {language: getattr(self, f"{kind}_{language}") for language in LINK_LANGUAGES}


class GuidanceRecord(models.Model):
    """One finished guidance, counted without personal data: no person, no address, no time of day."""

    date = models.DateField(_("date"), db_index=True)
    matter = models.CharField(_("matter"), max_length=64)
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)

    class Meta:
        verbose_name = _("guidance given")
        verbose_name_plural = _("guidance given")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=_in("outcome", Outcome), name="guidance_record_outcome_known"),
            models.CheckConstraint(condition=_in("language", Language), name="guidance_record_language_known"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.matter} → {self.get_outcome_display()}"


class GuidanceCounted(models.Model):
    """That a visitor's guidance (matter and outcome) is already counted today: a keyed hash only, of
    the date, the visitor, the matter and the outcome; the rows of earlier days are deleted."""

    date = models.DateField(db_index=True)
    fingerprint = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["date", "fingerprint"], name="guidance_counted_once")]
