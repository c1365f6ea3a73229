import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vuoro.settings")
django.setup(set_prefix=False)

from vuoro.lean import Application  # noqa: E402  (after Django is set up)

# Cookie-less API calls take a shorter middleware chain with the same answers (vuoro.lean).
application = Application()

# What is loaded by now (Django, the apps, the URLs) lives as long as the process: left out of the
# garbage collector's sweeps, which otherwise walked all of it now and then (a pause of about
# 70 ms in some request, on the bench data set) and some of it in every sweep.
gc.freeze()
