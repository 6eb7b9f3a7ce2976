"""Per-account request quotas, as the real STS enforces them: a call past its account's quota
is refused with ``Throttling.User`` (400), "Request was denied due to user flow control.".

See :mod:`ramsts.throttling.throttle` for how servers sharing a database share the counts.
"""

from ramsts.throttling.throttle import (
    MERGE_INTERVAL,
    THROTTLED_MESSAGE,
    RequestCountStore,
    Throttle,
)

__all__ = ["MERGE_INTERVAL", "THROTTLED_MESSAGE", "RequestCountStore", "Throttle"]
