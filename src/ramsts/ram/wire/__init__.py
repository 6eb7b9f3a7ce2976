"""RAM on the wire: each RPC action declared once, as how its parameters become the use
case's typed input and how the use case's typed output becomes the real service's answer.

The use cases (:mod:`ramsts.ram.users`, :mod:`ramsts.ram.login_profiles`,
:mod:`ramsts.ram.access_keys`, :mod:`ramsts.ram.groups`, :mod:`ramsts.ram.roles`,
:mod:`ramsts.ram.service_linked_roles`, :mod:`ramsts.ram.policies`,
:mod:`ramsts.ram.policy_versions`, :mod:`ramsts.ram.attachments`, :mod:`ramsts.ram.tags`,
:mod:`ramsts.ram.mfa`, :mod:`ramsts.ram.account_alias`, :mod:`ramsts.ram.passwords`,
:mod:`ramsts.ram.security_preference`, :mod:`ramsts.ram.diagnostics`) know nothing of
response bodies (the password policy's and security preference's readers of parameters stay
beside them, where Ims's adapters find them too); the console calls them directly, the API
through the handlers :func:`~ramsts.ram.wire.declaration.register_actions` builds from these
declarations (one module here per use-case module, each with its ``ACTIONS`` table).
"""
