"""A table for the INSERT floor; bench/availability.py creates it (no migrations: bench only)."""
from django.db import models


class FloorRow(models.Model):
    note = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "bench_floor"
