"""Review pages, checked in a real browser: headless Chromium (Debian package `chromium`) loads a page
generated from an eval report plus a test script appended to a copy of it, clicks the cells, and writes
what the rendered DOM says into the document, which ``--dump-dom`` returns. Screenshots go to
$GIEXTRACT_ARTIFACTS (CI) or the test's tmp_path; their paths are printed."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Optional

import pytest

import giextract
from giextract.core.model import Report
from giextract.views.common import SourceText, source_text
from giextract.views.review import page_cells, render_index, render_page, write_review

SOURCES = Path(__file__).resolve().parents[1] / "eval" / "sources"
RUN_ON = SOURCES / "005_pingtan-zone-2019.txt"  # run-on table cells: ambiguous cells, overlapping spans
WITH_FINDINGS = SOURCES / "002_huaian-hongze-district-2023.txt"  # R4 findings on table 四


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    where = "in CI (CI=true)" if os.environ.get("CI") == "true" else "on this machine"
    pytest.fail(f"headless Chromium is not installed {where}: the review page is tested in a real browser. "
                "Install it with `apt-get install -y chromium` (see .ci/run).")


def _command(*args: str) -> list[str]:
    return [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
            "--disable-extensions", "--virtual-time-budget=5000", *args]


def _browser(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_command(*args), capture_output=True, text=True, timeout=timeout, check=False)


# Appended to a copy of the page: runs after the page's own script, drives it through DOM events only.
PROBE = r"""
<script>
(function(){
  var out = {};
  var marks = Array.prototype.slice.call(document.querySelectorAll('#src mark.hl'));
  var covered = {};
  marks.forEach(function(m){ m.getAttribute('data-c').split(' ').forEach(function(i){ covered[i] = 1; }); });
  out.highlighted = Object.keys(covered).length;
  out.scripts = document.scripts.length;
  out.srcText = document.getElementById('src').textContent;
  out.clicks = {};
  out.slowestClickMs = 0;
  Array.prototype.forEach.call(document.querySelectorAll('td.cell'), function(td){
    if (window.PROBE_ONLY && window.PROBE_ONLY.indexOf(td.getAttribute('data-i')) < 0) return;
    var t0 = performance.now();
    td.dispatchEvent(new MouseEvent('click', {bubbles: true}));
    out.slowestClickMs = Math.max(out.slowestClickMs, performance.now() - t0);
    var path = window.giextractReview.data.cells[td.getAttribute('data-i')].path;
    out.clicks[path] = {selection: window.getSelection().toString(),
                        selectedMarks: document.querySelectorAll('#src mark.sel').length,
                        selectedCells: document.querySelectorAll('td.cell.sel').length,
                        detail: document.getElementById('detail').textContent};
  });
  out.findings = [];
  Array.prototype.forEach.call(document.querySelectorAll('.findings li.finding[data-cells]'), function(li){
    li.dispatchEvent(new MouseEvent('click', {bubbles: true}));
    out.findings.push({named: Array.prototype.map.call(document.querySelectorAll('td.cell.named'),
                         function(td){ return window.giextractReview.data.cells[td.getAttribute('data-i')].path; })});
  });
  var pre = document.createElement('pre'); pre.id = 'probe-out'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def _probe(page: Path, tmp_path: Path, only: Optional[list[int]] = None) -> dict:
    """Run the probe on a copy of ``page``; ``only``: click just these cells (indices), else every one."""
    probed = tmp_path / ("probe_" + page.name)
    limit = "" if only is None else f"<script>window.PROBE_ONLY = {json.dumps([str(i) for i in only])};</script>"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", limit + PROBE + "</body>"), encoding="utf-8")
    done = _browser("--dump-dom", probed.as_uri())
    m = re.search(r'<pre id="probe-out">(.*?)</pre>', done.stdout, re.S)
    assert m, f"the probe did not run in Chromium (exit {done.returncode}): {done.stderr[-2000:]}"
    import html

    return json.loads(html.unescape(m.group(1)))


def _artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("GIEXTRACT_ARTIFACTS") or tmp_path / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _check_page(report: Report, page: Path, tmp_path: Path) -> dict:
    text = source_text(report).text
    assert text is not None
    with_spans = {p: c.span for p, c in report.iter_cells() if c.span}
    with_spans |= {f"prose_facts.{i}.value": f.value.span for i, f in enumerate(report.prose_facts or []) if f.value.span}
    result = _probe(page, tmp_path)
    assert result["highlighted"] == len(with_spans) > 0
    assert result["srcText"] == text
    drawn = {p for p in result["clicks"]}
    assert set(with_spans) <= drawn  # every cell with a span is in a drawn table and clickable
    for path, span in with_spans.items():
        click = result["clicks"][path]
        assert click["selection"] == text[span[0]:span[1]], path
        assert click["selectedMarks"] >= 1 and click["selectedCells"] == 1, path
        cell = report.cell(path) or report.prose_facts[int(path.split(".")[1])].value  # type: ignore[index]
        assert cell.status in click["detail"] and json.dumps(cell.raw, ensure_ascii=False) in click["detail"]
    return result


def test_rendered_page_highlights_every_span_and_clicks_select_it(tmp_path: Path) -> None:
    report = giextract.extract(RUN_ON)
    ambiguous = [p for p, c in report.iter_cells() if c.status == "ambiguous"]
    spans = sorted(c.span for _, c in report.iter_cells() if c.span)
    assert ambiguous and any(b[0] < a[1] for a, b in zip(spans, spans[1:]))  # the hard case: overlaps
    page = write_review([report], tmp_path / "review")[0]
    _check_page(report, page, tmp_path)


def test_findings_mark_the_cells_they_name_and_screenshots(tmp_path: Path) -> None:
    report = giextract.extract(WITH_FINDINGS)
    assert any(f.rule == "R4" for f in report.findings)
    out = tmp_path / "review"
    page = write_review([report, giextract.extract(RUN_ON)], out)[0]
    result = _check_page(report, page, tmp_path)
    named = [f for f in report.findings if f.cells]
    assert [sorted(x["named"]) for x in result["findings"]] == [sorted(f.cells) for f in named]
    # Screenshots: the page with the first R4 finding and a cell it names selected, and the index.
    shown = tmp_path / "shown.html"
    first = next(i for i, f in enumerate(named) if f.rule == "R4")
    script = ("<script>var li=document.querySelectorAll('.findings li.finding[data-cells]')[%d];li.click();"
              "document.querySelector('td.cell.named').click();li.scrollIntoView();</script>" % first)
    shown.write_text(page.read_text(encoding="utf-8").replace("</body>", script + "</body>"), encoding="utf-8")
    shutil.copy(out / "index.html", tmp_path / "index.html")
    folder = _artifacts(tmp_path)
    shots = {folder / "review-page.png": shown, folder / "review-index.png": out / "index.html"}
    running = []
    for shot, source in shots.items():
        shot.unlink(missing_ok=True)
        running.append(subprocess.Popen(_command("--window-size=1400,1000", f"--screenshot={shot}", source.as_uri()),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for shot, proc in zip(shots, running):
        _, err = proc.communicate(timeout=120)
        assert shot.is_file() and shot.stat().st_size > 10_000, err[-2000:]
        print(f"screenshot: {shot}")


def test_hostile_2_mb_report_shows_its_markup_as_text_and_stays_navigable(tmp_path: Path) -> None:
    text = RUN_ON.read_text(encoding="utf-8")
    hostile = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"
    source = tmp_path / "hostile.txt"
    source.write_text(text.replace("一、总体情况", "一、总体情况" + hostile, 1), encoding="utf-8")
    report = giextract.extract(source)
    report.meta.agency = "</title><script>alert(2)</script>"
    original = source_text(report).text
    assert original is not None and hostile in original
    padding = "\n".join(f"第{i}段：本机关继续推进政务公开标准化规范化建设，" * 4 for i in range(8000))
    big = original + "\n" + padding  # the record's spans stay inside the original part
    assert len(big.encode("utf-8")) > 2_000_000
    started = time.perf_counter()
    html_text = render_page(report, SourceText(big, "text"))
    assert time.perf_counter() - started < 20  # generous: about 0.5 s expected
    assert hostile not in html_text and "<script>alert(2)" not in html_text
    assert "&lt;script&gt;document.title" in html_text
    assert "<script>alert(2)" not in render_index([report], ["x.html"])
    page = tmp_path / "big.html"
    page.write_text(html_text, encoding="utf-8")
    paths = [p for p, _ in report.iter_cells()]
    some = [i for i, (p, c) in enumerate(report.iter_cells()) if c.span and c.status == "ambiguous"][:3]
    result = _probe(page, tmp_path, only=some + [len(paths) - 1])
    assert result["scripts"] == 4  # the page's data and code, and the probe's two: none from the report
    assert result["srcText"] == big  # the report's markup shown as text, in place
    assert result["highlighted"] == sum(1 for _, c in report.iter_cells() if c.span) > 0
    for i in some:
        span = report.cell(paths[i]).span  # type: ignore[union-attr]
        assert result["clicks"][paths[i]]["selection"] == big[span[0]:span[1]]
    print(f"2 MB page: slowest click {result['slowestClickMs']:.0f} ms")
    assert result["slowestClickMs"] < 5000  # generous: a click should take well under a second


def test_page_loads_nothing_from_the_network() -> None:
    report = giextract.extract(WITH_FINDINGS)
    page = render_page(report, source_text(report))
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "@import" not in page and "url(" not in page


def test_index_lists_every_report_with_counts(tmp_path: Path) -> None:
    reports = [giextract.extract(p) for p in (RUN_ON, WITH_FINDINGS)]
    write_review(reports, tmp_path / "review")
    index = (tmp_path / "review" / "index.html").read_text(encoding="utf-8")
    assert index.count('<tr data-era="') == 2
    for report in reports:
        ok = sum(1 for _, c in report.iter_cells() if c.status == "ok")
        assert f'<td class="num">{ok}</td>' in index
    assert "cells unread" in index and "cells ambiguous" in index


def test_page_without_its_source_says_why(tmp_path: Path) -> None:
    copy = tmp_path / "r.txt"
    shutil.copy(WITH_FINDINGS, copy)
    report = giextract.extract(copy)
    copy.write_text("changed", encoding="utf-8")
    source = source_text(report)
    assert source.text is None and "sha256" in source.note
    page = render_page(report, source)
    assert "Source text not shown" in page and '<mark class="hl' not in page
    assert all(c.span is None for c in page_cells(report, None))


INDEX_PROBE = r"""
<script>
(function(){
  var out = {}, heads = document.querySelectorAll('#reports thead th'), body = document.querySelector('#reports tbody');
  function col(i){ return Array.prototype.map.call(body.rows, function(r){ return r.cells[i].textContent; }); }
  var year = Array.prototype.map.call(heads, function(h){ return h.textContent; }).indexOf('year');
  heads[year].click(); out.desc = col(year);
  heads[year].click(); out.asc = col(year);
  var f = document.getElementById('filter'); f.value = 'pingtan'; f.dispatchEvent(new Event('input'));
  out.visible = Array.prototype.filter.call(body.rows, function(r){ return getComputedStyle(r).display !== 'none'; })
                .map(function(r){ return r.cells[1].textContent; });
  var pre = document.createElement('pre'); pre.id = 'probe-out'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def test_index_sorts_and_filters_in_the_browser(tmp_path: Path) -> None:
    reports = [giextract.extract(p) for p in (RUN_ON, WITH_FINDINGS, SOURCES / "009_pingtan-zone-2021.txt")]
    write_review(reports, tmp_path / "review")
    probed = tmp_path / "probe_index.html"
    probed.write_text((tmp_path / "review" / "index.html").read_text(encoding="utf-8")
                      .replace("</body>", INDEX_PROBE + "</body>"), encoding="utf-8")
    done = _browser("--dump-dom", probed.as_uri())
    m = re.search(r'<pre id="probe-out">(.*?)</pre>', done.stdout, re.S)
    assert m, done.stderr[-2000:]
    result = json.loads(m.group(1))
    years = [str(r.meta.report_year) for r in reports]
    assert result["desc"] == sorted(years, reverse=True) and result["asc"] == sorted(years)
    assert sorted(result["visible"]) == sorted(Path(r.source.path or "").name for r in reports if "pingtan" in (r.source.path or ""))


def test_every_status_of_the_model_has_a_style_and_the_cli_writes_pages(tmp_path: Path) -> None:
    import typing

    from giextract.cli import main
    from giextract.core.model import Cell
    from giextract.views.common import STATUSES

    assert set(typing.get_args(Cell.model_fields["status"].annotation)) <= set(STATUSES)
    results = tmp_path / "results.jsonl"
    reports = [giextract.extract(p) for p in (RUN_ON, WITH_FINDINGS)]
    results.write_text("".join(r.model_dump_json() + "\n" for r in reports), encoding="utf-8")
    assert main(["review", str(results), "--out", str(tmp_path / "pages")]) == 0
    pages = sorted(p.name for p in (tmp_path / "pages").iterdir())
    assert pages == ["0001_005_pingtan-zone-2019.html", "0002_002_huaian-hongze-district-2023.html", "index.html"]
    index = (tmp_path / "pages" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{name}"' in index for name in pages[:2])
    assert main(["review", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "x")]) == 2


def test_extract_writes_review_pages(tmp_path: Path) -> None:
    from giextract.cli import main

    out, pages = tmp_path / "results.jsonl", tmp_path / "review"
    assert main(["extract", str(RUN_ON), str(WITH_FINDINGS), "--out", str(out), "--review", str(pages),
                 "--quiet", "--jobs", "1"]) == 0
    written = sorted(p.name for p in pages.iterdir())
    assert len(written) == 3 and "index.html" in written
    single = tmp_path / "one"
    assert main(["extract", str(WITH_FINDINGS), "--out", str(tmp_path / "one.json"), "--review", str(single)]) == 0
    page = next(p for p in single.iterdir() if p.name != "index.html").read_text(encoding="utf-8")
    assert page.count('<td class="cell') == sum(1 for _ in giextract.extract(WITH_FINDINGS).iter_cells())
