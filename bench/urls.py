"""vuoro's URLs plus the stack's floor: one primary-key SELECT and one INSERT through the same
Django + ninja stack as the API, so the benchmark can report our latency as a ratio to them; and
the booking's own floor: the statements a booking makes, without its checks."""
import datetime as dt
import json

from django.db import transaction
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI, Query, Router

from bench.models import FloorRow
from vuoro.booking.models import Booking
from vuoro.urls import urlpatterns as vuoro_urlpatterns

router = Router()


@router.get("/select")
def floor_select(request, id: int = Query(...)):  # noqa: A002 - the query parameter's name
    row = Booking.objects.filter(pk=id).values_list("id", "start_at").first()
    return {"id": row[0], "start": row[1]} if row else {"id": None, "start": None}


@router.post("/insert", response={201: dict})
def floor_insert(request):
    row = FloorRow.objects.create(note="floor", created_at=timezone.now())
    return 201, {"id": row.pk}


@router.post("/booking-statements", response={201: dict, 409: dict})
def floor_booking_statements(request):
    """A body of POST /api/v1/bookings booked with the statements a booking makes (the person's
    and the day's locks, the booking with its notices and the day's summary, in one transaction)
    and as little Python as they need: no validation of the body, no per-client limit, no check
    of the start against the opening, no PIN. What is left of a booking when every check that is
    not a statement is gone: the most a booking could reach against the INSERT floor."""
    from vuoro.booking.models import Booking
    from vuoro.booking.selectors import decode_free_cells, encode_free_cells
    from vuoro.booking.services import _caps, _insert_with_day, _lock_day
    from vuoro.network.state import network_state_unchecked
    from vuoro.scheduling.availability import free_desk_in, longest_run, visit_cells

    body = json.loads(request.body)
    state = network_state_unchecked()
    point = state.points[body["service_point"]]
    start = dt.datetime.fromisoformat(body["start"])
    day = start.astimezone(point.zone).date()
    duration = state.visit_minutes(point, body["service"], 1)
    cells = visit_cells(point.calendar.opening_on(day), slot_minutes=state.slot_minutes, start=start,
                        duration_minutes=duration)
    email, phone = body["customer"]["email"].lower(), body["customer"]["phone"].replace(" ", "")
    now = timezone.now()
    with transaction.atomic():
        _, stored, _ = _lock_day(point.id, day, customer=(email, phone))
        free = decode_free_cells(stored)
        number = free_desk_in(free, cells=cells)
        if number is None:
            return 409, {"taken": True}
        booking = Booking(reservation_key=f"B{abs(hash((point.id, start))) % 10**9:09d}", pin_hash="-",
                          service_point_id=point.id, service_id=state.service_ids[body["service"]],
                          desk_id=point.desk_ids[number], start_at=start,
                          end_at=start + dt.timedelta(minutes=duration), local_date=day, persons=1, language="en",
                          customer_name=body["customer"]["name"], customer_email=email, email_key=email,
                          customer_phone=phone, created_at=now)
        free[number - 1] &= ~cells
        _insert_with_day(booking, minutes=duration, calendar_key=point.calendar_key, free_cells=encode_free_cells(free),
                         free_run=max(map(longest_run, free), default=0) * state.slot_minutes,
                         unless_at_cap=(booking.service_id, now, _caps(state, body["service"])))
    return 201, {"id": booking.pk}


bench_api = NinjaAPI(title="vuoro bench floor", urls_namespace="bench", docs_url=None, openapi_url=None)
bench_api.add_router("", router)

urlpatterns = [path("bench/", bench_api.urls), *vuoro_urlpatterns]
