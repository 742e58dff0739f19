"""The official tables as data: rows, columns, labels and their variants, per era.

Labels are written as published; matching normalizes them (see ``templates.patterns``). Adding a
variant is a data change here, never a new branch in a parser.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    ordinal: str = ""  # printed before the label in the template ("2." / "（一）"); stripped when glued to digits


@dataclass(frozen=True)
class SubTable:
    key: str
    heading: str  # 第二十条第（一）项
    columns: tuple[str, ...]
    rows: tuple[RowSpec, ...]
    money_columns: tuple[str, ...] = ()
    signed_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[str, ...]
    rows: tuple[RowSpec, ...]
    column_labels: dict[str, str] = field(default_factory=dict)


ART20_2019 = (
    SubTable("art20_1", "第二十条第（一）项", ("newly_made", "newly_published", "total_published"), (
        RowSpec("regulations", "规章"),
        RowSpec("normative_documents", "规范性文件"),
    )),
    SubTable("art20_5", "第二十条第（五）项", ("previous_year_items", "change", "decisions"), (
        RowSpec("administrative_licensing", "行政许可"),
        RowSpec("other_external_services", "其他对外管理服务事项"),
    ), signed_columns=("change",)),
    SubTable("art20_6", "第二十条第（六）项", ("previous_year_items", "change", "decisions"), (
        RowSpec("administrative_penalty", "行政处罚"),
        RowSpec("administrative_coercion", "行政强制"),
    ), signed_columns=("change",)),
    SubTable("art20_8", "第二十条第（八）项", ("previous_year_items", "change"), (
        RowSpec("administrative_fees", "行政事业性收费"),
    ), signed_columns=("change",)),
    SubTable("art20_9", "第二十条第（九）项", ("procurement_items", "procurement_amount_wan_yuan"), (
        RowSpec("centralized_procurement", "政府集中采购"),
    ), money_columns=("procurement_amount_wan_yuan",)),
)

ART20_2021 = (
    SubTable("art20_1", "第二十条第（一）项", ("issued", "repealed", "in_force"), (
        RowSpec("regulations", "规章"),
        RowSpec("normative_documents", "行政规范性文件", aliases=("规范性文件",)),
    )),
    SubTable("art20_5", "第二十条第（五）项", ("decisions",), (
        RowSpec("administrative_licensing", "行政许可"),
    )),
    SubTable("art20_6", "第二十条第（六）项", ("decisions",), (
        RowSpec("administrative_penalty", "行政处罚"),
        RowSpec("administrative_coercion", "行政强制"),
    )),
    SubTable("art20_8", "第二十条第（八）项", ("fee_amount_wan_yuan",), (
        RowSpec("administrative_fees", "行政事业性收费"),
    ), money_columns=("fee_amount_wan_yuan",)),
)

APPLICANT_COLUMNS = ("natural_person", "commercial_enterprise", "research_institution",
                     "public_interest_org", "legal_service_org", "other_org")
APPLICATION_COLUMNS = APPLICANT_COLUMNS + ("total",)

_DENIED = (
    RowSpec("denied_state_secret", "属于国家秘密", ordinal="1."),
    RowSpec("denied_prohibited_by_law", "其他法律行政法规禁止公开", ordinal="2."),
    RowSpec("denied_three_safeties_one_stability", '危及"三安全一稳定"', ordinal="3."),
    RowSpec("denied_third_party_rights", "保护第三方合法权益", ordinal="4."),
    RowSpec("denied_internal_affairs", "属于三类内部事务信息", ordinal="5."),
    RowSpec("denied_process_information", "属于四类过程性信息", ordinal="6."),
    RowSpec("denied_enforcement_case_file", "属于行政执法案卷", ordinal="7."),
    RowSpec("denied_administrative_inquiry", "属于行政查询事项", ordinal="8."),
    RowSpec("unavailable_not_held", "本机关不掌握相关政府信息", ordinal="1."),
    RowSpec("unavailable_needs_creation", "没有现成信息需要另行制作", ordinal="2."),
    RowSpec("unavailable_unclear_after_correction", "补正后申请内容仍不明确", ordinal="3."),
    RowSpec("not_processed_complaint", "信访举报投诉类申请", ordinal="1."),
    RowSpec("not_processed_repeated", "重复申请", ordinal="2."),
    RowSpec("not_processed_publication", "要求提供公开出版物", ordinal="3."),
    RowSpec("not_processed_excessive", "无正当理由大量反复申请", ordinal="4."),
    RowSpec("not_processed_confirmation", "要求行政机关确认或重新出具已获取信息", ordinal="5."),
)
_HEAD = (
    RowSpec("new_received", "本年新收政府信息公开申请数量", ordinal="一、"),
    RowSpec("carried_over", "上年结转政府信息公开申请数量", ordinal="二、"),
    RowSpec("granted", "予以公开", ordinal="（一）"),
    RowSpec("partially_granted", "部分公开（区分处理的，只计这一情形，不计其他情形）",
            aliases=("部分公开",), ordinal="（二）"),
)
_TAIL = (
    RowSpec("results_total", "总计", ordinal="（七）"),
    RowSpec("carried_forward", "结转下年度继续办理", ordinal="四、"),
)

APPLICATIONS_2019 = TableSpec("applications", APPLICATION_COLUMNS, _HEAD + _DENIED + (
    RowSpec("other_handling", "其他处理", ordinal="（六）"),
) + _TAIL)

APPLICATIONS_2021 = TableSpec("applications", APPLICATION_COLUMNS, _HEAD + _DENIED + (
    RowSpec("other_no_correction",
            "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", ordinal="1."),
    RowSpec("other_fee_unpaid",
            "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", ordinal="2."),
    RowSpec("other_other", "其他", ordinal="3."),
) + _TAIL)

# Rows of 三 that are results (R3 sums them into results_total).
RESULT_ROWS_2019 = tuple(r.key for r in APPLICATIONS_2019.rows[2:-2])
RESULT_ROWS_2021 = tuple(r.key for r in APPLICATIONS_2021.rows[2:-2])

REVIEW_GROUPS = ("administrative_review", "litigation_direct", "litigation_after_review")
REVIEW_COLUMNS = ("upheld", "corrected", "other", "pending", "total")

ACTIVE_DISCLOSURE = {"2019": ART20_2019, "2021": ART20_2021}
APPLICATIONS = {"2019": APPLICATIONS_2019, "2021": APPLICATIONS_2021}
RESULT_ROWS = {"2019": RESULT_ROWS_2019, "2021": RESULT_ROWS_2021}

# Prose that states a table cell: used to choose among run-on readings of that row (the prose is text
# of the same report, so this is evidence, not a guess). (era, sub-table, row, column) → regex with one
# number group; the number must be followed by its unit so that table cells never match.
PROSE_HINTS: dict[tuple[str, str, str, str], str] = {
    ("2021", "art20_1", "normative_documents", "issued"): r"制发(?:的)?(?:行政)?规范性文件\s*(\d+)\s*件",
    ("2021", "art20_1", "normative_documents", "in_force"): r"现行有效(?:的)?(?:行政)?规范性文件\s*(\d+)\s*件",
    ("2019", "art20_1", "normative_documents", "newly_made"): r"新制作(?:的)?规范性文件\s*(\d+)\s*件",
}

# Column headings of table 二 as the templates print them (in the 2021 format the decisions column reads 本年处理决定数量).
COLUMN_LABELS = {
    "newly_made": "本年新制作数量", "newly_published": "本年新公开数量", "total_published": "对外公开总数量",
    "previous_year_items": "上一年项目数量", "change": "本年增/减", "decisions": "处理决定数量",
    "procurement_items": "采购项目数量", "procurement_amount_wan_yuan": "采购总金额",
    "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
    "fee_amount_wan_yuan": "本年收费金额（单位：万元）",
}

# The 2021 format words table 二's decisions column differently.
COLUMN_LABELS_2021 = {"decisions": "本年处理决定数量"}
# Column headings of tables 三 and 四, and the group headings printed over them, as the templates print them.
APPLICANT_LABELS = {"natural_person": "自然人", "commercial_enterprise": "商业企业", "research_institution": "科研机构",
                    "public_interest_org": "社会公益组织", "legal_service_org": "法律服务机构", "other_org": "其他",
                    "total": "总计"}
APPLICANT_GROUP_LABEL = "法人或其他组织"  # over the five organisation columns
REVIEW_LABELS = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结", "total": "总计"}
GROUP_LABELS = {"administrative_review": "行政复议", "litigation_direct": "未经复议直接起诉",
                "litigation_after_review": "复议后起诉"}
# Rows of 三 under a group heading printed without cells of its own: key of the group's first row → heading.
ROW_GROUPS = {"granted": "三、本年度办理结果", "denied_state_secret": "（三）不予公开",
              "unavailable_not_held": "（四）无法提供", "not_processed_complaint": "（五）不予处理",
              "other_no_correction": "（六）其他处理"}
