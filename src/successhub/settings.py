"""Settings, all from the environment in one place.

The embedded default needs no server: SQLite in ``var/``, an in-memory channel
layer, background work in-process and e-mail printed to the console.
Production sets ``SUCCESSHUB_ENV=production`` and must provide a real
``SECRET_KEY``; it refuses to start with the default one.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("SUCCESSHUB_VAR_DIR", PROJECT_DIR / "var"))

DEFAULT_SECRET_KEY = "successhub-embedded-default-not-secret"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = os.environ.get("SUCCESSHUB_ENV", "embedded")
PRODUCTION = ENVIRONMENT == "production"
SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
if PRODUCTION and SECRET_KEY == DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the embedded default; set a real SECRET_KEY in the environment for production."
    )
# Off unless asked for (DEBUG=1): the debug page shows settings and URL patterns to anyone.
DEBUG = env_bool("DEBUG", False)
# The embedded default answers only on the loopback names (a reset link cannot be pointed elsewhere);
# serving other names means listing them, e.g. ALLOWED_HOSTS=support.example.com,10.0.0.5.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "successhub.web.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "successhub.accounts",
    "successhub.catalog",
    "successhub.calendars",
    "successhub.contracts",
    "successhub.web",
]
EXTRA_APPS = [
    # Apps added by later capabilities register here (kept apart so merges stay small).
    "successhub.notifications",
    "successhub.community",
    "successhub.tickets",
    "successhub.search",
    "successhub.assistant",
    "successhub.security",
    "successhub.ops",
    "successhub.integrations",
    "successhub.hotline",
    "successhub.success",
    "successhub.chat",
    "successhub.updates",
    "successhub.imgroups",
]
INSTALLED_APPS += EXTRA_APPS
# Third-party apps: login throttling (django-axes), the API docs' own static files (no CDN under the CSP).
INSTALLED_APPS += ["axes", "ninja"]

MIDDLEWARE = [
    "successhub.observability.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Package uploads (several GB): their own size limit, and bytes hashed on their way to a temporary file.
    "successhub.updates.uploads.PackageUploadMiddleware",
    # Refuses NUL bytes and other unstorable text with a 400 before any view sees them.
    "successhub.security.middleware.InvalidInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "successhub.urls"
WSGI_APPLICATION = "successhub.wsgi.application"
ASGI_APPLICATION = "successhub.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "successhub.web.context.portal",
                "csp.context_processors.nonce",
            ],
        },
    },
]

if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'successhub.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DB_SERVER_SIDE_BINDING", True
):
    # Parameters bound by the server, and statements prepared the fifth time a connection runs them
    # (psycopg's own threshold; Django turns preparing off unless told, for the sake of transaction-mode
    # poolers such as PgBouncer, which DB_PREPARE_THRESHOLD=0 serves): PostgreSQL then stops parsing and
    # planning the hot statements (token lookup, filing, the queue) anew on every call.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["server_side_binding"] = True
    options["prepare_threshold"] = int(os.environ.get("DB_PREPARE_THRESHOLD", "5")) or None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_POOL", PRODUCTION):
    # Connections are kept open across requests (and so are their prepared statements).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DB_POOL_MIN", "2")),
        "max_size": int(os.environ.get("DB_POOL_MAX", "20")),
        "timeout": int(os.environ.get("DB_POOL_TIMEOUT", "10")),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "successhub.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # Parallel test workers share one Redis: keep their keys apart.
            "KEY_PREFIX": os.environ.get("PYTEST_XDIST_WORKER", ""),
            # One pool per process, not one per request context (see successhub/cache.py).
            # A Redis that does not answer costs a request 2 s at most; then the cache is bypassed.
            "OPTIONS": {
                "pool_class": "successhub.cache.SharedConnectionPool",
                "socket_connect_timeout": 2,
                "socket_timeout": 2,
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Background work: Celery with Redis in production; in-process in the embedded default.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TIMEZONE = "Asia/Shanghai"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"  # shown in Beijing time, stored in UTC
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PROJECT_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
NODE_MODULES_DIR = Path(os.environ.get("SUCCESSHUB_NODE_MODULES", PROJECT_DIR / "node_modules"))
STATICFILES_DIRS = [("vendor", NODE_MODULES_DIR)] if NODE_MODULES_DIR.is_dir() else []
# Serve straight from the finders when collectstatic has not run (development, tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Patch packages (successhub.updates): the local file system by default; an S3-compatible store in
# production with SUCCESSHUB_PACKAGE_STORAGE=storages.backends.s3.S3Storage (pip install ".[s3]"),
# SUCCESSHUB_PACKAGE_BUCKET, AWS_S3_ENDPOINT_URL and the AWS_* credentials in the environment.
PACKAGE_STORAGE_BACKEND = os.environ.get("SUCCESSHUB_PACKAGE_STORAGE", "django.core.files.storage.FileSystemStorage")
PACKAGE_ROOT = Path(os.environ.get("SUCCESSHUB_PACKAGE_ROOT", VAR_DIR / "packages"))
if "s3" in PACKAGE_STORAGE_BACKEND.lower():
    PACKAGE_STORAGE_OPTIONS = {
        "bucket_name": os.environ.get("SUCCESSHUB_PACKAGE_BUCKET", ""),
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": True,
    }
else:
    PACKAGE_STORAGE_OPTIONS = {"location": str(PACKAGE_ROOT), "base_url": None}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "packages": {"BACKEND": PACKAGE_STORAGE_BACKEND, "OPTIONS": PACKAGE_STORAGE_OPTIONS},
}
# How package bytes leave: "stream" (the application, embedded default), "accel" (nginx X-Accel-Redirect to
# SUCCESSHUB_DOWNLOAD_ACCEL_PREFIX, an internal location aliasing SUCCESSHUB_PACKAGE_ROOT) or "redirect"
# (a presigned URL of the S3-compatible store). Signed links live SUCCESSHUB_DOWNLOAD_LINK_SECONDS.
SUCCESSHUB_DOWNLOAD_DELIVERY = os.environ.get("SUCCESSHUB_DOWNLOAD_DELIVERY", "stream")
SUCCESSHUB_DOWNLOAD_ACCEL_PREFIX = os.environ.get("SUCCESSHUB_DOWNLOAD_ACCEL_PREFIX", "/internal/packages/")
SUCCESSHUB_MAX_PACKAGE_BYTES = int(os.environ.get("SUCCESSHUB_MAX_PACKAGE_BYTES", str(20 * 1024**3)))
SUCCESSHUB_DOWNLOAD_LINK_SECONDS = int(os.environ.get("SUCCESSHUB_DOWNLOAD_LINK_SECONDS", "600"))
if SUCCESSHUB_DOWNLOAD_DELIVERY not in {"stream", "accel", "redirect"}:
    raise ImproperlyConfigured("SUCCESSHUB_DOWNLOAD_DELIVERY must be stream, accel or redirect.")

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "SuccessHub <noreply@successhub.local>")

# Notifications, outbound webhooks and periodic jobs (successhub.notifications, successhub.scheduler).
SUCCESSHUB_BASE_URL = os.environ.get("SUCCESSHUB_BASE_URL", "")  # for links in e-mails
SUCCESSHUB_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("SUCCESSHUB_WEBHOOK_TIMEOUT_SECONDS", "5"))
SUCCESSHUB_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("SUCCESSHUB_WEBHOOK_MAX_ATTEMPTS", "8"))
SUCCESSHUB_WEBHOOK_BACKOFF_SECONDS = int(os.environ.get("SUCCESSHUB_WEBHOOK_BACKOFF_SECONDS", "60"))
SUCCESSHUB_WEBHOOK_MAX_BACKOFF_SECONDS = int(os.environ.get("SUCCESSHUB_WEBHOOK_MAX_BACKOFF_SECONDS", "3600"))
# How long an outbox sender holds what it claimed (blank: twice the timeout plus 30 s; see notifications/retry.py).
SUCCESSHUB_OUTBOX_LEASE_SECONDS = float(os.environ.get("SUCCESSHUB_OUTBOX_LEASE_SECONDS") or 0) or None
# The embedded default's in-process job runner (``successhub serve`` without REDIS_URL); off under pytest.
SUCCESSHUB_EMBEDDED_SCHEDULER_SECONDS = int(
    os.environ.get("SUCCESSHUB_EMBEDDED_SCHEDULER_SECONDS", "0" if os.environ.get("PYTEST_VERSION") else "30")
)

# Catalog files (YAML), one per plan edition. Extra folders may be added by an admin.
SUCCESSHUB_CATALOG_DIRS = [BASE_DIR / "catalog" / "plans", *map(Path, env_list("SUCCESSHUB_CATALOG_DIRS"))]
# Community posting rate limit: at most N posts per window per user (staff are exempt).
COMMUNITY_POST_LIMIT = int(os.environ.get("COMMUNITY_POST_LIMIT", "10"))
COMMUNITY_POST_WINDOW_SECONDS = int(os.environ.get("COMMUNITY_POST_WINDOW_SECONDS", "600"))
# Uploads: a request body larger than this is refused with 413 before it is read, and a form carries at
# most DATA_UPLOAD_MAX_NUMBER_FILES files (per-file and per-ticket limits: successhub.tickets.conf).
SUCCESSHUB_MAX_REQUEST_BYTES = int(os.environ.get("SUCCESSHUB_MAX_REQUEST_BYTES", str(64 * 1024 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FILES = int(os.environ.get("DATA_UPLOAD_MAX_NUMBER_FILES", "10"))
# The telephone system (CTI events, IVR turns) signs its requests with this shared secret (HMAC-SHA256)
# or sends this token; without either, those endpoints answer 503. See successhub/hotline/CTI.md.
SUCCESSHUB_CTI_SECRET = os.environ.get("SUCCESSHUB_CTI_SECRET", "")
SUCCESSHUB_CTI_TOKEN = os.environ.get("SUCCESSHUB_CTI_TOKEN", "")
SUCCESSHUB_CTI_MAX_SKEW_SECONDS = int(os.environ.get("SUCCESSHUB_CTI_MAX_SKEW_SECONDS", "300"))
# IM human service: the longest message, the handling time assumed before any chat has ended (for the
# expected wait), and the bare echo socket bench/chat.py measures against (off unless asked for).
CHAT_MAX_MESSAGE_CHARS = int(os.environ.get("CHAT_MAX_MESSAGE_CHARS", "4000"))
CHAT_DEFAULT_HANDLE_MINUTES = float(os.environ.get("CHAT_DEFAULT_HANDLE_MINUTES", "6"))
CHAT_ECHO_ENDPOINT = env_bool("CHAT_ECHO_ENDPOINT", False)
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "successhub.security.uploads.SafeTemporaryFileUploadHandler",
]
VERIFICATION_CODE_TTL_SECONDS = int(os.environ.get("VERIFICATION_CODE_TTL_SECONDS", "600"))

# Optional: an OpenAI-compatible chat endpoint writes the bot's answers from the retrieved passages
# (base URL such as https://host/v1, model name and key). Off when the URL or model is empty.
SUCCESSHUB_LLM_URL = os.environ.get("SUCCESSHUB_LLM_URL", "")
SUCCESSHUB_LLM_MODEL = os.environ.get("SUCCESSHUB_LLM_MODEL", "")
SUCCESSHUB_LLM_API_KEY = os.environ.get("SUCCESSHUB_LLM_API_KEY", "")
SUCCESSHUB_LLM_TIMEOUT = float(os.environ.get("SUCCESSHUB_LLM_TIMEOUT", "20"))

# Public-cloud operations (successhub.ops): the Prometheus stack it feeds and reads, and upgrade windows.
SUCCESSHUB_PROMETHEUS_URL = os.environ.get("SUCCESSHUB_PROMETHEUS_URL", "")  # read probe results from it
SUCCESSHUB_PROMETHEUS_SD_DIR = os.environ.get(
    "SUCCESSHUB_PROMETHEUS_SD_DIR", ""
)  # write file_sd targets here
SUCCESSHUB_OPS_PROBE_SECONDS = int(os.environ.get("SUCCESSHUB_OPS_PROBE_SECONDS", "300"))
SUCCESSHUB_UPGRADE_NOTICE_DAYS = [int(d) for d in env_list("SUCCESSHUB_UPGRADE_NOTICE_DAYS", "7,1")]
# /metrics is open on loopback; elsewhere it needs this bearer token when set.
SUCCESSHUB_METRICS_TOKEN = os.environ.get("SUCCESSHUB_METRICS_TOKEN", "")

if PRODUCTION:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp). Scripts only from this site, or inline with the request's nonce
# (`<script nonce="{{ request.csp_nonce }}">`); inline style attributes stay allowed; `connect-src 'self'`
# covers htmx and same-origin WebSockets (chat).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Guessing: django-axes locks an account, and separately an address, after AXES_FAILURE_LIMIT wrong
# passwords (or wrong API tokens) for AXES_COOLOFF_MINUTES. Admins unlock in 后台管理 → Axes → Access
# attempts (delete the row) or with `successhub axes_reset_username NAME` / `successhub axes_reset_ip IP`.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "successhub.security.throttle.lockout_response"
AXES_VERBOSE = False
# The client address is REMOTE_ADDR unless the server sits behind TRUSTED_PROXY_COUNT proxies (nginx),
# whose X-Forwarded-For is then read from the right: a client cannot forge its way past the limit.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# Verification codes: at most this many wrong codes per user in a rolling hour, over all codes sent.
VERIFICATION_WRONG_CODES_PER_HOUR = int(os.environ.get("VERIFICATION_WRONG_CODES_PER_HOUR", "10"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
