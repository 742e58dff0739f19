"""Command line: `python -m giextract extract PATH... [--out FILE]`, `python -m giextract bench`."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Optional, Sequence

from giextract.core.model import Report

log = logging.getLogger("giextract")
def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text}: must be a number of seconds > 0")
    return value


def _llm_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("LLM (any OpenAI-compatible endpoint; also OPENAI_BASE_URL, OPENAI_API_KEY, GIEXTRACT_MODEL)")
    group.add_argument("--model", help="model name (default: $GIEXTRACT_MODEL or 'local')")
    group.add_argument("--base-url", help="endpoint, e.g. http://127.0.0.1:8765/v1 (default: $OPENAI_BASE_URL)")
    group.add_argument("--instructor-mode", choices=("tools", "json", "json_schema", "md_json"),
                       help="tools for hosted APIs, json for llama.cpp/vLLM/Ollama, md_json as a last resort")
    group.add_argument("--max-reasks", type=int, help="validation re-asks per call (default 2)")
    group.add_argument("--retries", type=int, help="tries for 429/5xx/timeouts (default 4)")
    group.add_argument("--no-cache", action="store_true", help="do not read or write the response cache")
    group.add_argument("--hybrid-narrative", choices=("fallback", "sentences", "always"),
                       help="when hybrid asks the model for problems/improvements (default: fallback = only "
                            "where the rules found none)")
    group.add_argument("--hybrid-prose-facts", action="store_true",
                       help="hybrid also asks the model for the prose facts of legacy reports with no 统计表")
    group.add_argument("--cache-dir", help="response cache folder (default: the user's cache folder, "
                                           "e.g. ~/.cache/giextract/llm; never the inputs or the current directory)")
    group.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                       help="seconds for a whole LLM call, every re-ask and retry included (default 120)")


def _llm_config(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from giextract.llm.config import LLMConfig

    return LLMConfig.from_env(model=args.model, base_url=args.base_url, mode=args.instructor_mode,
                              max_reasks=args.max_reasks, transient_attempts=args.retries,
                              hybrid_narrative=args.hybrid_narrative,
                              hybrid_prose_facts=True if args.hybrid_prose_facts else None,
                              use_cache=False if args.no_cache else None, timeout=args.timeout,
                              cache_dir=Path(args.cache_dir) if args.cache_dir else None)


def _record(path: Path, mode: str = "rules", llm=None) -> Report:  # type: ignore[no-untyped-def]
    from giextract.batch import error_record, extract_record

    try:
        return extract_record(path, mode, llm)
    except MemoryError:
        return error_record(path, "ran out of memory extracting this file", stage="budget")


def cmd_extract(args: argparse.Namespace) -> int:
    client = None
    mode = args.mode
    if mode != "rules":
        config = _llm_config(args)
        if mode is None:
            mode = "hybrid" if config.configured else "rules"
        if mode != "rules":
            if not config.configured:
                log.error("--mode %s needs an endpoint: --base-url or OPENAI_BASE_URL (see README)", mode)
                return 2
            from giextract.llm.client import LLMClient  # only LLM modes pay for openai/instructor

            client = LLMClient(config)
    from giextract.batch import BatchError, check_out, iter_records, run_batch, walk
    from giextract.workers import Budget

    single = len(args.paths) == 1 and not Path(args.paths[0]).is_dir()
    try:
        if args.out:
            check_out(Path(args.out), args.paths)
        if single and args.format == "jsonl":
            report = _record(Path(args.paths[0]), mode, client)
            text = report.model_dump_json(indent=2) + "\n"
            if args.out:
                _replace_file(Path(args.out), text)
            else:
                sys.stdout.write(text)
            if args.review:
                from giextract.views.review import write_review

                write_review([report], Path(args.review))
            return 1 if report.errors else 0
        if not args.out:
            if args.format != "jsonl":
                log.error("--format %s needs --out FILE", args.format)
                return 2
            failed, shown = 0, []
            for path in walk(args.paths):
                report = _record(path, mode, client)
                failed += bool(report.errors)
                sys.stdout.write(report.model_dump_json() + "\n")
                shown += [report] if args.review else []
            if args.review:
                from giextract.views.review import write_review

                write_review(shown, Path(args.review))
            return 1 if failed else 0
        out = Path(args.out)
        records = out if args.format == "jsonl" else out.with_name(out.name + ".records.jsonl")
        budget = Budget(timeout=args.file_timeout, memory=args.file_memory, ocr_page=args.ocr_page_seconds)
        if getattr(args, "llm_batch", False) and mode != "rules":  # the LLM calls through the Batch API
            from giextract.llm.batch_api import run_llm_batch

            result = run_llm_batch(run_batch, args.paths, records, mode, config, quiet=args.quiet)
        else:
            result = run_batch(args.paths, records, mode=mode, llm=client, jobs=args.jobs, quiet=args.quiet, budget=budget,
                               engine=args.engine)
        if args.format != "jsonl":
            from giextract.export import write_csv, write_parquet
            from giextract.views.panel import write_panel

            writer = {"csv": write_csv, "parquet": write_parquet, "panel": write_panel}[args.format]
            writer(iter_records(records), out)
        if args.review:
            from giextract.views.review import write_review

            write_review(iter_records(records), Path(args.review))
    except BatchError as exc:
        log.error("%s", exc)
        return 2
    except OSError as exc:
        log.error("cannot write %s: %s", args.out, exc.strerror or exc)
        return 2
    log.info("%d inputs: %d written, %d already done, %d with errors", result.total, result.written,
             result.skipped, result.errors)
    if result.errors:
        log.warning("%d of %d inputs have an error record", result.errors, result.total)
    return 1 if result.errors else 0


def _replace_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a fresh temporary file in the same folder (never a fixed name)."""
    import os
    import tempfile

    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o644)
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _size(text: str) -> int:
    from giextract.workers import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


EXTRACT_EPILOG = """exit status: 0 every record is ok; 1 at least one input's record is an error (unreadable,
not a report, over its budget; in a batch, records of earlier runs count too); 2 usage or setup error
(bad arguments, --out in a missing folder, --out locked by another run or equal to/inside an input,
disk full), with a message on stderr.

budgets: in a batch (rules mode) each file gets --file-timeout seconds (default 60; plus
--ocr-page-seconds, default 30, for each page its reader OCRs) and its worker
process --file-memory of address space (default 2G); a file over either, or whose worker dies, gets an
error record ("exceeded the 60 s budget ...") and the worker is replaced."""


def cmd_bench(args: argparse.Namespace) -> int:
    from giextract.bench import hostile_bench, run_batch_bench, run_bench, token_bench

    if args.hostile:  # the blow-up inputs only, each in a capped child process
        print(json.dumps({"hostile": hostile_bench(args.corpus)}, ensure_ascii=False, indent=2))
        return 0

    if args.resume:  # only the resume measurement: a rerun with nothing to do over N recorded inputs
        from giextract.bench import resume_bench

        print(json.dumps({"resume": resume_bench(args.corpus, args.resume)}, ensure_ascii=False, indent=2))
        return 0
    result: dict = {"rules_single_core": run_bench(args.corpus, args.reports)}
    if args.batch:
        result["batch_all_cores"] = run_batch_bench(args.corpus, args.batch)
    if args.tokens:
        result["llm_tokens_from_cassettes"] = token_bench()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def _replay_client(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The eval's LLM client and cassettes root: with no endpoint configured (or --cassettes), the
    recorded exchanges replay (cache off, so every call goes through them)."""
    from dataclasses import replace

    from giextract.llm.client import LLMClient

    config = _llm_config(args)
    cassettes = None
    if not config.configured or args.cassettes:
        cassettes = Path(args.cassettes or "cassettes")
        # Every other setting (re-asks, hybrid narrative policy, mode) is the user's, as given.
        config = replace(config, base_url="http://127.0.0.1:8765/v1", api_key=None, use_cache=False)
    return LLMClient(config), cassettes


def cmd_eval(args: argparse.Namespace) -> int:
    from giextract.evaluation.run import main as run_eval

    if args.layouts and args.mode != "rules":  # the LLM sample of the matrix, rules beside it
        from giextract.evaluation.layouts.hybrid import main as run_layouts_llm

        client, cassettes = _replay_client(args)
        try:
            return run_layouts_llm(args.mode, client, cassettes or Path("cassettes"), args.json, args.layout,
                                   args.seeds)
        except (FileNotFoundError, ValueError) as exc:
            log.error("%s", exc)
            return 2
    if args.layouts:
        from giextract.evaluation.run import main_layouts

        layouts = args.layout
        if args.ocr:  # the scanned layouts, beside the chosen (or every) default one
            from giextract.evaluation.layouts.ocr import OCR_LAYOUT_NAMES
            from giextract.evaluation.layouts.render import LAYOUTS

            layouts = (layouts or list(LAYOUTS)) + [n for n in OCR_LAYOUT_NAMES if n not in (layouts or ())]
        try:
            return main_layouts(2 if args.seeds is None else args.seeds, layouts, args.json, args.counts_only)
        except ValueError as exc:
            log.error("%s", exc)
            return 2
    modes = args.mode.split(",")
    client, cassettes = None, None
    if any(m != "rules" for m in modes):
        client, cassettes = _replay_client(args)
    try:
        return run_eval(modes, args.split, args.json, args.compare, client=client, cassettes=cassettes, inputs=args.inputs)
    except FileNotFoundError as exc:
        log.error("%s", exc)
        return 2


def cmd_serve_local(args: argparse.Namespace) -> int:
    from giextract.llm.local import serve

    return serve(args.model, args.port)


def cmd_record(args: argparse.Namespace) -> int:
    """Record the eval set's cassettes from a live endpoint (the local model: see README)."""
    from dataclasses import replace

    from giextract.evaluation.run import evaluate, render
    from giextract.llm.client import LLMClient

    config = replace(_llm_config(args), use_cache=False)
    if not config.configured:
        log.error("record-cassettes needs --base-url (start one with `python -m giextract serve-local`)")
        return 2
    client = LLMClient(config)
    record = "new" if args.keep_recorded else True
    if args.layouts:  # the layout-matrix sample (cassettes/layouts/<mode>/)
        from giextract.evaluation.layouts.hybrid import render_layouts, run_layouts

        for mode in args.modes.split(","):
            print(render_layouts(run_layouts(mode, client, Path(args.cassettes), record=record)))
        return 0
    for mode in args.modes.split(","):
        result = evaluate(mode, args.split, client=client, cassettes=Path(args.cassettes),
                          record=record,
                          only=set(args.reports) if args.reports else None)
        print(render(result))
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="giextract", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="extract one report (JSON) or many / a folder (JSONL)", epilog=EXTRACT_EPILOG,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    ex.add_argument("paths", nargs="+")
    ex.add_argument("--out", help="write here instead of standard output")
    ex.add_argument("--mode", choices=("rules", "llm", "hybrid"),
                    help="default: hybrid when an LLM endpoint is configured, else rules (offline)")
    ex.add_argument("--quiet", action="store_true", help="no progress bar")
    ex.add_argument("--format", choices=("jsonl", "csv", "parquet", "panel"), default="jsonl",
                    help="csv/parquet: one row per cell; panel: one row per report, CSV or Parquet by the --out "
                         "suffix (a .records.jsonl checkpoint sits beside them)")
    ex.add_argument("--review", metavar="DIR", help="also write review pages (one per report, and index.html) into DIR")
    ex.add_argument("--jobs", type=_positive_int, help="processes for rules work (default: all cores)")
    ex.add_argument("--engine", choices=("local", "ray"), default="local",
                    help="folder runs (rules mode): local worker processes (default), or Ray tasks on a local "
                         "instance with --jobs CPUs or the cluster at RAY_ADDRESS (needs giextract[ray])")
    ex.add_argument("--file-timeout", type=_positive_float, default=60.0, metavar="SECONDS",
                    help="batch: wall-clock budget per file (default 60)")
    ex.add_argument("--ocr-page-seconds", type=_positive_float, default=30.0, metavar="SECONDS",
                    help="batch: more budget for each page a file's reader OCRs (scans; default 30)")
    ex.add_argument("--file-memory", type=_size, default=2 << 30, metavar="SIZE",
                    help="batch: address-space budget per worker process, e.g. 2G, 500M (default 2G)")
    _llm_options(ex)
    ex.add_argument("--llm-batch", action="store_true",
                    help="folder runs: send the LLM calls through the OpenAI Batch API (/v1/files, /v1/batches; "
                         "about half the price, results within 24 h; resumable). Untested against a hosted API")
    ex.set_defaults(func=cmd_extract)
    be = sub.add_parser("bench", help="reports/second and peak memory of the rules path")
    be.add_argument("--corpus", default="eval/sources", help="folder of .txt reports (default: the eval set)")
    be.add_argument("--reports", type=int, default=1000)
    be.add_argument("--batch", type=int, default=0, help="also time a folder of this many files with all cores")
    be.add_argument("--resume", type=int, default=0, metavar="N",
                    help="only time a rerun with nothing to do over N recorded inputs (without, then with the index)")
    be.add_argument("--tokens", action="store_true", help="also compare hybrid vs naive tokens from cassettes")
    be.add_argument("--hostile", action="store_true",
                    help="only time the blow-up inputs (run-on digits, pipe rows, one-line Traditional), each "
                         "in a child process capped at 4 GB and 60 s")
    be.set_defaults(func=cmd_bench)
    ev = sub.add_parser("eval", help="score a mode against the hand-read gold set in eval/")
    ev.add_argument("--mode", default="rules", help="rules, llm, hybrid, or several comma-separated (rules,hybrid)")
    ev.add_argument("--inputs", choices=("txt", "pdf"), default="txt",
                    help="pdf: score the reports that have their original PDF, read from the PDF")
    ev.add_argument("--cassettes", help="replay recorded exchanges from this folder (default when no endpoint: cassettes/)")
    _llm_options(ev)
    ev.add_argument("--split", choices=("dev", "test"))
    ev.add_argument("--json", help="write every figure and per-report details here")
    ev.add_argument("--compare", help="a previous --json output to print deltas against")
    ev.add_argument("--layouts", action="store_true",
                    help="layout matrix: every gold report with tables rendered in every layout, read back, scored")
    ev.add_argument("--seeds", type=int, help="--layouts: noise seeds per report and layout (default 2; "
                    "with an LLM --mode, the recorded sample's 1)")
    ev.add_argument("--layout", action="append", help="--layouts: only this layout (repeatable)")
    ev.add_argument("--ocr", action="store_true",
                    help="--layouts: add the scanned layouts (needs giextract[ocr]; a few reports, minutes a seed)")
    ev.add_argument("--counts-only", action="store_true",
                    help="--layouts --json: counts per file, no per-cell lists (eval/baseline-layouts.json)")
    ev.set_defaults(func=cmd_eval)
    sl = sub.add_parser("serve-local", help="assemble the pinned local model and serve it on 127.0.0.1")
    sl.add_argument("--model", default="qwen2.5-coder-0.5b", choices=("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"))
    sl.add_argument("--port", type=int, default=8765)
    sl.set_defaults(func=cmd_serve_local)
    rc = sub.add_parser("record-cassettes", help="record the eval set's LLM exchanges from a live endpoint")
    rc.add_argument("--modes", default="llm,hybrid")
    rc.add_argument("--split", choices=("dev", "test"))
    rc.add_argument("--cassettes", default="cassettes")
    rc.add_argument("--reports", nargs="*", help="only these gold reports (file stems); default all")
    rc.add_argument("--layouts", action="store_true",
                    help="record the layout-matrix sample (giextract/evaluation/layouts/hybrid.py) into cassettes/layouts/<mode>/")
    rc.add_argument("--keep-recorded", action="store_true",
                    help="keep the exchanges a cassette holds; record only requests it has no answer for")
    _llm_options(rc)
    rc.set_defaults(func=cmd_record)
    from giextract.views.cli import add_commands as add_view_commands  # review, audit, schema
    add_view_commands(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return int(args.func(args))
