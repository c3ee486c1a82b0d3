"""python -m examples.shop --url URL --customers N [--seed 42]"""

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from examples.shop.generate import build_shop
from personvern.connectors.engine import ConnectorError


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m examples.shop", description="Build the demo web-shop database.")
    parser.add_argument("--url", required=True, help="postgresql://postgres@127.0.0.1/shop, mysql://root@127.0.0.1/shop or sqlite:///shop.db")
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    try:
        counts = build_shop(args.url, args.customers, args.seed, progress=lambda msg: print(msg, flush=True))
    except (ConnectorError, ValueError, SQLAlchemyError) as exc:
        print(f"error: {getattr(exc, 'orig', None) or exc}", file=sys.stderr)
        return 2
    for table, count in counts.items():
        print(f"{table:24s} {count:>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
