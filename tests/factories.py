"""Small builders of test data: a network file in text, loaded through the real loader."""
from __future__ import annotations

from vuoro.network.networkfile import parse_network
from vuoro.network.services import network_load

NAMES = 'name = {{ fi = "{0} fi", sv = "{0} sv", en = "{0} en" }}'


def network_text(*, slot_minutes=15, horizon_days=180, holidays="FI", points=None, services=None,
                 timezone="Europe/Helsinki", pools=(), more: str = "", confirm_new_email_minutes: int = 0) -> str:
    services = services or [("extended-permit", 30)]
    points = points or [dict(id="helsinki-malmi", desks=2, services=[s[0] for s in services])]
    lines = [f'timezone = "{timezone}"', f"horizon_days = {horizon_days}", f"slot_minutes = {slot_minutes}"]
    if holidays:
        lines.append(f'holidays = "{holidays}"')
    if confirm_new_email_minutes:
        lines.append(f"confirm_new_email_minutes = {confirm_new_email_minutes}")
    for code, minutes, *extra in services:  # (code, minutes) or (code, minutes, minutes per extra person)
        lines += ["[[services]]", f'code = "{code}"', NAMES.format(code), f"duration_minutes = {minutes}"]
        if extra:
            lines.append(f"minutes_per_extra_person = {extra[0]}")
    for point in points:
        hours = point.get("hours", {d: "08:00-16:00" for d in ("mon", "tue", "wed", "thu", "fri")})
        lines += ["[[service_points]]", f'id = "{point["id"]}"', NAMES.format(point["id"]),
                  f'address = "{point.get("address", "Katu 1")}"', f'desks = {point.get("desks", 2)}',
                  "services = [" + ", ".join(f'"{c}"' for c in point.get("services", [])) + "]"]
        if point.get("timezone"):
            lines.append(f'timezone = "{point["timezone"]}"')
        if point.get("durations"):
            lines.append("durations = { " + ", ".join(f"{k} = {v}" for k, v in point["durations"].items()) + " }")
        if point.get("walk_in"):
            desks, tickets = point["walk_in"]
            lines.append(f"walk_in = {{ desks = {desks}, daily_tickets = {tickets} }}")
        if point.get("accessibility"):
            lines.append("accessibility = { " + ", ".join(f'{k} = "{v}"' for k, v in point["accessibility"].items())
                         + " }")
        lines.append("[service_points.hours]")
        lines += [f'{day} = "{span}"' for day, span in hours.items()]
        for exception in point.get("exceptions", []):
            lines += ["[[service_points.exceptions]]", f'date = "{exception[0]}"', f'hours = "{exception[1]}"']
            if len(exception) > 2:
                lines.append(f"desks = {exception[2]}")
    for pool in pools:  # {"id", "desks", "public_days_before"?, "kind"?, "service_points"?, "services"?}
        lines += ["[[pools]]", f'id = "{pool["id"]}"', NAMES.format(pool["id"]),
                  f'kind = "{pool.get("kind", "priority")}"', f'desks = {pool["desks"]}',
                  f'public_days_before = {pool.get("public_days_before", 0)}']
        for key in ("service_points", "services"):
            if key in pool:
                lines.append(f"{key} = [" + ", ".join(f'"{x}"' for x in pool[key]) + "]")
    if more:  # more of the file as it is written, e.g. [[releases]]
        lines.append(more.strip())
    return "\n".join(lines) + "\n"


def load_network(**kwargs):
    spec = parse_network(network_text(**kwargs), "test.toml")
    network_load(spec=spec)
    return spec


def network_settings_form(**changes) -> dict:
    """The back office's network settings form as it stands, with `changes`: what a POST sends."""
    from django.forms.models import model_to_dict

    from vuoro.network.models import NetworkSettings

    data = model_to_dict(NetworkSettings.current())
    data.pop("id", None)
    return {**data, **changes}
