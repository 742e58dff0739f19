"""Folder batches: kill -9 and resume loses and duplicates nothing; cross-year checks; the long table."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import giextract
from giextract.batch import iter_records, run_batch
from giextract.crossyear import cross_year_findings

SOURCES = Path(__file__).resolve().parents[1] / "eval" / "sources"


def _corpus_copies(folder: Path, n: int) -> None:
    texts = sorted(SOURCES.glob("*.txt"))
    folder.mkdir()
    for i in range(n):
        shutil.copyfile(texts[i % len(texts)], folder / f"{i:05d}_{texts[i % len(texts)].name}")


def test_kill_9_then_resume_gives_exactly_one_record_per_file(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out.jsonl"
    _corpus_copies(folder, 2000)
    command = [sys.executable, "-m", "giextract", "extract", str(folder), "--out", str(out), "--quiet", "--jobs", "2"]
    # Its own session, so SIGKILL takes the pool's worker processes too (as killing a job does).
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if out.exists() and out.stat().st_size > 200_000:
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait()
    partial = len(out.read_text(encoding="utf-8").splitlines()) if out.exists() else 0
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    paths = [json.loads(line)["source"]["path"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(paths) == 2000 and len(set(paths)) == 2000
    assert partial < 2000  # the first run really was cut short


def test_rerun_skips_everything(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out.jsonl"
    _corpus_copies(folder, 30)
    first = run_batch([str(folder)], out, quiet=True)
    second = run_batch([str(folder)], out, quiet=True)
    assert first.written == 30 and second.written == 0 and second.skipped == 30
    assert len(out.read_text(encoding="utf-8").splitlines()) == 30


def test_cross_year_u1_u2_on_the_later_report() -> None:
    reports = [giextract.extract(SOURCES / f"{stem}.txt") for stem in ("033_pingtan-zone-2023", "011_pingtan-zone-2024")]
    # Make the earlier report's cells known so the equations can be evaluated (the real rows are ambiguous).
    from giextract.core.model import Cell

    reports[0].set_cell("active_disclosure.art20_1.normative_documents.in_force", Cell(value=470))
    reports[1].set_cell("active_disclosure.art20_1.normative_documents.repealed", Cell(value=33))
    reports[1].set_cell("active_disclosure.art20_1.normative_documents.in_force", Cell(value=440))
    reports[0].set_cell("applications.carried_forward.natural_person", Cell(value=5))
    found = cross_year_findings(reports)
    assert list(found) == [1]
    rules = {f.rule for f in found[1]}
    assert rules == {"U1", "U2"}
    u2 = next(f for f in found[1] if f.rule == "U2")
    assert "470 + issued 62 - repealed 33 = 499" in u2.message


def test_csv_long_table_and_dataframe(tmp_path: Path) -> None:
    out = tmp_path / "cells.csv"
    from giextract.cli import main

    assert main(["extract", str(SOURCES / "seed_000_22f1b762bef24d9e.txt"), str(SOURCES / "seed_003_91b7c3b427fd0bbb.txt"),
                 "--out", str(out), "--format", "csv", "--quiet"]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("report,sha256,agency")
    assert any(",applications,new_received,total,19," in line for line in lines)
    records = list(iter_records(out.with_name(out.name + ".records.jsonl")))
    assert len(records) == 2


def test_changed_input_supersedes_its_record(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out.jsonl"
    _corpus_copies(folder, 3)
    assert run_batch([str(folder)], out, quiet=True).written == 3
    changed = sorted(folder.iterdir())[1]
    changed.write_bytes(changed.read_bytes() + "\n补充说明。\n".encode("utf-8"))
    second = run_batch([str(folder)], out, quiet=True)
    assert (second.written, second.skipped) == (1, 2)
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4  # appended, never rewritten
    records = list(iter_records(out))
    assert len(records) == 3
    import hashlib

    now = next(r for r in records if r.source.path == str(changed))
    assert now.source.sha256 == hashlib.sha256(changed.read_bytes()).hexdigest()
    assert len(giextract.to_dataframe(out)["report"].unique()) == 3


def test_stored_path_form_is_lossless() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from giextract.batch_inputs import escape_path, record_path

    @settings(max_examples=300, deadline=None)
    @given(st.binary(min_size=1, max_size=40).filter(lambda b: b"\0" not in b and b"/" not in b))
    def roundtrip(name: bytes) -> None:
        stored = escape_path(os.fsdecode(name))
        stored.encode("utf-8")  # valid Unicode: JSON can carry it
        assert os.fsencode(record_path(stored)) == name

    roundtrip()


def test_corrupt_or_foreign_index_is_rebuilt(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out.jsonl"
    _corpus_copies(folder, 4)
    assert run_batch([str(folder)], out, quiet=True).written == 4
    index = tmp_path / "out.jsonl.index.sqlite"
    index.write_bytes(b"not a database at all")
    again = run_batch([str(folder)], out, quiet=True)
    assert (again.written, again.skipped) == (0, 4)
    # An index of another output (the JSONL rewritten since, lines in another order) is not trusted:
    # its offsets would point into the middle of lines.
    replaced = tmp_path / "copy.jsonl"
    replaced.write_bytes(b"".join(reversed(out.read_bytes().splitlines(keepends=True))))
    os.replace(replaced, out)
    third = run_batch([str(folder)], out, quiet=True)
    assert (third.written, third.skipped) == (0, 4)
    assert len(list(iter_records(out))) == 4
