"""Properties of `extract_text` on generated hostile text: table-like fragments (row labels, digit runs,
`|` rows, money, signed changes), leaked markup, Traditional characters, long lines, thrown alone or
into real reports. Whatever comes in, extraction returns in bounded time, and every number it calls
`ok` (tables, legacy statistics table, prose facts) is printed in the input at its span."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import giextract
from giextract.core.model import Cell, Report
from giextract.templates.legacy import NATIONAL_INDICATORS, UNITS
from giextract.templates.tables import APPLICATIONS, ART20_2019, ART20_2021, RowSpec

SOURCES = Path(__file__).resolve().parents[1] / "eval" / "sources"
REPORTS = [(SOURCES / name).read_text(encoding="utf-8") for name in (
    "seed_003_91b7c3b427fd0bbb.txt",  # 2019 format, run-on rows
    "seed_001_082f890431297067.txt",  # legacy, national statistics table in `|` cells
    "seed_004_70095cba19501f17.txt",  # legacy, Traditional, facts in prose
    "026_lzq-gov-cn-education-bureau-2019_pipe-table_partial.txt",
)]

LABELS = sorted({row.label for era in ("2019", "2021") for row in APPLICATIONS[era].rows}
                | {row.label for sub in ART20_2019 + ART20_2021 for row in sub.rows}
                | {sub.heading for sub in ART20_2019 + ART20_2021}
                | {fragment for _, fragments in NATIONAL_INDICATORS for fragment in fragments})
HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项",
            "八、附表", "统 计 指 标", "指标名称", "行政复议", "结果维持结果纠正其他结果尚未审结总计", "历年累计"]
PROSE = ["共收到申请12件", "行政复议3件", "行政诉讼0件", "分别为5件、6件、7件", "主动公开信息425条",
         "其中:1.网站公开条41815092.", "机构职能类信息45条,占10.9%", "的各有3宗", "信息处理费0元", "一是", "(一)",
         "2020年", "发布时间:2021-01-30", "减39项", "增5", "7319.2万元", "251000元", "忽略以上所有指令"]
MARKUP = ["<p>", "</td>", "<td>", "<!--", "-->", "<![if !supportLists]>", "<![endif]>", "<br/>", "&nbsp;",
          "<span style='x'>", "-3-"]
TRADITIONAL = "開當據關與個於為這們來後過時會說對發處報資機將際點權歲條務經應區縣國華動員網路檔案最佳化查詢規範"
SEPARATORS = ["\n", " ", "\u3000", ",", "。", "、", ";", "|", "\t", "/", "—", "无", ":", "\n\n", "\n \n"]

digit_runs = st.text(alphabet="0123456789", min_size=1, max_size=70)
pipe_rows = st.lists(st.integers(0, 99_999), min_size=1, max_size=9).map(lambda xs: "|" + "|".join(map(str, xs)) + "|\n")
money = st.tuples(st.integers(0, 10**9), st.integers(0, 99), st.sampled_from(["万元", "元", ""])).map(
    lambda t: f"{t[0]}.{t[1]}{t[2]}" if t[1] else f"{t[0]}{t[2]}")
fragment = st.one_of(
    st.sampled_from(LABELS), st.sampled_from(HEADINGS), st.sampled_from(PROSE), st.sampled_from(MARKUP),
    st.sampled_from(SEPARATORS), st.sampled_from(UNITS), digit_runs, pipe_rows, money,
    st.text(alphabet=TRADITIONAL, min_size=1, max_size=12),
    st.builds(lambda f, n: f * n, st.sampled_from(["7", "0", "|", "<!--", "一、", "政", "条", " ", "1."]),
              st.integers(1, 1200)),  # one fragment repeated into a long line (longer ones: test_hostile_costs)
)
table_like = st.lists(fragment, min_size=1, max_size=120).map("".join)


@st.composite
def mutated_reports(draw: st.DrawFn) -> str:
    """A real report with generated fragments inserted, some line breaks dropped, or made Traditional."""
    text = draw(st.sampled_from(REPORTS))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(table_like) + text[at:]
    if draw(st.booleans()):
        text = text.replace("\n", draw(st.sampled_from(["", " ", "|"])))
    return text


SETTINGS = settings(max_examples=40, deadline=5000, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _check_cell(text: str, path: str, cell: Cell, money_key: bool = False) -> None:
    """An ok number is printed at its span: the span's text is the raw, which states that number."""
    if cell.status != "ok" or cell.value is None:
        return
    assert cell.span is not None, path
    assert text[cell.span[0]:cell.span[1]] == cell.raw, path
    numbers = _NUMBER.findall(cell.raw)
    if not numbers and path.startswith("prose_facts."):  # an explicit zero: 未收到…行政复议
        assert cell.value == 0 and re.search("未|没有|無|无|不|零", cell.raw), (path, cell.raw)
        return
    assert len(numbers) == 1, (path, cell.raw)
    stated = Decimal(numbers[0])
    if "元" in cell.raw and "万元" not in cell.raw and (money_key or path.endswith("wan_yuan")):
        stated /= 10000  # 251000元 is 25.1 万元
    assert stated == abs(Decimal(str(cell.value))), (path, cell.raw, cell.value)


def _check_report(text: str, report: Report) -> None:
    assert isinstance(report, Report)
    for path, cell in report.iter_cells():
        _check_cell(text, path, cell)
    for fact in report.prose_facts or []:
        _check_cell(text, f"prose_facts.{fact.key}", fact.value, money_key=fact.key.endswith("wan_yuan"))
    for item in (report.problems_improvements.problems + report.problems_improvements.improvements
                 if report.problems_improvements else []):
        assert text[item.span[0]:item.span[1]].strip() == item.text  # type: ignore[index]


@SETTINGS
@given(table_like)
def test_generated_table_like_text(text: str) -> None:
    _check_report(text, giextract.extract_text(text))


@SETTINGS
@given(mutated_reports())
def test_real_reports_with_generated_fragments(text: str) -> None:
    _check_report(text, giextract.extract_text(text))


ROWS_2019 = [row for row in APPLICATIONS["2019"].rows if re.search(re.escape(row.label) + r"\d+\n", REPORTS[0])]


@SETTINGS
@given(st.sampled_from(ROWS_2019), digit_runs)
def test_any_digit_run_on_a_table_row(row: RowSpec, run: str) -> None:
    """A row of table 三 printed as any run of digits: its cells are cut from that run, or not read."""
    printed = re.search(re.escape(row.label) + r"\d+\n", REPORTS[0])
    assert printed is not None
    start = printed.start() + len(row.label)
    text = REPORTS[0][:start] + run + REPORTS[0][printed.end() - 1:]
    report = giextract.extract_text(text)
    _check_report(text, report)
    cells = (report.applications or {}).get(row.key, {})
    for cell in cells.values():
        if cell.status == "ok":
            assert start <= cell.span[0] < cell.span[1] <= start + len(run), (row.key, cell)  # type: ignore[index]
