"""A sign-in backend for tests that counts the passwords it is asked to check (threads included)."""
import threading

from django.contrib.auth.backends import ModelBackend

checked = {"count": 0}
_lock = threading.Lock()


class CountingBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        with _lock:
            checked["count"] += 1
        return super().authenticate(request, username=username, password=password, **kwargs)
