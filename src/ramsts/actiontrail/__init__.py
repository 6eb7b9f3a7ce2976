"""ActionTrail (:data:`ramsts.products.ACTIONTRAIL`): the audit trail ramsts records
(:mod:`ramsts.audit`), read back with ``LookupEvents`` (:mod:`ramsts.actiontrail.events`), as
the real service's event history is. Every other ActionTrail action (trails, delivery) answers
``InvalidAction.NotFound``.
"""
