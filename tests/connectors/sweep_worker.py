"""Runs the shop's retention sweep in its own process so a test can kill it mid-run.
Prints one line per committed batch. Usage: python sweep_worker.py URL BATCH_SIZE PAUSE_SECONDS"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from examples.shop import REFERENCE_NOW  # noqa: E402
from examples.shop.rules import SHOP_RULES  # noqa: E402
from personvern.connectors.datamap import load_datamap_file  # noqa: E402
from personvern.connectors.engine import make_engine  # noqa: E402
from personvern.connectors.retention import sweep  # noqa: E402


def main() -> None:
    url, batch_size, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    datamap = load_datamap_file(Path(__file__).resolve().parents[2] / "examples" / "shop" / "datamap.yaml")

    def after_batch(rule: str, rows: int) -> None:
        print(f"batch {rule} {rows}", flush=True)
        time.sleep(pause)  # widen the window in which the test kills us

    result = sweep(make_engine(url), SHOP_RULES, REFERENCE_NOW, batch_size=batch_size, datamap=datamap, hash_key=b"k", progress=after_batch)
    print("done", result.counts, flush=True)


if __name__ == "__main__":
    main()
