"""Command line: `python -m giextract extract PATH... [--out FILE]`, `python -m giextract bench`."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Iterator, Optional, Sequence

from giextract.core.model import ErrorRecord, Report, SourceInfo
from giextract.ingest.decode import InputError
from giextract.pipeline import extract

log = logging.getLogger("giextract")
REPORT_SUFFIXES = {".txt", ".text", ".md"}


def _inputs(paths: Sequence[str]) -> Iterator[Path]:
    for p in paths:
        path = Path(p)
        if path.is_dir():
            yield from sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in REPORT_SUFFIXES)
        else:
            yield path


def _record(path: Path) -> Report:
    """Every input gets a record: the extraction, or the specific reason it could not be read."""
    try:
        return extract(path)
    except InputError as exc:
        return Report(source=SourceInfo(path=str(path), sha256="", chars=0),
                      errors=[ErrorRecord(stage="ingest", message=str(exc))])
    except Exception as exc:  # a batch never dies on one file
        log.exception("failed on %s", path)
        return Report(source=SourceInfo(path=str(path), sha256="", chars=0),
                      errors=[ErrorRecord(stage="internal", message=f"{type(exc).__name__}: {exc}")])


def cmd_extract(args: argparse.Namespace) -> int:
    if args.mode != "rules":
        log.error("--mode %s needs the LLM layer, which this version does not ship yet; use --mode rules", args.mode)
        return 2
    files = list(_inputs(args.paths))
    single = len(files) == 1 and not Path(args.paths[0]).is_dir()
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    progress = _progress(len(files), quiet=args.quiet or single)
    try:
        for path in files:
            report = _record(path)
            if single:
                out.write(report.model_dump_json(indent=2) + "\n")
            else:
                out.write(report.model_dump_json() + "\n")
            progress.update(1)
    finally:
        progress.close()
        if args.out:
            out.close()
    return 0


class _NoProgress:
    def update(self, n: int) -> None: ...
    def close(self) -> None: ...


def _progress(total: int, quiet: bool):  # type: ignore[no-untyped-def]
    if quiet or not sys.stderr.isatty():
        return _NoProgress()
    from tqdm import tqdm

    return tqdm(total=total, unit="report", file=sys.stderr)


def cmd_bench(args: argparse.Namespace) -> int:
    from giextract.bench import run_bench

    result = run_bench(args.corpus, args.reports)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from giextract.evaluation.run import main as run_eval

    return run_eval(args.mode, args.split, args.json, args.compare)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="giextract", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="extract one report (JSON) or many / a folder (JSONL)")
    ex.add_argument("paths", nargs="+")
    ex.add_argument("--out", help="write here instead of standard output")
    ex.add_argument("--mode", choices=("rules", "llm", "hybrid"), default="rules")
    ex.add_argument("--quiet", action="store_true", help="no progress bar")
    ex.set_defaults(func=cmd_extract)
    be = sub.add_parser("bench", help="reports/second and peak memory of the rules path")
    be.add_argument("--corpus", default="eval/sources", help="folder of .txt reports (default: the eval set)")
    be.add_argument("--reports", type=int, default=1000)
    be.set_defaults(func=cmd_bench)
    ev = sub.add_parser("eval", help="score a mode against the hand-read gold set in eval/")
    ev.add_argument("--mode", choices=("rules", "llm", "hybrid"), default="rules")
    ev.add_argument("--split", choices=("dev", "test"))
    ev.add_argument("--json", help="write every figure and per-report details here")
    ev.add_argument("--compare", help="a previous --json output to print deltas against")
    ev.set_defaults(func=cmd_eval)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return int(args.func(args))
