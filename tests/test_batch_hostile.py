"""A batch always finishes with exactly one record per input, whatever the folder holds and whatever
happens to a worker, and it says specifically what went wrong. Every case runs the CLI in a subprocess
(`python -m giextract extract DIR --out r.jsonl`) under a timeout."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

import pytest

from giextract.batch import iter_records
from giextract.batch_inputs import record_path

SOURCES = Path(__file__).resolve().parents[1] / "eval" / "sources"
TEXTS = sorted(SOURCES.glob("*.txt"))
ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Optional[Path] = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "giextract", "extract", *args, "--quiet"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_bytes().decode("utf-8").splitlines()]


def by_name(out: Path) -> dict[str, dict]:
    records = lines(out)
    names = [os.path.basename(r["source"]["path"]) for r in records]
    assert len(names) == len(set(names)), names
    return dict(zip(names, records))


def copies(folder: Path, n: int, start: int = 0) -> list[str]:
    folder.mkdir(exist_ok=True)
    names = []
    for i in range(start, start + n):
        name = f"{i:03d}_{TEXTS[i % len(TEXTS)].name}"
        shutil.copyfile(TEXTS[i % len(TEXTS)], folder / name)
        names.append(name)
    return names


def errors(record: dict) -> str:
    return " ".join(e["message"] for e in record["errors"])


@pytest.fixture(scope="module")
def slow_text(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real report repeated to ~230 MB: a few seconds and ~1 GB of address space to extract."""
    path = tmp_path_factory.mktemp("slow") / "slow.txt"
    block = TEXTS[0].read_bytes()
    block = block * (2_000_000 // len(block) + 1)
    with path.open("wb") as f:
        for _ in range(80):
            f.write(block)
    return path


def test_odd_entries_each_get_one_specific_record(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "r.jsonl"
    good = copies(folder, 3)
    os.mkfifo(folder / "pipe.txt")
    (folder / "loop").symlink_to(folder / "loop")
    (folder / "gone.txt").symlink_to(folder / "does-not-exist.txt")
    (folder / "linked-folder").symlink_to(tmp_path)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock"))
    outside_fifo = tmp_path / "named.fifo"
    os.mkfifo(outside_fifo)  # named on the command line: must not block
    try:
        done = cli(str(folder), str(outside_fifo), "--out", str(out), timeout=120)
    finally:
        server.close()
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    records = by_name(out)
    assert set(records) == set(good) | {"pipe.txt", "loop", "gone.txt", "linked-folder", "sock", "named.fifo"}
    assert "FIFO (named pipe), not a regular file" in errors(records["pipe.txt"])
    assert "FIFO" in errors(records["named.fifo"])
    assert "symbolic link loop" in errors(records["loop"])
    assert "dangling symbolic link" in errors(records["gone.txt"])
    assert "link to a folder" in errors(records["linked-folder"])
    assert "a socket" in errors(records["sock"])
    assert all(not records[name]["errors"] for name in good)
    # A rerun has nothing to do and keeps the status.
    again = cli(str(folder), str(outside_fifo), "--out", str(out), timeout=120)
    assert again.returncode == 1 and len(lines(out)) == 9


def test_non_utf8_names_are_stored_losslessly_and_rerun(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "r.jsonl"
    copies(folder, 2)
    raw_names = [b"\xff\xfe-report.txt", b"gbk-\xb1\xa8\xb8\xe6.txt", b"back\\slash-\xe9.txt"]
    for i, raw in enumerate(raw_names):
        with open(os.path.join(os.fsencode(folder), raw), "wb") as f:
            f.write(TEXTS[i].read_bytes())
    for _ in range(2):  # the second run used to crash at the same file every time
        done = cli(str(folder), "--out", str(out))
        assert done.returncode == 0, done.stderr
    records = lines(out)
    assert len(records) == 5
    stored = {os.path.basename(r["source"]["path"]) for r in records}
    assert "\\xff\\xfe-report.txt" in stored and "back\\\\slash-\\xe9.txt" in stored
    # The stored form leads back to exactly the bytes on disk.
    on_disk = {os.fsencode(record_path(r["source"]["path"])) for r in records}
    assert {os.path.join(os.fsencode(folder), raw) for raw in raw_names} <= on_disk
    assert all(os.path.exists(record_path(r["source"]["path"])) for r in records)


def test_dead_worker_is_replaced_and_the_file_recorded(tmp_path: Path, slow_text: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "r.jsonl"
    good = copies(folder, 3, start=10)
    os.link(slow_text, folder / "000_slow.txt")  # sorted first: the only worker takes it first
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "giextract", "extract", str(folder), "--out", str(out), "--quiet",
                             "--jobs", "1"], env=env, stderr=subprocess.PIPE, text=True)
    worker = None
    deadline = time.time() + 60
    while worker is None and time.time() < deadline:
        worker = next((pid for pid in _children(proc.pid)), None)
        time.sleep(0.05)
    assert worker is not None
    time.sleep(0.5)
    os.kill(worker, signal.SIGKILL)  # as the OOM killer would
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    records = by_name(out)
    assert set(records) == set(good) | {"000_slow.txt"}
    assert "killed by SIGKILL" in errors(records["000_slow.txt"])
    assert records["000_slow.txt"]["errors"][0]["stage"] == "worker"
    assert all(not records[name]["errors"] for name in good)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def test_time_budget(tmp_path: Path, slow_text: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "r.jsonl"
    good = copies(folder, 2)
    os.link(slow_text, folder / "slow.txt")
    start = time.time()
    done = cli(str(folder), "--out", str(out), "--file-timeout", "1", "--file-memory", "16G")
    assert done.returncode == 1, done.stderr
    records = by_name(out)
    assert set(records) == set(good) | {"slow.txt"}
    assert "exceeded the 1 s budget for one file" in errors(records["slow.txt"])
    assert records["slow.txt"]["errors"][0]["stage"] == "budget"
    assert time.time() - start < 120


def test_memory_budget(tmp_path: Path, slow_text: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "r.jsonl"
    good = copies(folder, 2)
    os.link(slow_text, folder / "big.txt")
    done = cli(str(folder), "--out", str(out), "--file-memory", "400M")
    assert done.returncode == 1, done.stderr
    records = by_name(out)
    assert set(records) == set(good) | {"big.txt"}
    assert "exceeded the 400 MB memory budget for one file" in errors(records["big.txt"])
    assert all(not records[name]["errors"] for name in good)


def test_second_run_on_the_same_out_is_refused(tmp_path: Path, slow_text: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "r.jsonl"
    names = copies(folder, 20) + ["zzz_slow.txt"]
    os.link(slow_text, folder / "zzz_slow.txt")  # last, so the first run is still busy for seconds
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    first = subprocess.Popen([sys.executable, "-m", "giextract", "extract", str(folder), "--out", str(out), "--quiet",
                              "--jobs", "1"], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not (out.exists() and out.stat().st_size) and time.time() < deadline:
        time.sleep(0.02)
    second = cli(str(folder), "--out", str(out))
    still_running = first.poll() is None
    _, first_err = first.communicate(timeout=300)
    assert still_running  # the refusal really happened during the first run
    assert second.returncode == 2, second.stderr
    assert "in use by another giextract run" in second.stderr
    assert first.returncode == 0, first_err
    assert sorted(by_name(out)) == sorted(names)


@pytest.mark.parametrize("where", ["input", "inside", "missing_folder", "a_folder"])
def test_bad_out_is_a_usage_error(tmp_path: Path, where: str) -> None:
    folder = tmp_path / "in"
    names = copies(folder, 2)
    before = (folder / names[0]).read_bytes()
    out, expected = {
        "input": (folder / names[0], "is also an input"),
        "inside": (folder / "r.jsonl", "inside the input folder"),
        "missing_folder": (tmp_path / "nope" / "r.jsonl", "does not exist"),
        "a_folder": (tmp_path, "is a folder"),
    }[where]
    args = [str(folder / names[0]), str(folder / names[1])] if where == "input" else [str(folder)]
    done = cli(*args, "--out", str(out))
    assert done.returncode == 2 and expected in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert (folder / names[0]).read_bytes() == before
    assert not (folder / "r.jsonl").exists()
    # One file named with --out equal to itself: refused too, the input untouched.
    single = cli(str(folder / names[0]), "--out", str(folder / names[0]))
    assert single.returncode == 2 and (folder / names[0]).read_bytes() == before


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_bad_jobs_is_a_usage_error(tmp_path: Path, jobs: str) -> None:
    copies(tmp_path / "in", 1)
    done = cli(str(tmp_path / "in"), "--out", str(tmp_path / "r.jsonl"), "--jobs", jobs)
    assert done.returncode == 2 and "--jobs" in done.stderr and "Traceback" not in done.stderr


def test_exit_status_of_a_single_file(tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    assert cli(str(bad)).returncode == 1
    assert cli(str(TEXTS[0])).returncode == 0
    assert cli(str(tmp_path / "missing.txt")).returncode == 1


def test_planted_tmp_symlink_is_never_followed(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "r.jsonl"
    copies(folder, 2)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    for name in ("r.jsonl.tmp", "r.jsonl.crossyear.jsonl.tmp", "r.jsonl.index.sqlite.tmp"):
        (tmp_path / name).symlink_to(victim)
    assert cli(str(folder), "--out", str(out)).returncode == 0
    copies(folder, 1, start=5)  # something new, so the second run writes too
    assert cli(str(folder), "--out", str(out)).returncode == 0
    single = tmp_path / "one.json"
    (tmp_path / "one.json.tmp").symlink_to(victim)
    assert cli(str(TEXTS[1]), "--out", str(single)).returncode == 0
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert len(lines(out)) == 3 and json.loads(single.read_text(encoding="utf-8"))["source"]["sha256"]


def test_relative_and_absolute_runs_give_one_record_per_file(tmp_path: Path) -> None:
    names = copies(tmp_path / "in", 4)
    assert cli("in", "--out", "r.jsonl", cwd=tmp_path).returncode == 0
    assert cli(str(tmp_path / "in"), str(tmp_path / "in" / names[0]), "--out", str(tmp_path / "r.jsonl")).returncode == 0
    (tmp_path / "sub").mkdir()
    assert cli("../in", "--out", "../r.jsonl", cwd=tmp_path / "sub").returncode == 0
    records = lines(tmp_path / "r.jsonl")
    assert len(records) == 4
    assert all(os.path.isabs(r["source"]["path"]) for r in records)


@pytest.mark.parametrize("index", ["kept", "deleted"])
def test_torn_line_mid_file_is_skipped_with_a_warning(tmp_path: Path, index: str) -> None:
    folder, out = tmp_path / "in", tmp_path / "r.jsonl"
    names = copies(folder, 5)
    assert cli(str(folder), "--out", str(out)).returncode == 0
    raw = out.read_bytes().split(b"\n")
    raw[2] = raw[2][: len(raw[2]) // 2]  # a line torn in the middle of the file
    out.write_bytes(b"\n".join(raw))
    if index == "deleted":  # an output written by an older version has no index
        (tmp_path / "r.jsonl.index.sqlite").unlink()
    done = cli(str(folder), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "not a whole record" in done.stderr and "Traceback" not in done.stderr
    again = cli(str(folder), "--out", str(out))
    assert again.returncode == 0 and "Traceback" not in again.stderr
    records = list(iter_records(out))
    assert sorted(os.path.basename(r.source.path or "") for r in records) == sorted(names)


def test_disk_full_is_a_clear_error(tmp_path: Path) -> None:
    folder, full = tmp_path / "in", tmp_path / "full"
    copies(folder, 12)
    full.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(full)],
                             capture_output=True).returncode == 0
    assert mounted, "this test needs root to mount a 64 KB tmpfs"
    try:
        done = cli(str(folder), "--out", str(full / "r.jsonl"), "--jobs", "1")
        assert done.returncode == 2, done.stderr
        assert "No space left on device" in done.stderr or "disk is full" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
        for line in (full / "r.jsonl").read_bytes().splitlines():  # only whole records are left
            json.loads(line)
    finally:
        subprocess.run(["umount", str(full)], check=True)


def test_cross_year_findings_from_the_index(tmp_path: Path) -> None:
    """Two reports of one agency in consecutive years: U1 is reported on the later one, through the
    index and the sidecar, without rewriting the output."""
    from giextract.bench import fabricate_done

    folder, out = tmp_path / "in", tmp_path / "r.jsonl"
    fabricate_done(str(SOURCES), folder, out, 2)
    records = lines(out)
    for year, record in zip((2022, 2023), records):
        record["meta"].update(agency="某某县人民政府", report_year=year)
        record["applications"] = {row: {"natural_person": {"value": value, "raw": str(value), "status": "ok"}}
                                  for row, value in (("carried_forward", 5), ("carried_over", 7))}
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    before = out.read_bytes()
    done = cli(str(folder), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == before  # nothing to extract, nothing rewritten
    found = {os.path.basename(r.source.path or ""): [f.message for f in r.findings if f.rule == "U1"]
             for r in iter_records(out)}
    later = os.path.basename(records[1]["source"]["path"])
    assert found[later] == ["U1 (natural_person): carried_over = 7 but 2022's carried_forward = 5"]
    assert not found[os.path.basename(records[0]["source"]["path"])]
