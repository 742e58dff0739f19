"""Inline CSS and JavaScript of the review pages (no network at view time: nothing is fetched)."""
from __future__ import annotations

from giextract.views.common import SOURCES, STATUSES, UNKNOWN_STATUS

BASE_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#222;font-size:14px}
h1{font-size:18px;margin:8px 0}h2{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:2px 5px;vertical-align:top}
th{background:#f4f4f4;font-weight:normal;text-align:left}
.sev-error{color:#b00000}.sev-warning{color:#8a5a00}.sev-info{color:#555}
.legend span{display:inline-block;padding:0 6px;margin:0 4px 4px 0;border-radius:3px}
.note{color:#8a5a00}
"""

REVIEW_CSS = BASE_CSS + """
.wrap{display:grid;grid-template-columns:minmax(0,11fr) minmax(0,9fr);height:100vh}
.left{overflow:auto;padding:0 10px 40px}.right{overflow:auto;border-left:2px solid #999;padding:0 10px 40px}
#src{white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.7;margin:0}
.chunk{content-visibility:auto;contain-intrinsic-size:auto 3000px}
mark.hl{border-bottom:2px solid #444;padding:0;cursor:pointer;color:inherit}
td.cell{cursor:pointer;text-align:right;min-width:2.2em;font-variant-numeric:tabular-nums}
td.cell.nospan{cursor:default;outline:1px dotted #999;outline-offset:-3px}
.sel{outline:3px solid #1f5fd0!important;outline-offset:0}
mark.sel{background:#7fb0ff!important}
.named{box-shadow:inset 0 0 0 3px #d02050}
#detail{position:sticky;top:0;background:#fffbe6;border:1px solid #d8c880;padding:4px 8px;min-height:3em;z-index:2}
#detail code{background:#fff;padding:0 3px}
.findings li.finding{cursor:pointer;margin:3px 0}.findings li.finding:hover{background:#f3f3ff}
.tbl{margin-bottom:10px;font-size:13px}
"""

INDEX_CSS = BASE_CSS + """
body{padding:0 12px}
th.sortable{cursor:pointer;user-select:none}th.sortable:after{content:" \\2195";color:#999}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.hidden{display:none}.controls{margin:8px 0}
"""


def status_css() -> str:
    """One rule per status and per source, from the status table (so new statuses need no CSS edit)."""
    rules = [f".st-{key}{{background:{style.colour}}}" for key, style in STATUSES.items()]
    rules.append(f".st-unknown{{background:{UNKNOWN_STATUS.colour}}}")
    rules += [f"mark.src-{src}{{border-bottom-style:{line}}}" for src, line in SOURCES.items()]
    return "\n".join(rules)


REVIEW_JS = r"""
(function(){
  var data = JSON.parse(document.getElementById('gx-data').textContent);
  var marksOf = {};
  Array.prototype.forEach.call(document.querySelectorAll('#src mark.hl'), function(m){
    m.getAttribute('data-c').split(' ').forEach(function(i){ (marksOf[i] = marksOf[i] || []).push(m); });
  });
  function all(sel){ return Array.prototype.slice.call(document.querySelectorAll(sel)); }
  function clear(cls){ all('.' + cls).forEach(function(e){ e.classList.remove(cls); }); }
  function tdsOf(i){ return all('td.cell[data-i="' + i + '"]'); }
  function text(parent, tag, content){
    var e = document.createElement(tag); e.textContent = content; parent.appendChild(e); return e;
  }
  function showDetail(i){
    var c = data.cells[i], d = document.getElementById('detail');
    d.textContent = '';
    text(d, 'b', c.label + '  ');
    text(d, 'code', c.path);
    var rows = [['value', c.value === null ? '—' : String(c.value)], ['raw text', JSON.stringify(c.raw)],
                ['status', c.status], ['source', c.source],
                ['span', c.span ? '[' + c.span[0] + ', ' + c.span[1] + ')' : 'none (nothing to point at)']];
    if (c.candidates.length) rows.push(['candidates', c.candidates.join(', ')]);
    if (c.findings.length) rows.push(['findings', c.findings.map(function(f){ return data.findings[f].rule; }).join(', ')]);
    rows.forEach(function(r){ var p = text(d, 'div', ''); text(p, 'span', r[0] + ': '); text(p, 'code', r[1]); });
  }
  function selectCell(i, scrollSource){
    clear('sel');
    tdsOf(i).forEach(function(td){ td.classList.add('sel'); });
    var ms = marksOf[i] || [];
    ms.forEach(function(m){ m.classList.add('sel'); });
    var s = window.getSelection(); s.removeAllRanges();
    if (ms.length){
      var r = document.createRange(); r.setStartBefore(ms[0]); r.setEndAfter(ms[ms.length - 1]); s.addRange(r);
      if (scrollSource) ms[0].scrollIntoView({block: 'center'});
    }
    showDetail(i);
    document.body.setAttribute('data-selected', String(i));
  }
  all('td.cell').forEach(function(td){
    td.addEventListener('click', function(){ selectCell(td.getAttribute('data-i'), true); });
  });
  all('#src mark.hl').forEach(function(m){
    m.addEventListener('click', function(){
      var i = m.getAttribute('data-c').split(' ')[0];
      selectCell(i, false);
      var td = tdsOf(i)[0]; if (td) td.scrollIntoView({block: 'center'});
    });
  });
  all('.findings li.finding').forEach(function(li){
    li.addEventListener('click', function(){
      clear('named');
      var cells = (li.getAttribute('data-cells') || '').split(' ').filter(Boolean);
      cells.forEach(function(i){
        tdsOf(i).forEach(function(td){ td.classList.add('named'); });
        (marksOf[i] || []).forEach(function(m){ m.classList.add('named'); });
      });
      if (cells.length){ var td = tdsOf(cells[0])[0]; if (td) td.scrollIntoView({block: 'center'});
        var m = (marksOf[cells[0]] || [])[0]; if (m) m.scrollIntoView({block: 'center'}); }
    });
  });
  window.giextractReview = {selectCell: selectCell, marksOf: marksOf, data: data};
})();
"""

INDEX_JS = r"""
(function(){
  var table = document.getElementById('reports'), body = table.tBodies[0];
  var filter = document.getElementById('filter'), era = document.getElementById('era'),
      withFindings = document.getElementById('with-findings');
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function(th, col){
    th.classList.add('sortable');
    th.addEventListener('click', function(){
      var desc = th.getAttribute('data-dir') !== 'desc';
      th.setAttribute('data-dir', desc ? 'desc' : 'asc');
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function(a, b){
        var x = a.cells[col].getAttribute('data-v') || a.cells[col].textContent,
            y = b.cells[col].getAttribute('data-v') || b.cells[col].textContent;
        var nx = parseFloat(x), ny = parseFloat(y), c;
        if (!isNaN(nx) && !isNaN(ny)) c = nx - ny; else c = x.localeCompare(y, 'zh');
        return desc ? -c : c;
      });
      rows.forEach(function(r){ body.appendChild(r); });
    });
  });
  function apply(){
    var q = filter.value.trim().toLowerCase(), e = era.value, wf = withFindings.checked;
    Array.prototype.forEach.call(body.rows, function(r){
      var show = (!q || r.textContent.toLowerCase().indexOf(q) >= 0) && (!e || r.getAttribute('data-era') === e)
                 && (!wf || r.getAttribute('data-findings') !== '0');
      r.classList.toggle('hidden', !show);
    });
  }
  [filter, era, withFindings].forEach(function(c){ c.addEventListener('input', apply); c.addEventListener('change', apply); });
})();
"""
