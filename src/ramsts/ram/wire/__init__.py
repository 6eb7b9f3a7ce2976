"""RAM on the wire: each RPC action declared once, as how its parameters become the use
case's typed input and how the use case's typed output becomes the real service's answer.

The use cases (:mod:`ramsts.ram.users`, :mod:`ramsts.ram.login_profiles`,
:mod:`ramsts.ram.access_keys`, :mod:`ramsts.ram.groups`, :mod:`ramsts.ram.roles`,
:mod:`ramsts.ram.policies`, :mod:`ramsts.ram.attachments`, :mod:`ramsts.ram.mfa`) know nothing
of parameters or response bodies; the console calls them directly, the API through the handlers
:func:`~ramsts.ram.wire.declaration.register_actions` builds from these declarations (one module
here per use-case module, each with its ``ACTIONS`` table).
"""
