import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vuoro.settings")
django.setup(set_prefix=False)

from vuoro.lean import Application  # noqa: E402  (after Django is set up)

# Cookie-less API calls take a shorter middleware chain with the same answers (vuoro.lean).
application = Application()
