"""IoT Platform, as a sample resource service guarded by ramsts (:data:`ramsts.products.IOT`).

It stands for an external product: the actions, parameters and response shapes follow the real
IoT Platform API (QueryProductList, QueryProduct, CreateProduct, UpdateProduct, DeleteProduct,
RegisterDevice, QueryDevice, QueryDeviceDetail, BatchGetDeviceState), so Alibaba's SDKs call it
unchanged, and every call is authorized as ``iot:<Action>`` on the product's or the device's ARN.

Being a stand-in for someone else's service, it keeps its own data with SQLAlchemy Core in its own
``iot_`` tables, created on start, on SQLite or PostgreSQL (:mod:`ramsts.iot.tables`), rather than
through ramsts's store. It runs two ways:

* inside ``ramsts serve --demo-products``, on the server's action table: the API has already
  authenticated the request, so the product only authorizes (:mod:`ramsts.iot.product`);
* standalone, ``ramsts demo-iot``: its own Starlette app behind
  :class:`ramsts.guard.GuardMiddleware` in remote mode (:mod:`ramsts.iot.app`).
"""
