"""Demo Norwegian web-shop database for the connectors: `build_shop(url, customers, seed)`
or `python -m examples.shop --url URL --customers N`."""

from examples.shop.generate import REFERENCE_NOW, build_shop, customers_with_orders, drop_database, ensure_database

__all__ = ["REFERENCE_NOW", "build_shop", "customers_with_orders", "drop_database", "ensure_database"]
