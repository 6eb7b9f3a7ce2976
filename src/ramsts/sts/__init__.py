"""STS (Security Token Service, API version ``2015-04-01``): the role-session actions.

Each action module exposes ``register(table, services)``, listed in
:data:`ramsts.services.ACTION_MODULES`; it declares the product with the constants below.
"""

PRODUCT_CODE = "Sts"
API_VERSION = "2015-04-01"
HOST_ID = "sts.aliyuncs.com"
