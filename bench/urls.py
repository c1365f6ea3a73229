"""vuoro's URLs plus the stack's floor: one primary-key SELECT and one INSERT through the same
Django + ninja stack as the API, so the benchmark can report our latency as a ratio to them."""
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


bench_api = NinjaAPI(title="vuoro bench floor", urls_namespace="bench", docs_url=None, openapi_url=None)
bench_api.add_router("", router)

urlpatterns = [path("bench/", bench_api.urls), *vuoro_urlpatterns]
