"""Loaded by every Python process that has this directory on its path (``bench/audit_bench.py``
puts it on the path of its "off" server only): the server it starts records no audit trail.

The benchmark's way to measure what the trail costs, in the same run, on otherwise the same
code. ramsts itself has no switch to turn its audit trail off.
"""

import ramsts.services

ramsts.services.AuditRecorder = lambda store: None  # type: ignore[assignment,misc]
