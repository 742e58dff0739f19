"""`extract DIR --engine ray`: the same per-file work on Ray tasks (a local instance, 2 CPUs), with the
local pool's records, resume, one record per input and per-file budgets; a lost Ray task gives its files
error records; without Ray the reason is specific."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from giextract import ray_engine
from giextract.batch import BatchError, iter_records, run_batch
from giextract.workers import Budget

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "eval" / "sources"
TEXTS = sorted(SOURCES.glob("*.txt"))


@pytest.fixture(scope="module")
def ray_local() -> Iterator[Any]:
    import ray  # in the test extra: a missing Ray fails here, never skips
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _records(out: Path) -> dict[str, dict]:
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    names = [os.path.relpath(r["source"]["path"], out.parent / "in") for r in records]
    assert len(names) == len(set(names)), names  # one record per input
    return dict(zip(names, records))


def _folder(root: Path) -> Path:
    folder = root / "in"
    (folder / "sub").mkdir(parents=True)
    for i, text in enumerate(TEXTS[:8]):
        shutil.copyfile(text, (folder / "sub" if i % 3 == 0 else folder) / text.name)
    shutil.copyfile(TEXTS[0], folder / "same_as_first.txt")  # identical content: one extraction, two records
    shutil.copyfile(SOURCES / "001_huaian-city-2024.pdf", folder / "001.pdf")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 not really")
    (folder / "empty.txt").write_bytes(b"")
    return folder


def test_ray_gives_the_local_pools_records_and_resumes(tmp_path: Path, ray_local: Any) -> None:
    folder = _folder(tmp_path)
    local, ray_out = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    # The local pool in a process of its own: forked from this one (Ray's threads and mappings), its
    # workers' 2 GB address-space budget would be spent before a file is opened.
    done = subprocess.run([sys.executable, "-m", "giextract", "extract", str(folder), "--out", str(local), "--jobs",
                           "2", "--quiet"], env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1, done.stderr  # 1: some inputs have error records
    first = run_batch([str(folder)], local, quiet=True)  # all skipped: the counts of that run
    assert first.written == 0
    result = run_batch([str(folder)], ray_out, quiet=True, engine="ray")
    assert (result.total, result.written, result.skipped) == (first.total, first.skipped, 0) == (12, 12, 0)
    ray_records, local_records = _records(ray_out), _records(local)
    assert {k: v["errors"] for k, v in ray_records.items()} == {k: v["errors"] for k, v in local_records.items()}
    assert ray_records == local_records  # the same records
    assert result.errors == first.errors >= 1
    assert "unreadable PDF" in json.dumps(_records(ray_out)["broken.pdf"]["errors"])
    # Resume: nothing to do; then one file changed and one added are the only records written.
    again = run_batch([str(folder)], ray_out, quiet=True, engine="ray")
    assert (again.written, again.skipped) == (0, 12)
    (folder / "empty.txt").write_bytes(TEXTS[9].read_bytes())
    shutil.copyfile(TEXTS[10], folder / "new.txt")
    third = run_batch([str(folder)], ray_out, quiet=True, engine="ray")
    assert (third.written, third.skipped) == (2, 11)
    live = {os.path.relpath(r.source.path or "", folder): r for r in iter_records(ray_out)}
    assert len(live) == 13 and not live["new.txt"].errors and not live["empty.txt"].errors


def test_a_file_over_its_budget_gets_the_local_pools_record(tmp_path: Path, ray_local: Any) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(TEXTS[1], folder / "good.txt")
    block = TEXTS[0].read_bytes()
    (folder / "slow.txt").write_bytes(block * (20_000_000 // len(block) + 1))  # ~20 MB: seconds to extract
    out = tmp_path / "r.jsonl"
    result = run_batch([str(folder)], out, quiet=True, engine="ray", budget=Budget(timeout=0.5))
    records = _records(out)
    assert result.written == 2 and not records["good.txt"]["errors"]
    error = records["slow.txt"]["errors"][0]
    assert error["stage"] == "budget" and "exceeded the 0.5 s budget for one file" in error["message"]


def test_a_lost_ray_task_gives_its_files_error_records(tmp_path: Path, ray_local: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for text in TEXTS[:3]:
        shutil.copyfile(text, folder / text.name)
    real = ray_engine._extract_files

    def dies_on_the_first(files: list[tuple[str, bytes]], timeout: float, memory: int, ocr_page: float) -> Any:
        if any(name == TEXTS[0].name for name, _ in files):
            os._exit(1)  # the Ray worker process dies, as when its node is lost
        return real(files, timeout, memory)

    monkeypatch.setattr(ray_engine, "_extract_files", dies_on_the_first)
    monkeypatch.setattr(ray_engine, "FILES_PER_TASK", 1)
    monkeypatch.setattr(ray_engine, "TASK_RETRIES", 0)
    out = tmp_path / "r.jsonl"
    result = run_batch([str(folder)], out, quiet=True, engine="ray")
    records = _records(out)
    assert result.written == 3 and set(records) == {t.name for t in TEXTS[:3]}
    error = records[TEXTS[0].name]["errors"][0]
    assert error["stage"] == "worker" and "Ray task" in error["message"]
    assert all(not records[t.name]["errors"] for t in TEXTS[1:3])


def test_without_ray_the_reason_is_specific(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # the extra not installed
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(TEXTS[0], folder / "a.txt")
    with pytest.raises(BatchError, match=r"giextract\[ray\]"):
        run_batch([str(folder)], tmp_path / "r.jsonl", quiet=True, engine="ray")
    with pytest.raises(BatchError, match="rules"):
        run_batch([str(folder)], tmp_path / "r.jsonl", mode="hybrid", llm=object(), quiet=True, engine="ray")
