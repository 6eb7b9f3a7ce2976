"""The composition root: every long-lived object of a ramsts process, built once at start-up.

:func:`build_services` opens the store (applying migrations), loads the master key, loads the
SecurityToken key ring (creating its first key on a new installation), builds the product
services and registers their actions. The HTTP API, the console and the CLI all work from the
resulting :class:`Services`; nothing else opens the store.

Plugging in a product's actions: add the module to :data:`ACTION_MODULES`. Each module exposes::

    def register(table: ActionTable, services: Services) -> None:
        table.add_product(STS)  # from ramsts.products
        table.add(STS.version, "AssumeRole", AssumeRole(services.store, services.key_ring, ...))

and takes what its handlers need from ``services`` (``store``, ``master_key``, ``key_ring``,
``authorizer``, ``ram``, ``accounts``, ``clock``). Modules are imported by name so that this file
does not pull every action into processes that need none (``ramsts account create``).

The web console plugs in the same way: if :mod:`ramsts.console` defines
``create_console(services) -> ASGI app``, :func:`create_server_app` mounts it at ``/console``.
"""

from __future__ import annotations

import gc
import importlib
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from starlette.routing import BaseRoute, Mount

from ramsts.actiontrail.retention import TrailRetention
from ramsts.api import ApiApplication, create_app
from ramsts.api.actions import ActionTable
from ramsts.api.health import Readiness
from ramsts.api.metrics_route import metrics_route
from ramsts.audit import AuditRecorder
from ramsts.authentication import Authenticator
from ramsts.caching import Caches, RefreshAhead
from ramsts.config import Settings
from ramsts.crypto import MasterKey, load_master_key
from ramsts.federation import IssuerKeys
from ramsts.loop_work import off_loop
from ramsts.metrics import Metrics
from ramsts.products import IOT
from ramsts.ram.accounts import AccountService
from ramsts.ram.authorization import Authorizer
from ramsts.ram.service import RamService
from ramsts.store import Conflict, InvalidationListener, Store, open_store
from ramsts.throttling import Throttle
from ramsts.tokens import KeyRing, TokenKey
from ramsts.types import Clock, system_clock

ACTION_MODULES: tuple[str, ...] = (
    "ramsts.sts.product",
    "ramsts.ram.product",
    "ramsts.ims.product",
    "ramsts.actiontrail.product",
    "ramsts.guard.product",
)
"""Modules whose ``register(table, services)`` puts actions on the wire, in registration order:
STS, RAM, Ims (OIDC providers), ActionTrail (LookupEvents over the audit trail), and the
``VerifyRequest`` API that remote resource services call."""

DEMO_PRODUCT_MODULES: tuple[str, ...] = ("ramsts.iot.product",)
"""Added by ``ramsts serve --demo-products`` (``RAMSTS_DEMO_PRODUCTS=1``): the IoT sample."""

KEY_RING_RELOAD_INTERVAL = 1.0
"""Seconds between two reloads of the key ring forced by tokens naming an unknown key: a flood
of forged key ids costs at most one query per second."""


class StoredKeyRing:
    """The SecurityToken key ring as the store holds it, cached in this process.

    ``current()`` is the cached ring; ``reload()`` re-reads the store (another process may have
    rotated), at most once per :data:`KEY_RING_RELOAD_INTERVAL`.
    """

    def __init__(
        self,
        store: Store,
        master_key: MasterKey,
        *,
        clock: Clock = system_clock,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._master_key = master_key
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._ring = self._load()
        self._loaded_at = monotonic()

    def current(self) -> KeyRing:
        return self._ring

    def reload(self) -> KeyRing:
        """The ring, read again from the store if it was last read long enough ago: in loop
        work, in a worker thread (where the lock is held, never across a wait on the loop). A
        reload not yet due costs nothing, so tokens naming made-up key ids cost no thread."""
        if self._monotonic() - self._loaded_at < KEY_RING_RELOAD_INTERVAL:
            return self._ring
        return off_loop(self._reloaded)

    def _reloaded(self) -> KeyRing:
        with self._lock:
            if self._monotonic() - self._loaded_at >= KEY_RING_RELOAD_INTERVAL:
                self._ring = self._load()
                self._loaded_at = self._monotonic()
            return self._ring

    def _load(self) -> KeyRing:
        with self._store.read() as tx:
            stored = tx.token_keys.list()
        if not stored:
            return self._create_first_key()
        keys = [
            TokenKey.unseal(key.key_id, key.sealed_key, key.created_at, self._master_key)
            for key in stored
        ]
        current = next((key.key_id for key in stored if key.is_current), stored[0].key_id)
        return KeyRing(keys, current, clock=self._clock)

    def _create_first_key(self) -> KeyRing:
        now = self._clock()
        key = TokenKey.generate(now)
        try:
            with self._store.transaction() as tx:
                if not tx.token_keys.list():
                    tx.token_keys.add(key.key_id, key.seal(self._master_key), now=now, current=True)
        except Conflict:
            pass  # another process created one at the same instant: use whatever is there
        return self._load()


@dataclass(frozen=True)
class Services:
    """Everything a ramsts process serves with. Share one per process; call :meth:`close`."""

    settings: Settings
    clock: Clock
    store: Store
    master_key: MasterKey = field(repr=False)
    key_ring: StoredKeyRing
    authorizer: Authorizer
    ram: RamService
    accounts: AccountService
    authenticator: Authenticator
    actions: ActionTable
    caches: Caches
    """Every cache of store data this process keeps (:mod:`ramsts.caching`)."""
    issuer_keys: IssuerKeys
    """OIDC issuers' signing keys, fetched with the CA bundle of ``settings.oidc_ca_file``."""
    metrics: Metrics | None = None
    """This process's metrics, when ``settings.metrics`` asks for them."""
    throttle: Throttle | None = None
    """The per-account request quotas of ``settings.throttle``, when there are any."""
    invalidations: InvalidationListener | None = None
    """On PostgreSQL, for a process that serves requests: what invalidates the caches when
    another process announces a change."""
    audit: AuditRecorder | None = None
    """The audit trail's recorder (every server has one; tools that serve nothing, none)."""
    retention: TrailRetention | None = None
    """The background purge of events older than ``settings.audit_retention`` (servers only)."""

    def close(self) -> None:
        if self.retention is not None:
            self.retention.close()
        if self.audit is not None:
            self.audit.close()  # before the store: what is queued is written first
        if self.invalidations is not None:
            self.invalidations.close()
        if self.throttle is not None:
            self.throttle.close()
        if self.metrics is not None:
            self.metrics.close()
        self.store.dispose()


def build_services(
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    clock: Clock = system_clock,
    action_modules: tuple[str, ...] | None = None,
    wall_clock: Callable[[], float] = time.time,
) -> Services:
    """Open everything ``settings`` describe; ``env`` supplies ``RAMSTS_MASTER_KEY`` (the process
    environment by default). ``action_modules`` defaults to :func:`server_action_modules`; tools
    that serve no requests pass ``()``. ``wall_clock`` (seconds since the epoch) numbers the
    throttle's windows."""
    master_key = load_master_key(os.environ if env is None else env, settings.master_key_file)
    store = open_store(settings.db_url, clock=clock)
    modules = server_action_modules(settings) if action_modules is None else action_modules
    invalidations: InvalidationListener | None = None
    audit: AuditRecorder | None = None
    retention: TrailRetention | None = None
    try:
        key_ring = StoredKeyRing(store, master_key, clock=clock)
        caches = Caches(RefreshAhead())
        max_age = settings.cache_max_age
        authorizer = Authorizer(store, master_key, ttl=max_age, caches=caches)
        throttle = Throttle(settings.throttle, store, now=wall_clock) if settings.throttle else None
        if modules:
            # A command that serves nothing caches little and lives briefly: no listener.
            invalidations = store.listen_for_changes(caches.invalidate, caches.invalidate_all)
            # A process that serves calls records them on the audit trail.
            audit = AuditRecorder(store)
            retention = TrailRetention(store, settings.audit_retention, clock=clock)
        services = Services(
            settings=settings,
            clock=clock,
            store=store,
            master_key=master_key,
            key_ring=key_ring,
            authorizer=authorizer,
            ram=RamService(store=store, master_key=master_key, authorizer=authorizer, clock=clock),
            accounts=AccountService(store, master_key, clock=clock),
            authenticator=Authenticator(
                store, master_key, key_ring, clock=clock, cache_ttl=max_age, caches=caches
            ),
            actions=ActionTable(),
            caches=caches,
            issuer_keys=IssuerKeys(ca_file=settings.oidc_ca_file, caches=caches),
            metrics=process_metrics(store, caches, throttle, audit) if settings.metrics else None,
            throttle=throttle,
            invalidations=invalidations,
            audit=audit,
            retention=retention,
        )
        for name in modules:
            importlib.import_module(name).register(services.actions, services)
        if not set(DEMO_PRODUCT_MODULES) & set(modules):
            services.actions.mention_unserved(
                IOT.version,
                f"This server does not serve the IoT sample product ({IOT.version}): start it"
                " with `ramsts serve --demo-products` (or RAMSTS_DEMO_PRODUCTS=1).",
            )
    except BaseException:
        if retention is not None:
            retention.close()
        if audit is not None:
            audit.close()
        if invalidations is not None:
            invalidations.close()
        store.dispose()
        raise
    return services


CONSOLE_PATH = "/console"

NONCE_BATCH_BUCKETS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0)


def process_metrics(
    store: Store,
    caches: Caches,
    throttle: Throttle | None,
    audit: AuditRecorder | None = None,
) -> Metrics:
    """The metrics of a server process: the requests (counted by the API), and what the caches,
    the nonce ledger, the throttle and the audit trail keep count of."""
    metrics = Metrics()
    metrics.add_counts(
        "ramsts_cache_hits", "Lookups answered from a cache, by cache.", "cache", caches.hits
    )
    metrics.add_counts(
        "ramsts_cache_misses", "Lookups a cache had to load, by cache.", "cache", caches.misses
    )
    metrics.add_gauge(
        "ramsts_nonce_queue_depth",
        "Signature nonces waiting for the nonce writer.",
        store.nonce_queue_depth,
    )
    store.observe_nonce_batches(
        metrics.add_histogram(
            "ramsts_nonce_batch_size",
            "Signature nonces spent per statement.",
            NONCE_BATCH_BUCKETS,
        )
    )
    if audit is not None:
        metrics.add_gauge(
            "ramsts_audit_queue_depth",
            "Audit events not yet written on the audit trail.",
            audit.queue_depth,
        )
    if throttle is not None:
        metrics.add_counts(
            "ramsts_throttled_requests",
            "Requests refused with Throttling.User, by action.",
            "action",
            throttle.refused,
        )
    return metrics


def server_action_modules(settings: Settings) -> tuple[str, ...]:
    """The products a server with ``settings`` serves."""
    return ACTION_MODULES + (DEMO_PRODUCT_MODULES if settings.demo_products else ())


def create_server_app(services: Services, *, readiness: Readiness | None = None) -> ApiApplication:
    """The application a server runs: the API, with the console mounted when there is one.
    ``readiness`` (by default one of its own) asks the store whether it takes writes; the server
    that runs the application tells it when it stops."""
    metrics = [] if services.metrics is None else [metrics_route(services.metrics)]
    return create_app(
        services,
        extra_routes=[*metrics, *_console_routes(services)],
        readiness=readiness or Readiness(services.store.check_writable),
    )


def freeze_start_up_objects() -> None:
    """Move everything built so far (modules, tables, compiled policies, the app) out of the
    garbage collector's sight: a full collection then walks only what requests allocate, instead
    of the whole process every few thousand requests. Call it once the app is built."""
    gc.collect()
    gc.freeze()


def _console_routes(services: Services) -> list[BaseRoute]:
    console = importlib.import_module("ramsts.console")
    factory = getattr(console, "create_console", None)
    if factory is None:
        return []
    return [Mount(CONSOLE_PATH, app=factory(services))]
