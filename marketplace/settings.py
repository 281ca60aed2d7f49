"""Walkup settings: one module, every deployment difference read from the environment.

With no environment variables set you get the embedded default: DEBUG on,
SQLite in the project folder, local-memory cache and Celery tasks run eagerly.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from marketplace.object_ids import OBJECT_ID_SCHEMA
from marketplace.redis_fail_fast import FailFastConnection

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-walkup-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
if not DEBUG and (
    SECRET_KEY == _DEV_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 40
):
    raise ImproperlyConfigured(
        "DEBUG is off: set SECRET_KEY to a random string of at least 40 characters "
        '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "knox",
    "django_filters",
    "django_ratelimit",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "import_export",
    "django_prometheus",
    "accounts",
    "photos",
    "listings",
    "messaging",
    "notifications",
    "favorites",
    "renovations",
    "alerts",
    "viewings",
    "purchases",
    "insights",
    "reviews",
    "demo",
]

# Addresses (or networks) of the reverse proxies in front of the app, e.g. "10.0.0.5,10.0.1.0/24".
# Only a request from one of them may say who the client is (X-Forwarded-For); none by default.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

MIDDLEWARE = [
    # Requests by view, status and latency for Prometheus (first and next to last).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "marketplace.client_address.ClientAddressMiddleware",
    # The request id and one log line per request (marketplace.observability).
    "marketplace.observability.RequestLogMiddleware",
    "marketplace.text_input.RefuseNulInQueryMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "marketplace.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous API searches from the cache, before sessions and DRF (listings.search_cache).
    "listings.search_cache.AnonymousSearchCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Anonymous reads of public pages from the replica; read-your-writes (marketplace.replica).
    "marketplace.replica.ReplicaReadsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Media storage down: a 503 that says so, not a 500.
    "marketplace.errors.StorageUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: turns a log-in refused by the lock-out into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
ASGI_APPLICATION = "marketplace.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "messaging.context_processors.unread_messages",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

FORM_RENDERER = "marketplace.forms.WalkupFormRenderer"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers queue instead of failing with "database is locked": a transaction takes
    # the write lock when it begins (a deferred one that reads first cannot wait for it later),
    # and a writer waits this long for the lock before giving up.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.float("SQLITE_BUSY_TIMEOUT_SECONDS", default=20),
        }
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if not DEBUG else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming replica of the primary (marketplace.replica): anonymous reads of the public pages
# and API go there while it answers and keeps up; every write, task and signed-in read goes to
# the primary. Tests mirror it onto the primary's test database.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
    # A replica that stopped answering costs a request this long once per check, not forever.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("REPLICA_CONNECT_TIMEOUT_SECONDS", default=2)
    )
    DATABASE_ROUTERS = ["marketplace.replica.ReplicaRouter"]
# Further behind than this, the replica is left alone until it catches up.
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5)
# How often each process asks the replica how far behind it is.
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=2)
# Whoever wrote (any POST, PUT, PATCH, DELETE) reads from the primary this long after.
READ_YOUR_WRITES_SECONDS = env.int("READ_YOUR_WRITES_SECONDS", default=30)
# The views whose anonymous GETs may be answered from the replica: search and listing pages
# and the public listings API. Their data may be REPLICA_MAX_LAG_SECONDS old.
REPLICA_READ_VIEWS = frozenset(
    {
        "home",
        "listings:search",
        "listings:detail",
        "listing-list",
        "listing-detail",
        "city-list",
    }
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

# With Redis down the cache fails open: reads miss, writes are dropped, each after at most
# REDIS_TIMEOUT_SECONDS, and the site goes on from the database. After a failure the process
# leaves Redis alone for a few seconds (marketplace.redis_fail_fast), which logs it once.
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=0.25)
_REDIS_OPTIONS = {
    "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT_SECONDS,
    "SOCKET_TIMEOUT": REDIS_TIMEOUT_SECONDS,
    "CONNECTION_POOL_KWARGS": {"connection_class": FailFastConnection},
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "walkup",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "LOG_IGNORED_EXCEPTIONS": False,
                **_REDIS_OPTIONS,
            },
        },
        # Failed log-in counters (accounts.lockout). Errors are raised, not ignored: with
        # IGNORE_EXCEPTIONS a dead Redis looks like "no failures yet" half-way through a count;
        # the handler catches them itself, logs, and lets the log-in through.
        "login_attempts": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "walkup",
            "OPTIONS": _REDIS_OPTIONS,
        },
    }
elif LOCAL_CACHE_DIR := env.str("LOCAL_CACHE_DIR", default=""):
    # `make run` without Redis: the server, load_demo and run_beat_inline are separate
    # processes, and the view counters, city reports and market figures one writes the others
    # read; a folder they all see stands in for Redis (not for production: slow, unshared).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": LOCAL_CACHE_DIR,
        },
        "login_attempts": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "login-attempts",
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "login_attempts": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "login-attempts",
        },
    }

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# AxesBackend first: it refuses a locked-out log-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Simplified Chinese first: most users read it before English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Originals (never served: they carry GPS and the rest of the phone's metadata) and the variants
# of private photos (renovations, draft listings), served only by photos.views.private_media.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private-media")
# Serve from the finders while developing, so no collectstatic is needed before `make run`.
WHITENOISE_AUTOREFRESH = DEBUG
# Any Django storage backend (e.g. an S3-compatible one) by configuration alone:
# MEDIA_STORAGE_BACKEND / PRIVATE_STORAGE_BACKEND and their *_OPTIONS as JSON.
STORAGES = {
    "default": {
        "BACKEND": env.str(
            "MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("MEDIA_STORAGE_OPTIONS", default={}),
    },
    "private": {
        "BACKEND": env.str(
            "PRIVATE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json(
            "PRIVATE_STORAGE_OPTIONS",
            default={"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
        ),
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# How photos.views.private_media hands over a private file once it has checked access:
# "storage" streams it from the private storage (development, or no proxy in front);
# "x-accel" answers with X-Accel-Redirect: PRIVATE_MEDIA_ACCEL_PREFIX + name, for an nginx
# `internal` location over PRIVATE_MEDIA_ROOT; "signed-url" redirects to the private storage's
# own URL, signed for PRIVATE_MEDIA_URL_SECONDS (an S3-compatible bucket).
PRIVATE_MEDIA_DELIVERY = env.str("PRIVATE_MEDIA_DELIVERY", default="storage")
if PRIVATE_MEDIA_DELIVERY not in ("storage", "x-accel", "signed-url"):
    raise ImproperlyConfigured(
        "PRIVATE_MEDIA_DELIVERY must be storage, x-accel or signed-url, "
        f"not {PRIVATE_MEDIA_DELIVERY!r}."
    )
PRIVATE_MEDIA_ACCEL_PREFIX = env.str(
    "PRIVATE_MEDIA_ACCEL_PREFIX", default="/private-media-internal/"
)
PRIVATE_MEDIA_URL_SECONDS = env.int("PRIVATE_MEDIA_URL_SECONDS", default=300)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=BASE_DIR / "sent-emails")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Walkup <noreply@walkup.example>")

# The proxy's X-Forwarded-Proto says whether the client came over HTTPS; it is believed only when
# the environment names the proxies (TRUSTED_PROXIES), the same rule as for X-Forwarded-For.
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # A year, as browsers' preload lists ask; subdomains and preload are the domain owner's call.
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Scripts and styles from this site only: no inline <script>, no style="", no other host. Photos
# on object storage add their host to img-src (marketplace.security). data: is for small icons
# drawn by CSS and by the API docs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
# Two queues, each with its own workers, so a flood of photos never delays messages,
# notifications and alerts: `celery worker -Q photos` and `-Q default`. A worker started without
# -Q (make worker, the tests) takes both.
CELERY_QUEUE_NAMES = ("default", "photos")
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = {name: {"routing_key": name} for name in CELERY_QUEUE_NAMES}
CELERY_TASK_ROUTES = {
    "photos.tasks.process_photo": {"queue": "photos"},
    # The names the task had before one pipeline served every app (photos.tasks.RENAMED_TASKS).
    "listings.tasks.process_listing_photo": {"queue": "photos"},
    "renovations.tasks.process_renovation_photo": {"queue": "photos"},
}
# Walkup never reads a task's result (the rows are the outbox): no result backend, whose Redis
# subscription before every publish is what made a request wait ~19 s while Redis was down.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker reserves no task it has not started: a reserved one would sit in Redis's unacked set
# behind a long one, and a short visibility timeout would hand it to a second worker.
CELERY_WORKER_DISABLE_PREFETCH = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish gives up within about a second when Redis is down (refused, or a black hole that
# accepts and never answers): the request goes on, and the row waits for the periodic sweep.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
# Redis hands a task whose worker died (kill -9, machine lost) to another worker once it has
# been unacknowledged this long: it must exceed the hard time limit of every task the worker
# takes. Photo workers take only photo tasks (40 s limit), so they run with 45 s and their own
# unacknowledged set (CELERY_UNACKED_KEY=unacked_photos): a photo is redone within a minute.
# Every other worker keeps the hour its sweeps (300 s limit) need, on the default set.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_UNACKED_KEY = env.str("CELERY_UNACKED_KEY", default="unacked")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_key": CELERY_UNACKED_KEY,
    "unacked_index_key": f"{CELERY_UNACKED_KEY}_index",
    "unacked_mutex_key": f"{CELERY_UNACKED_KEY}_mutex",
    # The lock a worker takes for a moment to look for abandoned tasks: if the worker is killed
    # holding it, the others wait this long (kombu's default is five minutes).
    "unacked_mutex_expire": 20,
    # Look for abandoned tasks every 5 s (kombu's default is every 100 s).
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    # Without it a publish to a Redis that stopped answering waits forever.
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
}
CELERY_BEAT_SCHEDULE = {
    "refresh-city-market-stats": {
        "task": "listings.tasks.refresh_city_market_stats",
        "schedule": 300.0,
    },
    # The email outbox: notifications not yet emailed (gathered ones, or the broker was down).
    "send-due-notification-emails": {
        "task": "notifications.tasks.send_due_notification_emails",
        "schedule": 60.0,
    },
    # The outbox sweep: photos whose task never reached a worker (Redis or the worker was down),
    # of every photo model (listings, renovation updates and receipts).
    "requeue-stale-photos": {
        "task": "photos.tasks.requeue_stale_photos",
        "schedule": 60.0,
    },
    # Photo files in the wrong storage: a listing's move task that never ran, a photo processed
    # while its listing changed, and the public files of deployments older than private storage.
    "relocate-misplaced-photos": {
        "task": "photos.tasks.relocate_misplaced_photos",
        "schedule": 600.0,
    },
    # Saved-search alerts: active listings that newly match a saved search (alerts app).
    "match-saved-searches": {
        "task": "alerts.tasks.match_saved_searches",
        "schedule": 120.0,
    },
    # Freshness: remind agents before their listings expire, then expire what was not reconfirmed.
    "remind-expiring-listings": {
        "task": "listings.tasks.remind_expiring_listings",
        "schedule": 3600.0,
    },
    "expire-stale-listings": {
        "task": "listings.tasks.expire_stale_listings",
        "schedule": 3600.0,
    },
    # Video viewings: remind both people about an hour before (each viewing once).
    "send-viewing-reminders": {
        "task": "viewings.tasks.send_viewing_reminders",
        "schedule": 300.0,
    },
    # Insights: the cache's listing view counters into the daily table (idempotent), and each
    # city's market report into the cache.
    "flush-listing-views": {
        "task": "insights.tasks.flush_listing_views",
        "schedule": 600.0,
    },
    "refresh-city-markets": {
        "task": "insights.tasks.refresh_city_markets",
        "schedule": 1800.0,
    },
}

# --- Django REST framework ----------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JSON, where a body of the wrong shape is a 400; forms and multipart only where a file is
    # uploaded (their views say so): a malformed form body reads as no fields, a silent no-op.
    "DEFAULT_PARSER_CLASSES": ["marketplace.text_input.JSONParser"],
    # The browsable API's pages carry inline styles the Content-Security-Policy refuses: JSON
    # only in production, the browsable pages while developing.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        *(["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    ],
    "DEFAULT_SCHEMA_CLASS": "marketplace.schema.AutoSchema",
    # REMOTE_ADDR is the real client address (marketplace.client_address): never trust XFF here.
    # Log-in and sign-up are limited by accounts.lockout and accounts.limits, not by DRF
    # throttles, so the web and the API share one rule.
    "NUM_PROXIES": 0,
    "EXCEPTION_HANDLER": "marketplace.api.exception_handler",
    "DEFAULT_METADATA_CLASS": "marketplace.metadata.DescriptionMetadata",
    "COERCE_DECIMAL_TO_STRING": False,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
    "AUTO_REFRESH": True,
    # Each use pushes the expiry TOKEN_TTL ahead, but writes it at most once in this many
    # seconds (knox's default, 60, wrote on nearly every request of a busy app).
    "MIN_REFRESH_INTERVAL": env.int("API_TOKEN_REFRESH_SECONDS", default=3600),
    "AUTH_HEADER_PREFIX": "Token",
    "USER_SERIALIZER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Walkup API",
    "DESCRIPTION": _(
        "Cheap walk-up flats in China's northeast: listings search for the mobile apps. "
        "Authenticate with `Authorization: Token <token>` from /api/v1/auth/token/."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PATH_CONVERTER_OVERRIDES": {"id": OBJECT_ID_SCHEMA},
    "ENUM_NAME_OVERRIDES": {
        "ListingStatusEnum": "listings.models.Listing.Status",
        "PhotoStatusEnum": "photos.models.ProcessedPhoto.Status",
        "RenovationStatusEnum": "renovations.models.RenovationProject.Status",
        "RenovationTaskStatusEnum": "renovations.models.Task.Status",
        "RenovationRoleEnum": "renovations.models.Role",
        "RenovationMemberRoleEnum": "renovations.models.ProjectMember.MemberRole",
        "RenovationInvitationStatusEnum": "renovations.models.Invitation.Status",
        "PurchaseStatusEnum": "purchases.models.Purchase.Status",
        "PurchaseStepStatusEnum": "purchases.models.Step.Status",
        "PurchaseStepKindEnum": "purchases.models.Step.Kind",
        "PurchaseSideEnum": "purchases.steps.Side",
        "PurchaseStepActorEnum": "purchases.steps.Actor",
        "ListingProofKindEnum": "listings.models.ListingProof.Kind",
    },
}

# --- Walkup -------------------------------------------------------------------
LISTINGS_PAGE_SIZE = 20
API_MAX_PAGE_SIZE = 100
CITY_STATS_CACHE_SECONDS = env.int("CITY_STATS_CACHE_SECONDS", default=600)
# The cities by slug for the search's `city` parameter (listings.cities): every change through
# listings.services.city_changed drops it at once; this bounds what a change made otherwise keeps.
CITY_MAP_CACHE_SECONDS = env.int("CITY_MAP_CACHE_SECONDS", default=3600)
# Anonymous search answers (listings.search_cache); listing changes invalidate them at once,
# this bounds what ages without one (a "recent" price cut, the cards' city medians). 0: off.
SEARCH_CACHE_SECONDS = env.int("SEARCH_CACHE_SECONDS", default=300)
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=20_000_000)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=40_000_000)
# Lower limits where a decoder cannot decode reduced and holds the whole picture, so that one
# accepted photo stays under 256 MB of memory and 1.5 s of CPU in the worker (bench/photo_cost.py
# measures the worst file of each): a baseline JPEG decodes at 1/2 to 1/8 and keeps the general
# limit; a progressive JPEG makes libjpeg keep every coefficient (up to 8 bytes a pixel, CMYK);
# Pillow decodes a PNG whole (4 bytes a pixel) and a WebP beside its decoder's canvases (12);
# libheif needs 6 bytes a pixel for HEIC, 9 with transparency. 25 MP still takes iPhones' 24 MP.
PHOTO_MAX_PIXELS_BY_FORMAT = {
    "JPEG_MULTISCAN": env.int("PHOTO_MAX_PIXELS_PROGRESSIVE_JPEG", default=16_000_000),
    "PNG": env.int("PHOTO_MAX_PIXELS_PNG", default=30_000_000),
    "WEBP": env.int("PHOTO_MAX_PIXELS_WEBP", default=13_000_000),
    "HEIF": env.int("PHOTO_MAX_PIXELS_HEIC", default=25_000_000),
    "HEIF_ALPHA": env.int("PHOTO_MAX_PIXELS_HEIC_TRANSPARENT", default=16_000_000),
}
PHOTO_MIN_SIDE = 200
PHOTO_MAX_ATTEMPTS = 3
# The photo outbox sweep (every minute) queues again a photo never queued (the broker was down)
# after this grace, and one queued but still pending after PHOTO_STALE_AFTER_SECONDS (its message
# was lost with its worker; Redis's own redelivery normally comes first, within a minute).
PHOTO_UNQUEUED_AFTER_SECONDS = 30
PHOTO_STALE_AFTER_SECONDS = 300
PHOTOS_PER_LISTING = 30
# Photos whose files a relocation sweep moves per run (each run well within its time limit).
PHOTO_RELOCATE_BATCH = 200
# Photos whose perceptual hashes differ in at most this many of 64 bits look alike (photos.hashing):
# re-encoded or resized copies differ by 0-2, slight crops by up to ~10, different rooms by 25+.
PHOTO_LOOKALIKE_MAX_DISTANCE = env.int("PHOTO_LOOKALIKE_MAX_DISTANCE", default=10)
# Photos one person may upload, whatever they are for (listings, renovation updates, receipts):
# an agent photographing three flats in an hour, or a contractor's daily updates, stay far below.
PHOTO_UPLOADS_PER_HOUR = env.int("PHOTO_UPLOADS_PER_HOUR", default=120)
PHOTO_UPLOADS_PER_DAY = env.int("PHOTO_UPLOADS_PER_DAY", default=400)
MESSAGING_NEW_CONVERSATIONS_PER_HOUR = env.int("MESSAGING_NEW_CONVERSATIONS_PER_HOUR", default=10)
# Messages one person may send in an hour: two a minute for a whole hour for a buyer; an agent
# answering many buyers at once writes more. Far above what people type; a script meets it.
MESSAGING_MESSAGES_PER_HOUR = env.int("MESSAGING_MESSAGES_PER_HOUR", default=120)
MESSAGING_AGENT_MESSAGES_PER_HOUR = env.int("MESSAGING_AGENT_MESSAGES_PER_HOUR", default=600)
MESSAGING_RESPONSE_TIME_CACHE_SECONDS = 600
# At most one email per conversation (or other group) in this many seconds; later ones gather.
NOTIFICATION_EMAIL_GATHER_SECONDS = env.int("NOTIFICATION_EMAIL_GATHER_SECONDS", default=600)
# Freshness: an active listing not reconfirmed by its agent for this many days expires; the
# agent is reminded this many days before.
LISTING_EXPIRY_DAYS = env.int("LISTING_EXPIRY_DAYS", default=30)
LISTING_EXPIRY_REMINDER_DAYS = env.int("LISTING_EXPIRY_REMINDER_DAYS", default=5)
# Rows in one spreadsheet an agent imports into the listings admin (listings/spreadsheet.py).
LISTING_IMPORT_MAX_ROWS = env.int("LISTING_IMPORT_MAX_ROWS", default=500)
LISTING_IMPORT_MAX_BYTES = env.int("LISTING_IMPORT_MAX_BYTES", default=2_000_000)
# Saved searches one person may keep: matching runs every one of them every 2 minutes.
SAVED_SEARCHES_PER_BUYER = env.int("SAVED_SEARCHES_PER_BUYER", default=20)
# Saved-search alerts: daily ones are emailed together at this hour (TIME_ZONE) the next morning.
ALERTS_DAILY_EMAIL_HOUR = env.int("ALERTS_DAILY_EMAIL_HOUR", default=8)
# Each matching run looks this far behind the last one, for listings saved in transactions
# that committed late; what was already alerted is never alerted again.
ALERTS_MATCH_OVERLAP_SECONDS = 300
# Renovation invitations: pending ones per project, and how many an owner sends in a day
# (each tells someone; cancelling and inviting again must not become a way to pester them).
RENOVATION_PENDING_INVITATIONS_PER_PROJECT = env.int(
    "RENOVATION_PENDING_INVITATIONS_PER_PROJECT", default=20
)
RENOVATION_INVITATIONS_PER_DAY = env.int("RENOVATION_INVITATIONS_PER_DAY", default=30)
# Renovation estimate per m² by listing condition (listings.costs), from the renovations app's
# small-flat template (¥24,500 for about 50 m²): all of it for a flat that needs renovating
# (¥490), its painting, kitchen and bathroom fitting and cleaning for a basic one (¥7,000, ¥140),
# nothing for a renovated one. listings does not import renovations, so the figures live here.
RENOVATION_COST_PER_M2 = {
    "needs_renovation": env.int("RENOVATION_COST_PER_M2_NEEDS_RENOVATION", default=490),
    "basic": env.int("RENOVATION_COST_PER_M2_BASIC", default=140),
    "renovated": env.int("RENOVATION_COST_PER_M2_RENOVATED", default=0),
}
# Video viewings: slot length, how far ahead a buyer may book, when both are reminded, and the
# flood limits: requests waiting for an answer per buyer, and requests a buyer makes in a day.
VIEWING_SLOT_MINUTES = 30
VIEWINGS_BOOK_AHEAD_DAYS = 30
VIEWING_REMINDER_MINUTES = 60
VIEWINGS_PENDING_PER_BUYER = env.int("VIEWINGS_PENDING_PER_BUYER", default=5)
VIEWINGS_REQUESTS_PER_DAY = env.int("VIEWINGS_REQUESTS_PER_DAY", default=20)
# Where links in emails point.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Per-client limits (marketplace.limits.check_rate): counted in the cache, open when it is down.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = True
# Local memory is not shared between processes; Redis is whenever REDIS_URL is set. Without
# Redis (`make run`, one process) the E003 error would stop runserver and manage.py from starting.
SILENCED_SYSTEM_CHECKS = [] if REDIS_URL else ["django_ratelimit.E003", "django_ratelimit.W001"]

# --- Accounts and sign-in security (accounts.lockout, accounts.limits) -------------------
# Failed log-ins are counted per username and per client address, each against its own limit
# ("count/period", period s, m, h or d, counted from the first failure). A username is one
# person: 5 failures a day. An address may be a factory dormitory's NAT with hundreds of
# buyers behind it: 100 an hour is far above what a crowd's typos reach, and still stops one
# machine from trying a common password over thousands of usernames.
LOGIN_FAILURES_PER_USERNAME = env.str("LOGIN_FAILURES_PER_USERNAME", default="5/d")
LOGIN_FAILURES_PER_ADDRESS = env.str("LOGIN_FAILURES_PER_ADDRESS", default="100/h")
# The first lock-out lasts this long; each failure after it doubles the next, up to the maximum.
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=60)
LOGIN_LOCKOUT_MAX_SECONDS = env.int("LOGIN_LOCKOUT_MAX_SECONDS", default=3600)
# New accounts per client address, shared by the sign-up page and the API (THROTTLE_REGISTER
# was its name when only the API had it).
SIGNUP_RATE = env.str("SIGNUP_RATE", default=env.str("THROTTLE_REGISTER", default="5/h"))
# Password-reset emails asked for, per client address and per email address.
PASSWORD_RESET_RATE_PER_ADDRESS = env.str("PASSWORD_RESET_RATE_PER_ADDRESS", default="20/h")
PASSWORD_RESET_RATE_PER_EMAIL = env.str("PASSWORD_RESET_RATE_PER_EMAIL", default="3/h")
# Live API tokens per user; a new log-in drops the one used longest ago beyond this.
API_TOKENS_PER_USER = env.int("API_TOKENS_PER_USER", default=10)

AXES_HANDLER = "accounts.lockout.LoginAttemptHandler"
AXES_CACHE = "login_attempts"
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
# marketplace.client_address already made REMOTE_ADDR the real client address.
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
# An attempt refused during a lock-out checks no password, so it is no guess and does not count.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# The counters live in the cache; axes's database tables stay empty, so no admin pages for them.
AXES_ENABLE_ADMIN = False

# --- Operations: logs, metrics ---------------------------------------------------
# LOG_FORMAT=json: one JSON object a line (python-json-logger), for the log collector; every
# record carries the request id of the request or task it belongs to (marketplace.observability).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "marketplace.observability.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # One line per request is the access log; the text format keeps it out of `make run`'s way.
    "loggers": {
        "walkup.request": {
            "level": "INFO" if LOG_FORMAT == "json" else env.str("REQUEST_LOG_LEVEL", "WARNING")
        }
    },
}

# Purchases (purchases/): how many one person may open in a day (each one asks the other party
# and may reserve a flat), documents one person may upload in a day, and a document's size.
PURCHASES_OPENED_PER_DAY = env.int("PURCHASES_OPENED_PER_DAY", default=5)
PURCHASE_DOCUMENTS_PER_DAY = env.int("PURCHASE_DOCUMENTS_PER_DAY", default=60)
PURCHASE_DOCUMENT_MAX_BYTES = env.int("PURCHASE_DOCUMENT_MAX_BYTES", default=10_000_000)
PURCHASE_FILES_PER_STEP = env.int("PURCHASE_FILES_PER_STEP", default=20)
# --- insights (agents' figures, city markets) ----------------------------------------------
# A reader reloading a listing within this many seconds is not counted again.
INSIGHTS_VIEW_REPEAT_SECONDS = env.int("INSIGHTS_VIEW_REPEAT_SECONDS", default=1800)
INSIGHTS_DASHBOARD_PAGE_SIZE = env.int("INSIGHTS_DASHBOARD_PAGE_SIZE", default=50)
# Longer than the beat refresh (30 min), so a page view rarely computes a report.
INSIGHTS_MARKET_CACHE_SECONDS = env.int("INSIGHTS_MARKET_CACHE_SECONDS", default=7200)
# Who may read /metrics (Prometheus): addresses or networks, this machine only by default.
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1", "::1"])
