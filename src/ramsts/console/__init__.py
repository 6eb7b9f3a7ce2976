"""ramsts.console — the RAM web console: server-rendered pages over the same RAM actions as the
API, run as the signed-in root or RAM user.

The composition root mounts :func:`create_console` at ``/console`` (``ramsts.services``).
"""

from ramsts.console.app import create_console

__all__ = ["create_console"]
