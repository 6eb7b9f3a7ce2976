"""Ims's own actions on the wire: one declaration per action (:mod:`ramsts.ram.wire.declaration`),
parameters → the typed input of :mod:`ramsts.ims` → the real service's body."""
