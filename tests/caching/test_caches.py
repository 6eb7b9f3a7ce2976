"""A process's caches, registered where they are made: one call invalidates an account in all
of them (a change committed here, or notified from another process), one forgets everything
(notifications were interrupted), and the metrics read their counts by name."""

from __future__ import annotations

from ramsts.caching import Caches


def test_invalidating_an_account_reaches_every_cache_registered() -> None:
    caches = Caches()
    keys = caches.cache("access_keys", limit=10, max_age=60.0, scope=lambda _, v: v[0])
    roles = caches.cache("roles", limit=10, max_age=60.0, scope=lambda k, _: k[0])
    keys.put("LTAI-acme", ("acme", "secret"))
    roles.put(("acme", "admin"), "role")
    roles.put(("globex", "admin"), "role")

    caches.invalidate("acme")

    assert keys.peek("LTAI-acme") is None
    assert roles.peek(("acme", "admin")) is None
    assert roles.peek(("globex", "admin")) == "role"


def test_invalidating_all_forgets_every_account_entry_and_keeps_what_no_account_owns() -> None:
    caches = Caches()
    roles = caches.cache("roles", limit=10, max_age=60.0, scope=lambda k, _: k)
    issuers = caches.cache("oidc_issuers", limit=10, max_age=60.0)
    roles.put("acme", 1)
    roles.put("globex", 2)
    issuers.put("https://idp.example.com", 3)

    caches.invalidate_all()

    assert caches.sizes() == {"roles": 0, "oidc_issuers": 1}


def test_hits_and_misses_add_up_by_cache_name() -> None:
    caches = Caches()
    one = caches.cache("roles", limit=10, max_age=60.0)
    other = caches.cache("roles", limit=10, max_age=60.0)  # a second component of one name
    for cache in (one, other):
        cache.get("admin", lambda _: "role")
        cache.get("admin", lambda _: "role")

    assert (caches.hits(), caches.misses()) == ({"roles": 2}, {"roles": 2})
