"""Bench-only settings: vuoro's own, plus the floor endpoints of bench/urls.py. Never used in production."""
from vuoro.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
