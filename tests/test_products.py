"""Each product is declared once, in ``ramsts.products``: its API version and its endpoint are
spelled nowhere else in ``src/`` (tests and docs spell them: they state what clients send)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ramsts.products import ACTIONTRAIL, IMS, IOT, PRODUCT_BY_VERSION, PRODUCTS, RAM, STS, Product

SOURCE = Path(__file__).resolve().parents[1] / "src" / "ramsts"
VOCABULARY = SOURCE / "products.py"
# Alembic's revisions are history: a migration names what it did when it was written.
MIGRATIONS = SOURCE / "store" / "migrations"


def _spellings(product: Product) -> re.Pattern[str]:
    """The product's version, and its endpoint in any region (ramsts's own product has a name,
    ``ramsts``, not an endpoint)."""
    version = re.escape(product.version)
    if "." not in product.host_id:
        return re.compile(version)
    host = re.escape(product.host_id)
    if product.region:
        host = host.replace(re.escape(product.region), r"[a-z0-9-]+")
    return re.compile(rf"{version}|(?<![\w.-]){host}\b")


def _source_files() -> list[Path]:
    return [
        path
        for path in sorted(SOURCE.rglob("*"))
        if path.is_file()
        and path.suffix in {".py", ".html", ".js", ".json", ".css", ".txt"}
        and path != VOCABULARY
        and MIGRATIONS not in path.parents
    ]


@pytest.mark.parametrize("product", PRODUCTS, ids=lambda product: product.code)
def test_a_product_is_spelled_only_in_the_vocabulary(product: Product) -> None:
    spelling = _spellings(product)
    found = [
        f"{path.relative_to(SOURCE)}:{number}: {line.strip()}"
        for path in _source_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if spelling.search(line)
    ]
    assert not found, f"name ramsts.products.{product.code.upper()} instead"


def test_the_search_finds_a_spelling_where_there_is_one() -> None:
    assert _spellings(IOT).search('host = "iot.cn-beijing.aliyuncs.com"')
    assert _spellings(RAM).search('version = "2015-05-01"')
    # A trusted service's name is not the product's endpoint.
    assert not _spellings(ACTIONTRAIL).search('"actiontrail.aliyuncs.com"')
    assert not _spellings(STS).search('"sts-vpc.aliyuncs.com.example"')


def test_every_product_has_its_own_version() -> None:
    assert len(PRODUCT_BY_VERSION) == len(PRODUCTS)
    assert all(PRODUCT_BY_VERSION[product.version] is product for product in PRODUCTS)


def test_a_regional_product_has_an_endpoint_in_each_region() -> None:
    assert IOT.host_id == "iot.cn-shanghai.aliyuncs.com"
    assert IOT.host_in("cn-beijing") == "iot.cn-beijing.aliyuncs.com"
    assert ACTIONTRAIL.host_in("ap-southeast-1") == "actiontrail.ap-southeast-1.aliyuncs.com"


def test_a_global_product_has_one_endpoint_everywhere() -> None:
    assert STS.host_in("cn-beijing") == "sts.aliyuncs.com"


def test_a_product_authorizes_its_calls_as_ram_actions_of_its_service() -> None:
    assert STS.action("AssumeRole") == "sts:AssumeRole"
    assert IOT.action("QueryProduct") == "iot:QueryProduct"
    # Ims's actions are RAM's.
    assert IMS.action("CreateUser") == "ram:CreateUser"


def test_a_product_declared_by_code_alone_names_itself_by_it() -> None:
    product = Product(code="Kms", version="2016-01-20", host_id="kms.aliyuncs.com")
    assert (product.action_prefix, product.region) == ("kms", "")
