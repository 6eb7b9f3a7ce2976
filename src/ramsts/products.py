"""The products ramsts serves or knows of, each declared once, as its clients address it.

A product is what an SDK names in a request: its API ``Version`` (how the action table finds
it), its endpoint (the ``HostId`` of its error envelopes), its product code (the troubleshooting
link's ``product=``, and the audit trail's ``serviceName``), and what RAM calls it: the service
part of its actions (``ram:GetUser``). Every other module names a product through
these values, so that no API version or product host is spelled anywhere else in ``src/``
(``tests/test_products.py`` looks for one).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Product:
    """One API product as its clients address it."""

    code: str
    """Product code as Alibaba's troubleshooting links spell it (``Sts``, ``Ram``): also its
    events' ``serviceName``, which an AccessKey's last use (Ims's ``ServiceName``) reports."""
    version: str
    """API version the SDKs send (``2015-04-01``)."""
    host_id: str
    """The ``HostId`` of error envelopes: the product's public endpoint name (a regional
    product's, in :attr:`region`)."""
    action_prefix: str = ""
    """The service part of the RAM actions that authorize its calls (``iot`` in
    ``iot:QueryProduct``); the code in lower case if not given."""
    region: str = ""
    """A regional product's default region, the one its :attr:`host_id` names; empty for a
    global product."""

    def __post_init__(self) -> None:
        # A product declared by code alone (the action table's keyword form) names itself.
        if not self.action_prefix:
            object.__setattr__(self, "action_prefix", self.code.lower())

    def host_in(self, region: str) -> str:
        """The endpoint in ``region``: a regional product's name carries the region, a global
        product has one name everywhere."""
        if not self.region:
            return self.host_id
        return self.host_id.replace(f".{self.region}.", f".{region}.", 1)

    def action(self, name: str) -> str:
        """The RAM action that authorizes a call of ``name`` (``sts:AssumeRole``)."""
        return f"{self.action_prefix}:{name}"


RAM = Product(code="Ram", version="2015-05-01", host_id="ram.aliyuncs.com")
STS = Product(code="Sts", version="2015-04-01", host_id="sts.aliyuncs.com")
IMS = Product(code="Ims", version="2019-08-15", host_id="ims.aliyuncs.com", action_prefix="ram")
"""The identity-management API beside RAM: its actions are RAM's (``ram:CreateUser``)."""
IOT = Product(
    code="Iot", version="2018-01-20", host_id="iot.cn-shanghai.aliyuncs.com", region="cn-shanghai"
)
"""IoT Platform, the sample resource service guarded by ramsts (:mod:`ramsts.iot`)."""
ACTIONTRAIL = Product(
    code="Actiontrail",
    version="2020-07-06",
    host_id="actiontrail.cn-hangzhou.aliyuncs.com",
    region="cn-hangzhou",
)
"""ActionTrail: LookupEvents over the audit trail (:mod:`ramsts.actiontrail`). The SDK's endpoint
rule is regional (``actiontrail.<region>.aliyuncs.com``)."""
RAMSTS = Product(code="Ramsts", version="2026-11-01", host_id="ramsts")
"""ramsts's own extension product: ``VerifyRequest``, which resource services call
(:mod:`ramsts.guard.verification`)."""

PRODUCTS: tuple[Product, ...] = (RAM, STS, IMS, IOT, ACTIONTRAIL, RAMSTS)

PRODUCT_BY_VERSION: dict[str, Product] = {product.version: product for product in PRODUCTS}
