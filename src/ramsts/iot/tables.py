"""The IoT sample's own storage: two tables, ``iot_products`` and ``iot_devices``, in SQLAlchemy
Core, created on start (no migrations: a sample service's schema is created, never upgraded).

Every row belongs to an account: a principal sees its own account's products and devices only,
and another account's ProductKey reads as one that does not exist, as on the real platform.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

metadata = sa.MetaData()

products = sa.Table(
    "iot_products",
    metadata,
    sa.Column("product_key", sa.String(32), primary_key=True),
    sa.Column("account_id", sa.String(32), nullable=False, index=True),
    sa.Column("product_name", sa.String(64), nullable=False),
    sa.Column("node_type", sa.Integer, nullable=False),
    sa.Column("data_format", sa.Integer, nullable=False),
    sa.Column("description", sa.String(200), nullable=False, default=""),
    sa.Column("product_secret", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("account_id", "product_name", name="uq_iot_products_name"),
)

devices = sa.Table(
    "iot_devices",
    metadata,
    sa.Column("iot_id", sa.String(64), primary_key=True),
    sa.Column(
        "product_key",
        sa.String(32),
        sa.ForeignKey("iot_products.product_key", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("device_name", sa.String(64), nullable=False),
    sa.Column("nickname", sa.String(64), nullable=False, default=""),
    sa.Column("device_secret", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("product_key", "device_name", name="uq_iot_devices_name"),
)


@dataclass(frozen=True, slots=True)
class ProductRow:
    product_key: str
    account_id: str
    product_name: str
    node_type: int
    data_format: int
    description: str
    product_secret: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DeviceRow:
    iot_id: str
    product_key: str
    device_name: str
    nickname: str
    device_secret: str
    status: str
    created_at: datetime


def open_iot_database(url: str) -> sa.Engine:
    """An engine on ``url`` with the ``iot_`` tables created. ``sqlite://`` (in memory) keeps one
    shared connection, so every thread sees the same data."""
    if url in ("sqlite://", "sqlite:///:memory:"):
        engine = sa.create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    elif url.startswith("sqlite"):
        # Beside ramsts's own engine on the same file: wait for its writers instead of failing.
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
    metadata.create_all(engine)
    return engine


class IotTables:
    """Reads and writes of the two tables; each method is its own transaction."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    @contextmanager
    def _begin(self) -> Iterator[sa.Connection]:
        with self._engine.begin() as conn:
            yield conn

    def add_product(self, row: ProductRow) -> None:
        with self._begin() as conn:
            conn.execute(products.insert().values(**_fields(row)))

    def product(self, account_id: str, product_key: str) -> ProductRow | None:
        query = products.select().where(
            products.c.account_id == account_id, products.c.product_key == product_key
        )
        with self._begin() as conn:
            found = conn.execute(query).first()
        return None if found is None else ProductRow(**found._mapping)

    def product_named(self, account_id: str, product_name: str) -> ProductRow | None:
        query = products.select().where(
            products.c.account_id == account_id, products.c.product_name == product_name
        )
        with self._begin() as conn:
            found = conn.execute(query).first()
        return None if found is None else ProductRow(**found._mapping)

    def products_page(self, account_id: str, page: int, size: int) -> tuple[int, list[ProductRow]]:
        """Newest first, as the real QueryProductList orders them."""
        where = products.c.account_id == account_id
        with self._begin() as conn:
            total = conn.execute(sa.select(sa.func.count()).where(where)).scalar_one()
            rows = conn.execute(
                products.select()
                .where(where)
                .order_by(products.c.created_at.desc(), products.c.product_key)
                .offset((page - 1) * size)
                .limit(size)
            ).all()
        return int(total), [ProductRow(**row._mapping) for row in rows]

    def update_product(self, product_key: str, **values: str) -> None:
        with self._begin() as conn:
            conn.execute(
                products.update().where(products.c.product_key == product_key).values(**values)
            )

    def delete_product(self, product_key: str) -> None:
        with self._begin() as conn:
            conn.execute(devices.delete().where(devices.c.product_key == product_key))
            conn.execute(products.delete().where(products.c.product_key == product_key))

    def device_counts(self, product_keys: list[str]) -> dict[str, int]:
        if not product_keys:
            return {}
        query = (
            sa.select(devices.c.product_key, sa.func.count())
            .where(devices.c.product_key.in_(product_keys))
            .group_by(devices.c.product_key)
        )
        with self._begin() as conn:
            return {key: int(count) for key, count in conn.execute(query).all()}

    def add_device(self, row: DeviceRow) -> None:
        with self._begin() as conn:
            conn.execute(devices.insert().values(**_fields(row)))

    def device(self, product_key: str, device_name: str) -> DeviceRow | None:
        query = devices.select().where(
            devices.c.product_key == product_key, devices.c.device_name == device_name
        )
        with self._begin() as conn:
            found = conn.execute(query).first()
        return None if found is None else DeviceRow(**found._mapping)

    def device_by_id(self, iot_id: str) -> DeviceRow | None:
        with self._begin() as conn:
            found = conn.execute(devices.select().where(devices.c.iot_id == iot_id)).first()
        return None if found is None else DeviceRow(**found._mapping)

    def devices_by_ids(
        self, iot_ids: Sequence[str], account_id: str | None = None
    ) -> dict[str, DeviceRow]:
        """The devices of these IotIds that exist, by IotId, in one query; of ``account_id``'s
        products only when it is given."""
        if not iot_ids:
            return {}
        query = devices.select().where(devices.c.iot_id.in_(set(iot_ids)))
        if account_id is not None:
            owned = sa.select(products.c.product_key).where(products.c.account_id == account_id)
            query = query.where(devices.c.product_key.in_(owned))
        with self._begin() as conn:
            rows = conn.execute(query).all()
        return {row.iot_id: DeviceRow(**row._mapping) for row in rows}

    def devices_page(self, product_key: str, page: int, size: int) -> tuple[int, list[DeviceRow]]:
        where = devices.c.product_key == product_key
        with self._begin() as conn:
            total = conn.execute(sa.select(sa.func.count()).where(where)).scalar_one()
            rows = conn.execute(
                devices.select()
                .where(where)
                .order_by(devices.c.created_at.desc(), devices.c.device_name)
                .offset((page - 1) * size)
                .limit(size)
            ).all()
        return int(total), [DeviceRow(**row._mapping) for row in rows]


def _fields(row: ProductRow | DeviceRow) -> dict[str, object]:
    return {name: getattr(row, name) for name in row.__slots__}
