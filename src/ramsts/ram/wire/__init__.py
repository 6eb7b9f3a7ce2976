"""RAM on the wire: each RPC action declared once, as how its parameters become the use
case's typed input and how the use case's typed output becomes the real service's answer.

The use cases (:mod:`ramsts.ram.users`, :mod:`ramsts.ram.login_profiles`,
:mod:`ramsts.ram.access_keys`) know nothing of parameters or response bodies; the console calls
them directly, the API through the handlers :func:`register_actions` builds from these
declarations.
"""
