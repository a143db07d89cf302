"""Leave out of the deployment zip what no function ever uses. Chalice packages whole wheels
and has no exclude setting, so ``make package`` rewrites the zip after it (and the packaging
test does the same, so the tests run what is deployed).

    python -m infra.slim_package build/package/deployment.zip

What goes, and why it is safe:

- test suites that wheels ship inside their package (icalendar's);
- every time zone of ``tzdata`` but UTC and the zones the afdeling files name (the functions
  only ever ask ``zoneinfo`` for those; the Lambda image has no system tz database, so tzdata
  is where zoneinfo finds them);
- dateutil's own zoneinfo tarball (a second copy of the tz database: we use ``zoneinfo``);
- charset_normalizer's compiled accelerators (``*.so``, built by mypyc from the same Python
  modules, which it falls back to; ``requests`` only uses it to guess the encoding of an answer
  that does not declare one, and Mailchimp's answers are JSON in UTF-8).

The packaging test imports and runs the slimmed zip (a feed, a Mailchimp client, a page).
"""
from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Top-level folders inside third-party packages that are their own tests, or data we never read.
DROP_PREFIXES = ("icalendar/tests/", "dateutil/zoneinfo/dateutil-zoneinfo.tar.gz")
ALWAYS_ZONES = ("UTC", "Etc/UTC")


def zones_in_use(data_dir: Path = ROOT / "functions" / "afdeling" / "data") -> set[str]:
    """UTC and every afdeling file's time zone."""
    zones = set(ALWAYS_ZONES)
    for path in data_dir.glob("*.json"):
        zones.add(str(json.loads(path.read_text(encoding="utf-8")).get("tijdzone") or "Europe/Amsterdam"))
    return zones


def keep(name: str, zones: set[str]) -> bool:
    if name.startswith(DROP_PREFIXES):
        return False
    if name.startswith("charset_normalizer/") and name.endswith(".so"):
        return False
    if name.startswith("tzdata/zoneinfo/"):
        zone = name[len("tzdata/zoneinfo/"):]
        if zone.endswith((".py", "/")) or "/" not in zone and zone.endswith(".tab"):
            return True  # the package's modules and indexes
        return zone in zones
    return True


def slim(path: Path, zones: set[str] | None = None) -> tuple[int, int]:
    """Rewrite the zip without what :func:`keep` refuses; (size before, size after) in bytes."""
    zones = zones or zones_in_use()
    before = path.stat().st_size
    tmp = path.with_suffix(".slim.zip")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if keep(info.filename, zones):
                dst.writestr(info, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED,
                             compresslevel=9)
    os.replace(tmp, path)
    return before, path.stat().st_size


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "build/package/deployment.zip")
    was, now = slim(target)
    print(f"slimmed the deployment zip: {was / 1024:.0f} KiB -> {now / 1024:.0f} KiB")
