"""STS's actions on the wire: one declaration per action (:mod:`ramsts.sts.wire.declaration`),
parameters → the typed request of :mod:`ramsts.sts` → the real service's body."""
