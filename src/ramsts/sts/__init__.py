"""STS (Security Token Service, :data:`ramsts.products.STS`): the role-session actions.

Each action module exposes ``register(table, services)``, listed in
:data:`ramsts.services.ACTION_MODULES`; it declares the product as :mod:`ramsts.products` does.
"""
