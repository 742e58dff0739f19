"""Subcommands `review`, `audit` and `schema` (added to the main parser by ``add_commands``)."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

log = logging.getLogger("giextract")

ROLLUP_HELP = ("CSV of parent → child agencies for the region roll-up: a header row naming the columns "
               "'parent' and 'child', then one row per child; names as the reports print the agency")


def cmd_review(args: argparse.Namespace) -> int:
    from giextract.views.review import write_review

    try:
        pages = write_review(Path(args.results), Path(args.out))
    except FileNotFoundError as exc:
        log.error("%s", exc)
        return 2
    except OSError as exc:
        log.error("cannot write %s: %s", args.out, exc.strerror or exc)
        return 2
    print(f"{len(pages)} pages and {Path(args.out) / 'index.html'}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from giextract.views.audit import write_audit
    from giextract.views.rollup import RollupError

    try:
        audited = write_audit(Path(args.results), Path(args.out), Path(args.regions) if args.regions else None,
                              review_dir=args.review)
    except (FileNotFoundError, RollupError) as exc:
        log.error("%s", exc)
        return 2
    except OSError as exc:
        log.error("cannot write %s: %s", args.out, exc.strerror or exc)
        return 2
    failing = sum(any(c.outcome == "fail" for c in a.checks) for a in audited)
    print(f"{len(audited)} reports audited, {failing} fail at least one check: {args.out}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from giextract.views.schema import field_reference, schema_json

    sys.stdout.write(field_reference() if args.markdown else schema_json())
    return 0


def add_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    rv = sub.add_parser("review", help="HTML review pages (one per report, and an index) from a results file")
    rv.add_argument("results", help="JSONL written by `extract DIR --out FILE` (or one record's .json)")
    rv.add_argument("--out", required=True, help="folder for the pages (created if missing)")
    rv.set_defaults(func=cmd_review)
    au = sub.add_parser("audit", help="checklist per report for supervising offices (HTML, or CSV if --out ends in .csv)")
    au.add_argument("results", help="JSONL written by `extract DIR --out FILE`")
    au.add_argument("--out", required=True, help="audit.html, or audit.csv for one row per report and check")
    au.add_argument("--regions", metavar="CSV", help=ROLLUP_HELP)
    au.add_argument("--review", metavar="DIR", help="link each report to its page in this review folder "
                                                    "(as written by `review` from the same results)")
    au.set_defaults(func=cmd_audit)
    sc = sub.add_parser("schema", help="print the JSON Schema of a record (the output contract)")
    sc.add_argument("--markdown", action="store_true", help="print the README's field reference instead")
    sc.set_defaults(func=cmd_schema)
