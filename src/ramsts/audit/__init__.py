"""ramsts.audit — the audit trail: every call, allowed or refused, and every console sign-in
and change, as an ActionTrail event (:mod:`ramsts.audit.events`), recorded by
:class:`~ramsts.audit.recorder.AuditRecorder` (changes in their own transaction, the rest in
batches)."""

from ramsts.audit.events import CONSOLE, SIGN_IN, Call, EventSource, Outcome
from ramsts.audit.recorder import AuditRecorder

__all__ = ["CONSOLE", "SIGN_IN", "AuditRecorder", "Call", "EventSource", "Outcome"]
