"""Staff roles as groups: administrator, service point manager, clerk, analyst.

Each later app adds its permissions to ROLE_PERMISSIONS; the groups are brought up to date
after every migrate, so a fresh database and an upgraded one end the same.
"""
from __future__ import annotations

ADMINISTRATOR, MANAGER, CLERK = "administrator", "service point manager", "clerk"
# The analyst reads the insight pages and their CSV (no personal data there) and nothing else.
ANALYST = "analyst"

_PLANNING = {f"planning.{action}_scenario" for action in ("view", "add", "change", "delete")}  # the planning page
_NETWORK_MODELS = ["networksettings", "service", "servicepoint", "servicepointservice", "desk", "openinghours",
                   "openingexception", "staffassignment", "pool", "release", "rollingrelease"]
ROLE_PERMISSIONS: dict[str, set[str]] = {
    ADMINISTRATOR: {f"network.{action}_{model}" for model in _NETWORK_MODELS
                    for action in ("view", "add", "change", "delete")}
    | {f"auth.{action}_{model}" for model in ("user", "group") for action in ("view", "add", "change", "delete")}
    | {"booking.view_booking", "walkin.view_ticket"} | _PLANNING,
    MANAGER: {f"network.view_{model}" for model in _NETWORK_MODELS}
    | {f"network.{action}_{model}" for model in ("openinghours", "openingexception")
       for action in ("add", "change", "delete")}
    | {"booking.view_booking", "walkin.view_ticket"} | _PLANNING,
    CLERK: {"network.view_servicepoint", "network.view_service", "network.view_desk", "booking.view_booking",
            "walkin.view_ticket"},
    ANALYST: {"insights.view_insights"},
}
# Insight (vuoro.insights): administrators and managers read it too.
for _role in (ADMINISTRATOR, MANAGER):
    ROLE_PERMISSIONS[_role] |= {"insights.view_insights"}
# The waitlist and the days it gained: administrators and managers see it (vuoro.booking.waitlist).
for _role in (ADMINISTRATOR, MANAGER):
    ROLE_PERMISSIONS[_role] |= {"booking.view_waitlistentry"}
# Guidance: administrators edit the rules; managers see them; both see the counts.
ROLE_PERMISSIONS[ADMINISTRATOR] |= {f"guidance.{action}_guidancerule" for action in ("view", "add", "change", "delete")}
ROLE_PERMISSIONS[ADMINISTRATOR] |= {"guidance.view_guidancerecord"}
ROLE_PERMISSIONS[MANAGER] |= {"guidance.view_guidancerule", "guidance.view_guidancerecord"}
# ... and the links to the online service and the missions abroad: administrators change them, managers see them.
ROLE_PERMISSIONS[ADMINISTRATOR] |= {"guidance.view_guidancelinks", "guidance.change_guidancelinks"}
ROLE_PERMISSIONS[MANAGER] |= {"guidance.view_guidancelinks"}
# The audit log: administrators read it all, managers their own points' entries; nobody changes
# them (vuoro.audit.admin also refuses clerks who kept the permission from an older database).
for _role in (ADMINISTRATOR, MANAGER):
    ROLE_PERMISSIONS[_role] |= {"audit.view_auditentry"}
# Messages to customers: every role sees its own points' messages, the failed ones among them.
for _role in (ADMINISTRATOR, MANAGER, CLERK):
    ROLE_PERMISSIONS[_role] |= {"notify.view_notice"}
# Kiosk devices: every role sees and revokes the kiosks of its own points (registered on the kiosk).
for _role in (ADMINISTRATOR, MANAGER, CLERK):
    ROLE_PERMISSIONS[_role] |= {"walkin.view_kioskdevice", "walkin.change_kioskdevice"}
# Priority codes (capacity pools): every role issues them for the pools at its own points, in the back office.
for _role in (ADMINISTRATOR, MANAGER, CLERK):
    ROLE_PERMISSIONS[_role] |= {"booking.view_prioritycode", "booking.add_prioritycode"}
# Staff sign-in (vuoro.staffauth): administrators lift sign-in lock-outs and remove a lost phone's
# second factor (the user list's action does the same).
ROLE_PERMISSIONS[ADMINISTRATOR] |= {"axes.view_accessattempt", "axes.delete_accessattempt",
                                    "otp_totp.view_totpdevice", "otp_totp.delete_totpdevice"}


def ensure_staff_groups(**kwargs) -> None:
    """Create the role groups and give each its permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for dotted in wanted:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.add(*perms)


def is_administrator(user) -> bool:
    return user.is_superuser or user.groups.filter(name=ADMINISTRATOR).exists()


def point_ids_of(user) -> set[str] | None:
    """The service points a staff member may act on; None means every point."""
    if is_administrator(user):
        return None
    return set(user.assignments.values_list("service_point_id", flat=True))
