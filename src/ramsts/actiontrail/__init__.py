"""ActionTrail (API version ``2020-07-06``, ``actiontrail.<region>.aliyuncs.com``): the audit
trail ramsts records (:mod:`ramsts.audit`), read back with ``LookupEvents``
(:mod:`ramsts.actiontrail.events`), as the real service's event history is. Every other
ActionTrail action (trails, delivery) answers ``InvalidAction.NotFound``.
"""

PRODUCT_CODE = "Actiontrail"
API_VERSION = "2020-07-06"
REGION = "cn-hangzhou"
"""The one region ramsts serves, which its events name as ``acsRegion``."""
HOST_ID = f"actiontrail.{REGION}.aliyuncs.com"
