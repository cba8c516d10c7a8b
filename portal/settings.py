"""Settings of the portal, read from the environment.

The embedded default (no variable set but DEBUG) is what `make run` uses: SQLite, tasks run
inline, e-mail printed to the console. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY and
ALLOWED_HOSTS; a bad value stops the process at start-up rather than half-working.
"""

import os
import re
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from portal import logs

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
    SECRET_KEY = "development-only-secret-key-not-for-production"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "portal.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount.providers.openid_connect",
    "accounts",
    "access",
    "contactdata",
    "chaman",
    "ebox",
    "oauth2_provider",
    "decisions",
    "provisioning",
    "mandates",
    "imports",
    "portal",
    "devidp",
]

MIDDLEWARE = [
    # First, so that every answer, a 500 included, carries the request's id.
    "portal.request_id.RequestIdMiddleware",
    # Requests by view and status, and their latency, for /metrics; the After one is last.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.SessionActivityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "access.login.setup_middleware.AccountSetupMiddleware",
    "access.login.reauthentication.ReturnedPageMiddleware",
    "portal.middleware.PrivatePagesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.login_options",
                "access.login.reauthentication.action_to_confirm",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No just-in-time compilation: the portal's queries read a page of rows each, and where the
    # planner overestimated one among a country's rows, compiling it cost half a second before
    # the 60 ms of the query itself (docs/benchmarks.md, the eighth round).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "portal.cache.SharedClientRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with no broker configured, tasks run inline in the request (the embedded default).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_DEFAULT_QUEUE = "celery"  # the broker's list of waiting tasks, whose length the metrics give
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up quickly when the broker is down: the outbox row stays pending and the
# sweeper queues it again once the broker is back.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "timeout": 2}
CELERY_BEAT_SCHEDULE = {
    "flush-outbox": {"task": "accounts.tasks.flush_outbox", "schedule": 60.0},
    "clear-sessions": {"task": "portal.tasks.clear_sessions", "schedule": 15 * 60.0},
    # A heartbeat not run within the minute is dropped: a worker that runs it keeps up.
    "worker-heartbeat": {"task": "portal.tasks.record_heartbeat", "schedule": 60.0, "options": {"expires": 60}},
    # People are told of changes to their access: the notices whose batch has closed, each minute,
    # and every morning the grants that end within 14 days (at 06:00 UTC: 07:00 or 08:00 in Brussels).
    "send-notices": {"task": "access.tasks.notices_sweep", "schedule": 60.0},
    "tell-expiring-grants": {"task": "access.tasks.grants_expiring_tell", "schedule": crontab(hour=6, minute=0)},
    # Every hour, so that the first run after midnight in Brussels records the ends of the day
    # before, and a run missed (a worker down) is made up an hour later.
    "end-dates-reached": {"task": "access.tasks.end_dates_reached", "schedule": crontab(minute=5)},
    # Access over time (docs/design.md §5.13): the access reviews whose deadline has passed close
    # within the hour after it (a whole day of Brussels); their managers are reminded each morning,
    # a week and a day before it; unused grants are warned and ended each morning.
    "close-access-reviews": {"task": "access.tasks.reviews_close", "schedule": crontab(minute=5)},
    "remind-access-reviews": {"task": "access.tasks.reviews_remind", "schedule": crontab(hour=6, minute=10)},
    "end-unused-grants": {"task": "access.tasks.unused_grants_end", "schedule": crontab(hour=5, minute=30)},
    # A request for a second approval expires 7 days after it was made, within the hour after.
    "expire-approval-requests": {"task": "access.tasks.approvals_expire", "schedule": crontab(minute=15)},
    # An import whose progress stopped (its task lost with the broker, its worker killed) is taken up again.
    "resume-imports": {"task": "imports.tasks.imports_resume", "schedule": 60.0},
}


def env_positive_ints(name: str, default: str) -> list[int]:
    """Whole numbers of 1 or more, comma-separated."""
    try:
        values = [int(item) for item in env_list(name, default)]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise ImproperlyConfigured(
            f"{name} must be whole numbers of 1 or more, comma-separated, not {os.environ.get(name, default)!r}"
        )
    return values


def env_positive_int(name: str, default: str) -> int:
    value = os.environ.get(name) or default
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of 1 or more, not {value!r}")
    return int(value)


def env_seconds(name: str, default: str) -> int:
    """A number of seconds; 0 turns off what it limits."""
    value = os.environ.get(name) or default
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number of seconds (0: off), not {value!r}")
    return int(value)


# /health/ answers 503 when the worker's heartbeat (portal.worker) is older than this, and when the
# oldest message the outbox has not delivered is older than that. With tasks inline (no broker)
# there is no worker to hear from.
WORKER_HEARTBEAT_MAX_AGE = env_seconds("WORKER_HEARTBEAT_MAX_AGE", "0" if CELERY_TASK_ALWAYS_EAGER else "300")
OUTBOX_BACKLOG_MAX_AGE = env_seconds("OUTBOX_BACKLOG_MAX_AGE", "900")

# The outbox tries a message that a provider refused again after these delays in seconds (the
# n-th after the n-th attempt, the last one repeating), and marks it failed after the last attempt.
OUTBOX_MAX_ATTEMPTS = env_positive_int("OUTBOX_MAX_ATTEMPTS", "6")
OUTBOX_RETRY_SECONDS = env_positive_ints("OUTBOX_RETRY_SECONDS", "60,300,900,3600")

# A person is told of changes to their access in one e-mail once no other change has come for
# this many seconds (or once the first has waited five times as long). With tasks inline (no
# broker, no beat) each change is told at once.
NOTICE_BATCH_SECONDS = env_seconds("NOTICE_BATCH_SECONDS", "0" if CELERY_TASK_ALWAYS_EAGER else "120")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "access.login.adapters.AccountAdapter"
USERSESSIONS_ADAPTER = "access.login.adapters.UserSessionsAdapter"
SOCIALACCOUNT_ADAPTER = "access.login.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_USER_DISPLAY = "accounts.models.display_name"
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
# The number of proxies in front of the portal, each appending to X-Forwarded-For the address it
# received the request from (the TLS proxy: 1). With 0 the client's address is REMOTE_ADDR and the
# header is ignored. The journal (accounts.http.client_ip) and allauth's rate limits read it.
try:
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
except ValueError:
    TRUSTED_PROXY_COUNT = -1
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be the number of proxies in front of the portal (0, 1, ...)")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Failed logins are counted in the shared cache, per client address and per username. An office
# shares one address: the per-address limits (failed logins, and all logins: allauth's 30 a minute
# would hold back an office at nine) stop a guesser trying many usernames, well above what one
# person types, so that one person's mistakes lock only their own username.
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("LOGIN_FAILED_RATE", "300/m/ip,5/15m/key"),
    "login": "300/m/ip",
}
# Recovery codes come with every one-time-code app: a person who lost their phone logs in with one
# of them (each works once) and is shown them right after enrolling the app.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Access Management"
MFA_FORMS = {"activate_totp": "accounts.setup.ActivateTOTPForm"}
# Managers prove who they are again before designating or blocking for all groups.
REAUTHENTICATION_SECONDS = int(os.environ.get("REAUTHENTICATION_SECONDS", "300"))
ACCOUNT_REAUTHENTICATION_TIMEOUT = REAUTHENTICATION_SECONDS
TEMPORARY_PASSWORD_DAYS = int(os.environ.get("TEMPORARY_PASSWORD_DAYS", "30"))
# Sessions are listed per person (allauth's user sessions) and end after this long without a request.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", "1800"))
if SESSION_IDLE_SECONDS < 60:
    raise ImproperlyConfigured(f"SESSION_IDLE_SECONDS must be at least 60, not {SESSION_IDLE_SECONDS}")


def env_rate(name: str, default: str) -> tuple[int, int]:
    """A rate such as `5/h` or `10/d` (also s, m and a multiple: `3/15m`): (count, seconds)."""
    value = os.environ.get(name) or default
    count, _slash, period = value.partition("/")
    multiple, unit = period[:-1], period[-1:]
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(unit)
    if not (count.isdigit() and int(count) > 0 and seconds and (multiple == "" or multiple.isdigit())):
        raise ImproperlyConfigured(f"{name} must be a rate such as 5/h or 10/d, not {value!r}")
    return int(count), seconds * int(multiple or "1")


# Each designation of a Main Access Manager without a Belgian number, and each new sending of
# their credentials, costs an SMS: limited per person who asks and per enterprise.
CREDENTIALS_RATE_PER_ACTOR = env_rate("CREDENTIALS_RATE_PER_ACTOR", "5/h")
CREDENTIALS_RATE_PER_ENTERPRISE = env_rate("CREDENTIALS_RATE_PER_ENTERPRISE", "10/d")

# The decision point (docs/decisions-api.md): each online service is an OAuth 2.0 client
# (django-oauth-toolkit, client-credentials grant only) whose scopes name the services it asks
# about. Tokens are short-lived and stored as a checksum only; client secrets as a hash.
DECISIONS_TOKEN_SECONDS = env_positive_int("DECISIONS_TOKEN_SECONDS", "300")
OAUTH2_PROVIDER_APPLICATION_MODEL = "decisions.Client"
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": DECISIONS_TOKEN_SECONDS,
    "SCOPES_BACKEND_CLASS": "decisions.scopes.ServiceScopes",
    # Not read with the backend above, but required by the toolkit.
    "SCOPES": {"service": "An online service"},
    # The token endpoint knows the client-credentials grant and no other.
    "OAUTH2_SERVER_CLASS": "oauthlib.oauth2.BackendApplicationServer",
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["client_credentials"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": [],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post"],
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # RFC 9700 throughout: no implicit or password grant, tokens only in the Authorization header
    # and stored as a checksum, never in clear.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}


def env_rates(name: str, default: str, per: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Rates in the syntax of LOGIN_FAILED_RATE, `120/m/ip,30/m/key` (also s, h, d and a multiple:
    `5/15m/key`), each counted per one of `per`: (count, seconds, per)."""
    value = os.environ.get(name) or default
    rates = []
    for part in value.split(","):
        count, _slash, rest = part.strip().partition("/")
        period, _slash, kind = rest.partition("/")
        multiple, seconds = period[:-1] or "1", {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(period[-1:])
        if not (count.isdigit() and int(count) > 0 and seconds and multiple.isdigit() and int(multiple) > 0):
            seconds = None
        if seconds is None or kind not in per:
            raise ImproperlyConfigured(
                f"{name} must be rates such as 120/m/ip,30/m/key (per {' or '.join(per)}), not {value!r}"
            )
        rates.append((int(count), seconds * int(multiple), kind))
    return rates


# Each token request checks a client's secret against its hash, slow by design: the token endpoint
# counts its requests per client address (ip) and per client id (key), and answers 429 past a rate.
DECISIONS_TOKEN_RATE = env_rates("DECISIONS_TOKEN_RATE", "120/m/ip,30/m/key", per=("ip", "key"))
# Provisioning (docs/provisioning.md): tokens a manager makes for the enterprise's HR system, valid
# PROVISIONING_TOKEN_DAYS unless the manager chooses another day, up to PROVISIONING_TOKEN_MAX_DAYS.
# A client address that sends unusable tokens is refused past PROVISIONING_FAILED_TOKEN_RATE; a
# SCIM request body over SCIM_MAX_BODY_BYTES is refused before it is read.
PROVISIONING_TOKEN_DAYS = env_positive_int("PROVISIONING_TOKEN_DAYS", "90")
PROVISIONING_TOKEN_MAX_DAYS = env_positive_int("PROVISIONING_TOKEN_MAX_DAYS", "365")
if PROVISIONING_TOKEN_DAYS > PROVISIONING_TOKEN_MAX_DAYS:
    raise ImproperlyConfigured("PROVISIONING_TOKEN_DAYS must not exceed PROVISIONING_TOKEN_MAX_DAYS")
PROVISIONING_FAILED_TOKEN_RATE = env_rates("PROVISIONING_FAILED_TOKEN_RATE", "20/m/ip,200/d/ip", per=("ip",))
SCIM_MAX_BODY_BYTES = env_positive_int("SCIM_MAX_BODY_BYTES", "1048576")
# A permitted decision moves the person's "last used" date of that service forward at most once
# in this many seconds per person, enterprise and service.
SERVICE_USE_INTERVAL_SECONDS = env_positive_int("SERVICE_USE_INTERVAL_SECONDS", "300")

# Federated login: the federal authentication service (eID, itsme, MyGov.be, one-time code) over
# OpenID Connect. With DEV_IDP_ENABLED the portal serves its own development provider at
# /dev-idp/ and, unless told otherwise, logs in through it.
DEV_IDP_ENABLED = env_bool("DEV_IDP_ENABLED", False)
if DEV_IDP_ENABLED and not DEBUG:
    # It logs anyone in as any demo person: under gunicorn it would be a door to every account.
    raise ImproperlyConfigured("DEV_IDP_ENABLED is a development tool: it needs DEBUG=1, never in production")
# `make bench` measures pages against a trivial page behind the same login and middleware.
BENCHMARK_FLOOR_ENABLED = env_bool("BENCHMARK_FLOOR", False)
OIDC_SERVER_URL = os.environ.get("OIDC_SERVER_URL", "http://127.0.0.1:8000/dev-idp" if DEV_IDP_ENABLED else "")
OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "portal-development" if DEV_IDP_ENABLED else "")
OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "development-only-secret" if DEV_IDP_ENABLED else "")
if OIDC_SERVER_URL and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_SERVER_URL needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET")
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "SCOPE": ["openid", "profile", "email", "egovnrn"],
        "APPS": [
            {
                "provider_id": "federal",
                "name": "Federal authentication service",
                "client_id": OIDC_CLIENT_ID,
                "secret": OIDC_CLIENT_SECRET,
                "settings": {"server_url": OIDC_SERVER_URL},
            }
        ]
        if OIDC_SERVER_URL
        else [],
    }
}
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("nl", _("Dutch")), ("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # The manifest needs `collectstatic` first: production images run it; development need not.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# E-mail and SMS. Development writes both to the outbox page (/dev/outbox/); production sends
# e-mail by SMTP and SMS through an HTTP gateway.
EMAIL_BACKEND_NAME = os.environ.get(
    "EMAIL_BACKEND", "accounts.mail.DevOutboxBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_NAME,
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "25")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "timeout": int(os.environ.get("EMAIL_TIMEOUT", "10")),
        }
        if EMAIL_BACKEND_NAME.endswith("smtp.EmailBackend")
        else {},
    }
}
SMS_BACKEND = os.environ.get(
    "SMS_BACKEND", "accounts.sms.DevOutboxBackend" if DEBUG else "accounts.sms.HttpGatewayBackend"
)
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_TIMEOUT = float(os.environ.get("SMS_GATEWAY_TIMEOUT", "5"))
if SMS_BACKEND.endswith("HttpGatewayBackend") and not DEBUG and not (SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN):
    raise ImproperlyConfigured("SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN are required for the HTTP SMS gateway")
DEV_OUTBOX_ENABLED = DEBUG and env_bool("DEV_OUTBOX_ENABLED", True)
# The development outbox shows every e-mail and SMS, temporary passwords included, to whoever asks.
if not DEBUG and env_bool("DEV_OUTBOX_ENABLED", False):
    raise ImproperlyConfigured("DEV_OUTBOX_ENABLED is a development tool: it needs DEBUG=1, never in production")
for _name, _backend in (("EMAIL_BACKEND", EMAIL_BACKEND_NAME), ("SMS_BACKEND", SMS_BACKEND)):
    if not DEBUG and _backend.endswith(".DevOutboxBackend"):
        raise ImproperlyConfigured(f"{_name} {_backend} is a development tool: it needs DEBUG=1, never in production")
DEV_OUTBOX_DIR = os.environ.get("DEV_OUTBOX_DIR", str(BASE_DIR / "outbox"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@localhost")

# Security headers and cookies. Production (DEBUG off) is HTTPS only; behind a proxy that ends
# TLS, set SECURE_PROXY_SSL_HEADER=1 so that X-Forwarded-Proto says the request was secure.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The load balancer's health check speaks plain HTTP, and so may Prometheus, which scrapes each
# machine on the private network (a redirect would not keep its token from the wire: it is sent first).
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
_identity_origin = "/".join(OIDC_SERVER_URL.split("/")[:3]) if OIDC_SERVER_URL.startswith("http") else ""
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    # The federated login posts to the portal, which redirects to the identity provider.
    "form-action": [CSP.SELF, *([_identity_origin] if _identity_origin else [])],
}

PAGE_SIZE = 25


def portal_url(value: str) -> str:
    """The portal's address as e-mails give it: PORTAL_URL, or `make run`'s with DEBUG, or the first
    host of ALLOWED_HOSTS over HTTPS."""
    if not value and DEBUG:
        value = "http://127.0.0.1:8000"  # make run
    elif not value:
        host = next((host for host in ALLOWED_HOSTS if host != "*" and not host.startswith(".")), "")
        if not host:
            raise ImproperlyConfigured("PORTAL_URL is required when ALLOWED_HOSTS names no single host")
        value = f"https://{host}"
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
        raise ImproperlyConfigured(f"PORTAL_URL must be an address such as https://portal.example.be, not {value!r}")
    return value.rstrip("/")


# The portal's address, given in the e-mails that send a username (without the slash at the end).
PORTAL_URL = portal_url(os.environ.get("PORTAL_URL", ""))
# Uploads: the one file the portal takes is an import of users, at most 2 MB (imports.reading.MAX_BYTES;
# its upload handler stops reading past it). A file is kept in memory up to this size, never on disk,
# and a request carries one file at most. The proxy in front should refuse bodies over 3 MB as well.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # the fields of a request besides its files (Django's default)
DATA_UPLOAD_MAX_NUMBER_FILES = 1

# How people reach the service desk, shown on the help, accessibility and privacy pages (empty:
# the pages say to ask the operator of the portal).
SERVICE_DESK_EMAIL = os.environ.get("SERVICE_DESK_EMAIL", "")
SERVICE_DESK_PHONE = os.environ.get("SERVICE_DESK_PHONE", "")

# Errors go to Sentry when a DSN is set, without personal data (portal.sentry).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from portal import sentry

    sentry.init(SENTRY_DSN, environment=os.environ.get("SENTRY_ENVIRONMENT", "production"))

# /metrics is read with `Authorization: Bearer <METRICS_TOKEN>`; without a token it is not offered.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 32 characters: a random string, not a word")

# Log lines are JSON on standard output in production, for the log collector; with DEBUG a line
# for people to read. Each names its request (or Celery task); a 4xx is a line, never a traceback.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("console" if DEBUG else "json")
if LOG_FORMAT not in {"json", "console"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or console, not {LOG_FORMAT!r}")
LOGGING = logs.configuration(json=LOG_FORMAT == "json", level=os.environ.get("LOG_LEVEL", "INFO"))
