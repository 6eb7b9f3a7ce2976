"""Settings of a ramsts server, from the environment and command-line flags.

Every flag of ``ramsts serve`` has an environment variable; a flag given on the command line wins
over the variable, the variable over the default:

==========================  ===============================  ===============================
variable                    default                          meaning
==========================  ===============================  ===============================
``RAMSTS_HOST``             ``127.0.0.1``                    address to listen on
``RAMSTS_PORT``             ``8080``                         port to listen on
``RAMSTS_DB``               ``sqlite:///./var/ramsts.db``    database URL (SQLite, PostgreSQL)
``RAMSTS_WORKERS``          ``1``                            worker processes
``RAMSTS_DATA_DIR``         ``./var``                        where the master key file is kept
``RAMSTS_MASTER_KEY``       (unset: key file)                base64 of the 32-byte master key
``RAMSTS_LOG_LEVEL``        ``info``                         ``debug``, ``info``, ``warning``,
                                                             ``error``
``RAMSTS_DEMO_PRODUCTS``    ``0``                            ``1``: also serve the IoT sample
``RAMSTS_TLS_CERT``         (unset: plain HTTP)              PEM certificate (chain) to serve
                                                             https with
``RAMSTS_TLS_KEY``          (unset: plain HTTP)              its PEM private key; both or
                                                             neither
``RAMSTS_OIDC_CA_FILE``     (unset: system CAs)              PEM CA bundle that OIDC issuers'
                                                             https certificates are checked
                                                             against (AssumeRoleWithOIDC)
``RAMSTS_SAML_RECIPIENTS``  (Alibaba Cloud's SSO URLs)      the ``Recipient`` URLs (comma-
                                                             separated) AssumeRoleWithSAML
                                                             accepts instead
``RAMSTS_LOG_FORMAT``       ``text``                         ``text``, or ``json``: one JSON
                                                             object a line
``RAMSTS_METRICS``          ``0``                            ``1``: serve ``GET /metrics``
                                                             (Prometheus text format)
``RAMSTS_THROTTLE``         (none)                           per-account request quotas,
                                                             e.g. ``AssumeRole=100/s``
``RAMSTS_CACHE_MAX_AGE``    ``1``                            seconds what is read from the
                                                             database is cached (0 to 3600)
``RAMSTS_AUDIT_RETENTION``  ``90d``                          how long the audit trail keeps an
                                                             event (days ``d`` or hours ``h``)
``RAMSTS_TRUSTED_PROXIES``  (none)                           proxies whose ``X-Forwarded-*``
                                                             headers are believed
``RAMSTS_HEADER_TIMEOUT``   ``5``                            seconds to send a request head
``RAMSTS_MAX_CONNECTIONS``  ``4096``                         connections per process at most
``RAMSTS_SHUTDOWN_TIMEOUT`` ``10``                           seconds a stopping server gives
                                                             the requests it is answering
==========================  ===============================  ===============================

The last four are :class:`TransportSettings`, which every front door shares (``ramsts serve``,
``ramsts demo-iot``, ``ramsts demo``'s server, :mod:`ramsts.testing`).

The master key itself is not held here: :func:`ramsts.crypto.load_master_key` reads it from the
same environment, so it never sits in a settings object that might be printed.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from ramsts.errors import InvalidParameter
from ramsts.request_quotas import RequestQuota, parse_request_quotas

MASTER_KEY_FILE_NAME = "master.key"
LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("text", "json")
MAX_HEADER_TIMEOUT = 600.0
MAX_SHUTDOWN_TIMEOUT = 3600.0
MAX_CACHE_MAX_AGE = 3600.0
DEFAULT_AUDIT_RETENTION = timedelta(days=90)
_AGE = re.compile(r"([0-9]{1,6})([dh])")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_Number = TypeVar("_Number", int, float)


@dataclass(frozen=True, slots=True)
class TransportSettings:
    """How a front door treats its connections (``docs/deploy.md``, "Connections")."""

    trusted_proxies: tuple[Network, ...] = ()
    """The proxies whose ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed; none unless
    the operator names them, for anyone can send those headers."""
    header_timeout: float = 5.0
    """Seconds a connection has to send a whole request head, from its opening or the previous
    answer; then it is closed, so that stalled clients do not hold connections."""
    max_connections: int = 4096
    """Connections one process holds at most (fewer if its open-file limit is lower)."""
    shutdown_timeout: float = 10.0
    """Seconds a stopping server waits for the requests it is answering (and for the bodies
    still on their way) before it cancels them: a client that never finishes its body must not
    keep a server from stopping."""

    def overridden(
        self,
        *,
        trusted_proxies: str | None = None,
        header_timeout: float | None = None,
        max_connections: int | None = None,
        shutdown_timeout: float | None = None,
    ) -> TransportSettings:
        """These settings with every flag that was given (not ``None``) applied."""
        changed = self
        if trusted_proxies is not None:
            changed = replace(changed, trusted_proxies=parse_trusted_proxies(trusted_proxies))
        if header_timeout is not None:
            changed = replace(changed, header_timeout=header_timeout)
        if max_connections is not None:
            changed = replace(changed, max_connections=max_connections)
        if shutdown_timeout is not None:
            changed = replace(changed, shutdown_timeout=shutdown_timeout)
        return _checked_transport(changed)

    def to_env(self) -> dict[str, str]:
        return {
            "RAMSTS_TRUSTED_PROXIES": ",".join(str(network) for network in self.trusted_proxies),
            "RAMSTS_HEADER_TIMEOUT": repr(self.header_timeout),
            "RAMSTS_MAX_CONNECTIONS": str(self.max_connections),
            "RAMSTS_SHUTDOWN_TIMEOUT": repr(self.shutdown_timeout),
        }


TRANSPORT_FLAGS = ("trusted_proxies", "header_timeout", "max_connections", "shutdown_timeout")


@dataclass(frozen=True, slots=True, repr=False)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    db_url: str = "sqlite:///./var/ramsts.db"
    workers: int = 1
    data_dir: Path = Path("./var")
    log_level: str = "info"
    log_format: str = "text"
    demo_products: bool = False
    metrics: bool = False
    """Whether ``GET /metrics`` answers (docs/operations.md: who may scrape)."""
    throttle: tuple[RequestQuota, ...] = ()
    """Per-account request quotas; none by default."""
    transport: TransportSettings = TransportSettings()
    # Read by `ramsts serve` alone, which hands them to every worker's uvicorn: the workers'
    # applications never need them, so to_env() leaves them out.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    oidc_ca_file: Path | None = None
    """The CA bundle OIDC issuers' certificates are checked against; the system's when unset."""
    cache_max_age: float = 1.0
    """Seconds a key, role or principal's policies read from the database is used before it
    is read again: on SQLite the longest a change made by another process takes to apply; on
    PostgreSQL changes are notified at once, and this bounds only a notification's loss."""
    saml_recipients: tuple[str, ...] = ()
    """The assertion ``Recipient`` URLs AssumeRoleWithSAML accepts, for IdPs configured with a
    self-hosted endpoint's own; empty: the real service's (``https://signin.aliyun.com/…``)."""
    audit_retention: timedelta = DEFAULT_AUDIT_RETENTION
    """How long the audit trail keeps an event (``--audit-retention``); 90 days, as the real
    event history."""

    @property
    def master_key_file(self) -> Path:
        return self.data_dir / MASTER_KEY_FILE_NAME

    def overridden(self, **flags: Any) -> Settings:
        """These settings with every flag that was given (not ``None``) applied."""
        given = {name: value for name, value in flags.items() if value is not None}
        transport = {name: given.pop(name) for name in TRANSPORT_FLAGS if name in given}
        if transport:
            given["transport"] = self.transport.overridden(**transport)
        if "data_dir" in given:
            given["data_dir"] = Path(given["data_dir"])
        if isinstance(given.get("audit_retention"), str):
            given["audit_retention"] = parse_age(given["audit_retention"], "AuditRetention")
        if isinstance(given.get("throttle"), str):
            given["throttle"] = parse_request_quotas(given["throttle"])
        for name in ("tls_cert", "tls_key", "oidc_ca_file"):
            if name in given:
                given[name] = Path(given[name])
        return _checked(replace(self, **given))

    @property
    def db_url_for_display(self) -> str:
        """The database URL with any password replaced by ``***``."""
        return redact_url_password(self.db_url)

    def __repr__(self) -> str:
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        shown["db_url"] = self.db_url_for_display
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    def to_env(self) -> dict[str, str]:
        """The variables that reproduce these settings (for worker processes)."""
        return {
            "RAMSTS_HOST": self.host,
            "RAMSTS_PORT": str(self.port),
            "RAMSTS_DB": self.db_url,
            "RAMSTS_WORKERS": str(self.workers),
            "RAMSTS_DATA_DIR": str(self.data_dir),
            "RAMSTS_LOG_LEVEL": self.log_level,
            "RAMSTS_LOG_FORMAT": self.log_format,
            "RAMSTS_DEMO_PRODUCTS": "1" if self.demo_products else "0",
            "RAMSTS_METRICS": "1" if self.metrics else "0",
            "RAMSTS_THROTTLE": ",".join(str(quota) for quota in self.throttle),
            "RAMSTS_CACHE_MAX_AGE": repr(self.cache_max_age),
            "RAMSTS_AUDIT_RETENTION": format_age(self.audit_retention),
            **(
                {} if self.oidc_ca_file is None else {"RAMSTS_OIDC_CA_FILE": str(self.oidc_ca_file)}
            ),
            **(
                {"RAMSTS_SAML_RECIPIENTS": ",".join(self.saml_recipients)}
                if self.saml_recipients
                else {}
            ),
            **self.transport.to_env(),
        }


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``env`` (the process environment by default) over the defaults."""
    source = os.environ if env is None else env
    defaults = Settings()
    return _checked(
        Settings(
            host=source.get("RAMSTS_HOST", defaults.host),
            port=_number(source, "RAMSTS_PORT", defaults.port, "a whole number"),
            db_url=source.get("RAMSTS_DB", defaults.db_url),
            workers=_number(source, "RAMSTS_WORKERS", defaults.workers, "a whole number"),
            data_dir=Path(source.get("RAMSTS_DATA_DIR", str(defaults.data_dir))),
            log_level=source.get("RAMSTS_LOG_LEVEL", defaults.log_level).lower(),
            log_format=source.get("RAMSTS_LOG_FORMAT", defaults.log_format).lower(),
            demo_products=_flag(source, "RAMSTS_DEMO_PRODUCTS"),
            metrics=_flag(source, "RAMSTS_METRICS"),
            throttle=parse_request_quotas(source.get("RAMSTS_THROTTLE", "")),
            tls_cert=_path(source, "RAMSTS_TLS_CERT"),
            tls_key=_path(source, "RAMSTS_TLS_KEY"),
            oidc_ca_file=_path(source, "RAMSTS_OIDC_CA_FILE"),
            saml_recipients=_urls(source, "RAMSTS_SAML_RECIPIENTS"),
            cache_max_age=_number(
                source, "RAMSTS_CACHE_MAX_AGE", defaults.cache_max_age, "a number of seconds"
            ),
            audit_retention=parse_age(
                source.get("RAMSTS_AUDIT_RETENTION", format_age(defaults.audit_retention)),
                "RAMSTS_AUDIT_RETENTION",
            ),
            transport=transport_from_env(source),
        )
    )


def transport_from_env(env: Mapping[str, str] | None = None) -> TransportSettings:
    """The transport settings from ``env`` (the process environment by default)."""
    source = os.environ if env is None else env
    defaults = TransportSettings()
    return _checked_transport(
        TransportSettings(
            trusted_proxies=parse_trusted_proxies(source.get("RAMSTS_TRUSTED_PROXIES", "")),
            header_timeout=_number(
                source, "RAMSTS_HEADER_TIMEOUT", defaults.header_timeout, "a number of seconds"
            ),
            max_connections=_number(
                source, "RAMSTS_MAX_CONNECTIONS", defaults.max_connections, "a whole number"
            ),
            shutdown_timeout=_number(
                source, "RAMSTS_SHUTDOWN_TIMEOUT", defaults.shutdown_timeout, "a number of seconds"
            ),
        )
    )


def parse_age(text: str, name: str) -> timedelta:
    """An age as operators write one: a whole number of days (``90d``) or hours (``12h``),
    more than zero."""
    match = _AGE.fullmatch(text.strip())
    if match is None or int(match[1]) == 0:
        raise InvalidParameter(
            name, f"{name} must be a number of days or hours such as 90d or 12h, not {text!r}."
        )
    number = int(match[1])
    return timedelta(days=number) if match[2] == "d" else timedelta(hours=number)


def format_age(age: timedelta) -> str:
    """``age`` as :func:`parse_age` reads it (in hours unless whole days)."""
    hours = int(age.total_seconds()) // 3600
    return f"{hours // 24}d" if hours % 24 == 0 else f"{hours}h"


def parse_trusted_proxies(text: str) -> tuple[Network, ...]:
    """``10.0.0.1,10.0.0.0/8,fd00::/8``: IP addresses and CIDR blocks, separated by commas."""
    networks: list[Network] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry))
        except ValueError:
            raise InvalidParameter("TrustedProxies", _not_a_network(entry)) from None
    return tuple(networks)


def _not_a_network(entry: str) -> str:
    try:
        loose = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return f"A trusted proxy must be an IP address or a CIDR block, not {entry!r}."
    # 10.0.0.1/8 is most likely a typing slip; trusting a whole /8 must be asked for as such.
    return f"The trusted proxy {entry!r} has bits set past its prefix length: write {loose}."


def redact_url_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _flag(source: Mapping[str, str], name: str) -> bool:
    text = source.get(name, "0").strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise InvalidParameter(name, f"{name} must be 1 or 0, not {text!r}.")


def _path(source: Mapping[str, str], name: str) -> Path | None:
    text = source.get(name, "")
    return Path(text) if text else None


def _urls(source: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Absolute URLs separated by commas; none when the variable is unset or empty."""
    urls = tuple(part.strip() for part in source.get(name, "").split(",") if part.strip())
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise InvalidParameter(name, f"{name} must list absolute http(s) URLs, not {url!r}.")
    return urls


def _number(source: Mapping[str, str], name: str, default: _Number, what: str) -> _Number:
    """The variable ``name`` read as a number of the default's type (``what`` it must be)."""
    text = source.get(name)
    if text is None:
        return default
    try:
        return type(default)(text)
    except ValueError:
        raise InvalidParameter(name, f"{name} must be {what}, not {text!r}.") from None


def _checked(settings: Settings) -> Settings:
    if not 0 < settings.port < 65536:
        raise InvalidParameter("Port", f"The port must be 1 to 65535, not {settings.port}.")
    if settings.workers < 1:
        raise InvalidParameter("Workers", f"Workers must be 1 or more, not {settings.workers}.")
    if not settings.db_url:
        raise InvalidParameter("Db", "The database URL must not be empty.")
    if settings.log_level not in LOG_LEVELS:
        raise InvalidParameter(
            "LogLevel",
            f"The log level must be one of {', '.join(LOG_LEVELS)}: {settings.log_level!r}.",
        )
    if settings.log_format not in LOG_FORMATS:
        raise InvalidParameter(
            "LogFormat",
            f"The log format must be one of {', '.join(LOG_FORMATS)}: {settings.log_format!r}.",
        )
    age = settings.cache_max_age
    if not (math.isfinite(age) and 0 <= age <= MAX_CACHE_MAX_AGE):
        raise InvalidParameter(
            "CacheMaxAge",
            f"The cache's age limit must be 0 to {MAX_CACHE_MAX_AGE:g} seconds, not {age:g}.",
        )
    if (settings.tls_cert is None) != (settings.tls_key is None):
        raise InvalidParameter(
            "Tls",
            "Serving https needs both a certificate and its key "
            "(--tls-cert and --tls-key, or RAMSTS_TLS_CERT and RAMSTS_TLS_KEY).",
        )
    return settings


def _checked_transport(transport: TransportSettings) -> TransportSettings:
    timeout = transport.header_timeout
    if not (math.isfinite(timeout) and 0 < timeout <= MAX_HEADER_TIMEOUT):
        raise InvalidParameter(
            "HeaderTimeout",
            f"The header timeout must be more than 0 and at most {MAX_HEADER_TIMEOUT:g} seconds, "
            f"not {timeout:g}.",
        )
    if transport.max_connections < 1:
        raise InvalidParameter(
            "MaxConnections",
            f"The connection bound must be 1 or more, not {transport.max_connections}.",
        )
    grace = transport.shutdown_timeout
    if not (math.isfinite(grace) and 0 <= grace <= MAX_SHUTDOWN_TIMEOUT):
        raise InvalidParameter(
            "ShutdownTimeout",
            f"The shutdown timeout must be 0 to {MAX_SHUTDOWN_TIMEOUT:g} seconds, not {grace:g}.",
        )
    return transport
