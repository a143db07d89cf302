"""Leave out of the deployment zip what no function ever imports: the test suites that some
wheels ship inside their package (icalendar's is 237 KiB of the zip). Chalice packages whole
wheels and has no exclude setting, so ``make package`` rewrites the zip after it.

    python -m infra.slim_package build/package/deployment.zip
"""
from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

# Top-level folders inside third-party packages that are their own tests.
DROP = ("icalendar/tests/",)


def slim(path: Path, drop: tuple[str, ...] = DROP) -> tuple[int, int]:
    """Rewrite the zip without the ``drop`` prefixes; (size before, size after) in bytes."""
    before = path.stat().st_size
    tmp = path.with_suffix(".slim.zip")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename.startswith(drop):
                continue
            dst.writestr(info, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
    os.replace(tmp, path)
    return before, path.stat().st_size


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "build/package/deployment.zip")
    was, now = slim(target)
    print(f"left out {', '.join(DROP)}: {(was - now) / 1024:.0f} KiB")
