"""One-off: move the meldpunt's counters to the cell key method (functions.meldpunt.migratie).

    make migrate-cijfers                 # the running local stack (make run)
    make migrate-cijfers STAGE=prod      # the deployed stack bij1-denhaag-prod

Idempotent: running it twice changes nothing the second time. Prints what it did.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone

from infra.tokens import table_for


def main(argv: list[str] | None = None) -> int:
    from functions.meldpunt import migratie

    parser = argparse.ArgumentParser(prog="infra.migrate_cijfers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="local")
    parser.add_argument("--stack", default=None)
    args = parser.parse_args(argv)
    done = migratie.run(table_for(args.stage, args.stack), datetime.now(timezone.utc))
    print(json.dumps(done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
