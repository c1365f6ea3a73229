"""vuoro's one settings module: everything that varies comes from the environment.

DATABASE_URL      default: SQLite under var/ (WAL); postgres://... for PostgreSQL
VUORO_SECRET_KEY  required when VUORO_DEBUG is off
VUORO_SECRET_KEY_FALLBACKS  earlier secret keys (comma-separated), still accepted after a rotation
VUORO_DEBUG       "on" for development (the default), "off" for production
VUORO_RATE_LIMITS "off" lifts every per-client request limit except the PIN-guessing limit
VUORO_TRUSTED_PROXIES  reverse proxies (addresses, networks) whose X-Forwarded-For names the client
VUORO_REDIS_URL   redis://host:port/db: the per-client request counters live there (else in the database)
VUORO_ALLOWED_HOSTS, VUORO_SMS_BACKEND, VUORO_EMAIL_BACKEND, VUORO_FROM_EMAIL: see README
VUORO_PUBLIC_URL  the site's address as customers reach it, for links in messages
VUORO_AGENCY_NAME the agency's name, as messages sign it
VUORO_DB_POOL_MAX, VUORO_WEB_THREADS, VUORO_BOARD_STREAMS and the rest: docs/deploy.md
VUORO_SIGNIN_FAILURES, VUORO_REQUIRE_2FA, VUORO_STAFF_SESSION_HOURS...: docs/deploy.md, "Staff sign-in"
"""
import datetime as _dt
import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from vuoro.dbpool import check_pooled_connection

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("VUORO_VAR_DIR", PROJECT_DIR / "var"))


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "on", "true", "yes"}


DEBUG = _flag("VUORO_DEBUG", True)
_DEV_KEY = "django-insecure-development-key-never-used-in-production"
SECRET_KEY = os.environ.get("VUORO_SECRET_KEY") or (_DEV_KEY if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("VUORO_SECRET_KEY must be set when VUORO_DEBUG is off")
# Earlier secret keys, newest first: still accepted (PINs, manage links, sessions, sealed values)
# so the key can be rotated; whatever is made or re-hashed from now on uses SECRET_KEY.
SECRET_KEY_FALLBACKS = [k.strip() for k in os.environ.get("VUORO_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()]

ALLOWED_HOSTS = [h for h in os.environ.get("VUORO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
RATE_LIMITS = _flag("VUORO_RATE_LIMITS", True)


def _networks(text: str) -> list[str]:
    import ipaddress

    from django.core.exceptions import ImproperlyConfigured

    try:
        return [str(ipaddress.ip_network(item.strip(), strict=False)) for item in text.split(",") if item.strip()]
    except ValueError as error:
        raise ImproperlyConfigured(f"VUORO_TRUSTED_PROXIES: {error}") from None


# Per-client request counters (vuoro.booking.counters) in Redis, shared by every application server,
# when a URL is given; otherwise in the database (`make run` needs nothing beyond SQLite). Short
# timeouts: when Redis does not answer, the database counts for a while instead (logged).
REDIS_URL = os.environ.get("VUORO_REDIS_URL", "").strip()
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_URL:
    CACHES["limits"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("VUORO_REDIS_PREFIX", "vuoro-limits"),
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25, "retry_on_timeout": False},
    }

# Reverse proxies (addresses or networks) whose X-Forwarded-For is believed; empty: REMOTE_ADDR is
# the client (vuoro.booking.guards.client_address).
TRUSTED_PROXIES = _networks(os.environ.get("VUORO_TRUSTED_PROXIES", ""))

INSTALLED_APPS = [
    "vuoro.audit.admin_site.AuditedAdminConfig",  # django.contrib.admin, every ModelAdmin audited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "vuoro.vendor_apps.TasksConfig",  # django_tasks_db, its names translated
    "ninja",
    "vuoro.audit",
    "vuoro.network",
    "vuoro.booking",
    "vuoro.notify",
    "vuoro.walkin",
    "vuoro.guidance",
    "vuoro.public",
    "vuoro.planning",
    "vuoro.insights",
    "vuoro.vendor_apps.AxesConfig",  # axes
    "django_otp",
    "vuoro.vendor_apps.TotpConfig",  # django_otp.plugins.otp_totp
    "vuoro.staffauth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A rush queue's poll, answered here: after the security headers, before sessions and the rest
    # (vuoro.booking.rush_api; docs/rush.md).
    "vuoro.booking.rush_api.RushPollMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Per-client limits before the view parses anything; after LocaleMiddleware (its 429 page is in
    # the visitor's language). It answers a lost database with 503 itself (vuoro.limits).
    "vuoro.limits.RequestLimitMiddleware",
    "vuoro.apierrors.ApiErrorShapeMiddleware",  # HTML 404/405 under /api/ → the API's error shape
    "vuoro.staffauth.middleware.StaffSessionMiddleware",
    "vuoro.staffauth.middleware.SecondFactorMiddleware",
    "vuoro.insights.access.AnalystScopeMiddleware",  # an analyst reads the insight pages only
    "vuoro.unavailable.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lock-out into its page
]

ROOT_URLCONF = "vuoro.urls"
WSGI_APPLICATION = "vuoro.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# Threads that serve requests in one web process (gunicorn.conf.py reads the same variable).
WEB_THREADS = int(os.environ.get("VUORO_WEB_THREADS", "16"))
# PostgreSQL connections one process keeps in its pool at most (a request waits for one up to
# VUORO_DB_POOL_TIMEOUT seconds): by default 20, or more when a worker's sender threads need it
# (2 × VUORO_SENDERS and the worker's own); 0 turns the pool off.
_POOL_MAX = os.environ.get("VUORO_DB_POOL_MAX", "")
DB_POOL_MAX = int(_POOL_MAX) if _POOL_MAX.strip() else max(20, 2 * int(os.environ.get("VUORO_SENDERS", "8")) + 2)
DB_POOL_TIMEOUT = float(os.environ.get("VUORO_DB_POOL_TIMEOUT", "10"))
# Display-board event streams (/board/<point>/events/) open at once in one process: each holds a
# thread for up to five minutes; beyond this the browser is told to come back later and polls.
BOARD_STREAMS = max(1, int(os.environ.get("VUORO_BOARD_STREAMS") or WEB_THREADS // 2))


def _database(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN,
        # so two writers queue instead of failing half-way through a transaction.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        config.pop("CONN_HEALTH_CHECKS", None)
        if config["NAME"] not in ("", ":memory:"):
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
            # Tests on a file, not in memory: threads and live servers then share one database.
            config["TEST"] = {"NAME": str(Path(config["NAME"]).with_suffix(".test.sqlite3"))}
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # Lets vuoro.prepared prepare its few hot statements (psycopg ignores a request to prepare
        # while this is None, Django's default); Django's own queries never are (its client-side
        # binding cursor cannot prepare), whatever this says.
        config.setdefault("OPTIONS", {})["prepare_threshold"] = 5
        # Django's connection pool (psycopg_pool), one per process: a request takes a connection for
        # its duration and gives it back, so a process never holds more than `max_size`, however many
        # threads it runs (runserver starts one per request); beyond that, requests wait up to
        # `timeout` seconds for one instead of failing. A connection is checked before it is handed
        # out (vuoro.dbpool: one the server ended, or lost in a restart, is replaced, and the first
        # dead one has the pool check all its idle connections at once). Session
        # state goes back with a connection: prepared statements are welcome (vuoro.prepared); the
        # sender's `synchronous_commit` is reset before its connection is returned (vuoro.notify).
        # VUORO_DB_POOL_MAX=0: no pool, a connection per request (behind PgBouncer, docs/deploy.md).
        if DB_POOL_MAX > 0:
            config["OPTIONS"]["pool"] = {"min_size": min(2, DB_POOL_MAX), "max_size": DB_POOL_MAX,
                                         "timeout": DB_POOL_TIMEOUT, "max_idle": 300,
                                         "check": check_pooled_connection}
    return config


DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'vuoro.sqlite3'}"
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Customers' names, addresses and numbers are cleared this many days after the visit or the
# cancellation, whichever is later (vuoro.retention; README, "Privacy").
RETENTION_DAYS = int(os.environ.get("VUORO_RETENTION_DAYS", "30"))
# Confirmed e-mail addresses (keyed digests, vuoro.booking.email_confirm) unused this long are forgotten.
CONFIRMED_EMAIL_DAYS = int(os.environ.get("VUORO_CONFIRMED_EMAIL_DAYS", "730"))
# Staff's look-out for hoarding (vuoro.booking.hoarding): live future bookings that share a key
# are shown as a cluster from this many on, by kind of key; "client=5,email=3,..." overrides some.
CLUSTER_THRESHOLDS = {"client": 5, "email": 3, "phone": 3, "name": 3, "shape": 3}
for _item in os.environ.get("VUORO_CLUSTER_THRESHOLDS", "").split(","):
    _kind, _sep, _count = _item.partition("=")
    if _kind.strip() in CLUSTER_THRESHOLDS and _count.strip().isdigit():
        CLUSTER_THRESHOLDS[_kind.strip()] = max(2, int(_count))
# Customer messages (vuoro.notify.services): a process wakes the sender at most this often; the
# sender looks this long for more before it stops, and runs this long at most.
NOTIFY_WAKE_EVERY_SECONDS = 0.5
NOTIFY_LINGER_SECONDS = 1.0
NOTIFY_RUN_SECONDS = 10.0
# A failed message is tried again after each of these waits, then marked failed for staff to see.
NOTIFY_RETRY_MINUTES = [int(m) for m in os.environ.get("VUORO_RETRY_MINUTES", "1,5,15,60").split(",") if m.strip()]
# Threads sending side by side in one worker: a stalled mail server holds up one message, not all.
NOTIFY_SENDERS = int(os.environ.get("VUORO_SENDERS", "8"))
SMTP_TIMEOUT = float(os.environ.get("VUORO_SMTP_TIMEOUT", "10"))
SMS_TIMEOUT = float(os.environ.get("VUORO_SMS_TIMEOUT", "10"))
# A sender's claim on a message older than this was left by a sender that died: longer than any
# one send can take (connect and send, each within its timeout).
NOTIFY_CLAIM_SECONDS = float(os.environ.get("VUORO_CLAIM_SECONDS", str(3 * max(SMTP_TIMEOUT, SMS_TIMEOUT) + 30)))
# Reminders before the visit (0 turns one off).
REMINDER_EMAIL_HOURS = float(os.environ.get("VUORO_REMINDER_EMAIL_HOURS", "48"))
REMINDER_SMS_HOURS = float(os.environ.get("VUORO_REMINDER_SMS_HOURS", "2"))
# The work `vuoro worker` keeps queued, whatever happens to one run: task path -> seconds between runs.
SWEEP_SECONDS = float(os.environ.get("VUORO_SWEEP_SECONDS", "60"))
WAITLIST_HOLD_MINUTES = 30  # how long a time freed for a waitlist entry is held for its customer
# The waitlist gets a release's times this many minutes before the public (0: at the moment, racing it).
# At least the waitlist sweep's interval (60 s), so that one sweep at least falls within it.
try:
    WAITLIST_RELEASE_LEAD_MINUTES = float(os.environ.get("VUORO_WAITLIST_RELEASE_LEAD_MINUTES", "10"))
except ValueError:
    WAITLIST_RELEASE_LEAD_MINUTES = -1.0
if not 0 <= WAITLIST_RELEASE_LEAD_MINUTES <= 24 * 60:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("VUORO_WAITLIST_RELEASE_LEAD_MINUTES must be a number of minutes from 0 to 1440")

PERIODIC_TASKS = {
    "vuoro.notify.tasks.notices_sweep_task": SWEEP_SECONDS,
    "vuoro.notify.tasks.reminders_queue_task": SWEEP_SECONDS,
    "vuoro.walkin.tasks.noshow_sweep_task": 60,
    "vuoro.booking.tasks.waitlist_sweep_task": 60,
    "vuoro.booking.tasks.rush_draw_task": 15,  # the first request after a draw usually numbers it first
    "vuoro.retention.retention_purge_task": 24 * 60 * 60,
    "vuoro.insights.tasks.lead_times_record_task": 60 * 60,  # the insight page's history, hourly
    "vuoro.insights.figures_tasks.figures_refresh_task": 60 * 60,  # hourly; nightly the last weeks
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Helsinki"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# In production WhiteNoise serves what `vuoro collectstatic` gathered under STATIC_ROOT (docs/deploy.md).
WHITENOISE_USE_FINDERS = DEBUG

LOGIN_URL = "/admin/login/"
# Staff sign-in (vuoro.staffauth; docs/deploy.md, "Staff sign-in"). django-axes refuses a username
# from one client address after SIGNIN_FAILURES wrong passwords, for SIGNIN_COOLOFF_MINUTES.
SIGNIN_FAILURES = int(os.environ.get("VUORO_SIGNIN_FAILURES", "5"))
SIGNIN_COOLOFF_MINUTES = int(os.environ.get("VUORO_SIGNIN_COOLOFF_MINUTES", "15"))
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = SIGNIN_FAILURES
AXES_COOLOFF_TIME = _dt.timedelta(minutes=SIGNIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "vuoro.staffauth.throttle.client_ip"  # guards.client_address, checked
AXES_LOCKOUT_CALLABLE = "vuoro.staffauth.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit log; axes keeps only the failures it counts
# A second factor (TOTP) for administrators and managers, and for anyone who enrolled one.
REQUIRE_2FA = _flag("VUORO_REQUIRE_2FA", not DEBUG)
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# A staff sign-in ends this many hours after it began, or after this many minutes unused.
STAFF_SESSION_HOURS = float(os.environ.get("VUORO_STAFF_SESSION_HOURS", "8"))
STAFF_IDLE_MINUTES = float(os.environ.get("VUORO_STAFF_IDLE_MINUTES", "30"))
_SMTP = "django.core.mail.backends.smtp.EmailBackend"
_EMAIL_BACKEND = os.environ.get("VUORO_EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else _SMTP)
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND}}
if _EMAIL_BACKEND == _SMTP:
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("VUORO_SMTP_HOST", "localhost"),
        "port": int(os.environ.get("VUORO_SMTP_PORT", "587")),
        "username": os.environ.get("VUORO_SMTP_USER", ""),
        "password": os.environ.get("VUORO_SMTP_PASSWORD", ""),
        "use_tls": _flag("VUORO_SMTP_TLS", True),
        "timeout": SMTP_TIMEOUT,
    }
DEFAULT_FROM_EMAIL = os.environ.get("VUORO_FROM_EMAIL", "vuoro@localhost")
SMS_BACKEND = os.environ.get("VUORO_SMS_BACKEND") or (
    "vuoro.notify.sms.ConsoleBackend" if DEBUG else "vuoro.notify.sms.HttpGatewayBackend")
SMS_URL = os.environ.get("VUORO_SMS_URL", "")  # vuoro.notify.sms.HttpGatewayBackend posts {to, text} here
SMS_TOKEN = os.environ.get("VUORO_SMS_TOKEN", "")
# Messages link back to the site (manage links) and are signed with the agency's name.
PUBLIC_URL = os.environ.get("VUORO_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
AGENCY_NAME = os.environ.get("VUORO_AGENCY_NAME", "Vuoro")
OTP_TOTP_ISSUER = AGENCY_NAME  # the name an authenticator app shows beside the staff member's codes

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy on every answer, in development as in production (README, "Security
# headers"): our pages load scripts, styles and images from our own origin only, with no inline
# script, style or handler. The nonce is for Django's own pages that carry an inline <style> (the CSRF
# failure page; the admin's change list without actions): it is in the header only of answers that use it.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],  # the check-in QR code is an inline PNG
    "connect-src": [CSP.SELF],  # the board's server-sent events and polling, htmx
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# Permissions-Policy (django-permissions-policy): nothing in vuoro uses these browser features, so
# no page, nor anything it might embed, may ask for them.
PERMISSIONS_POLICY = {
    feature: [] for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera",
        "display-capture", "encrypted-media", "geolocation", "gyroscope", "hid", "idle-detection",
        "interest-cohort", "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
}
if not DEBUG:
    SECURE_SSL_REDIRECT = _flag("VUORO_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("VUORO_LOG_LEVEL", "WARNING")},
}
