"""Canonical sections and the heading wordings that mark them (2019/2021 templates and legacy layouts)."""
from __future__ import annotations

# key → heading title patterns (regex fragments on normalized text, whitespace-tolerant via `loose`).
# Order matters only for ties at the same position: earlier keys win.
SECTION_TITLES: dict[str, tuple[str, ...]] = {
    "overview": ("总体情况", "概述", "基本工作情况", "基本情况", "工作概况"),
    "active_disclosure": ("主动公开政府信息", "主动公开情况", "政府信息主动公开", "重点领域政府信息公开",
                          "主动公开政务信息"),
    "applications": ("收到和处理政府信息公开申请", "依申请公开", "政府信息依申请公开"),
    "fees": ("收费及减免", "收费和减免", "相关费用", "收费情况"),
    "review_litigation": ("行政复议", "行政诉讼"),
    "problems": ("存在的主要问题", "存在的问题", "主要问题", "存在问题"),
    "improvements": ("下一步", "建议", "改进措施", "改进情况"),
    "other_matters": ("其他需要报告的事项", "其他事项", "需要说明的其他事项", "需要说明的事项",
                      "其他需要说明"),
    "statistics_table": ("附表", "统计表", "附件"),
}

# Internal keys that the output merges into one canonical section key.
OUTPUT_KEY = {"problems": "problems_improvements", "improvements": "problems_improvements"}

ERA_MARKERS: dict[str, tuple[str, ...]] = {
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额",
             "逾期不补正", "逾期未按收费通知"),
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减",
             "第二十条第(九)项", "采购项目数量"),
}

# Row labels that only the 2019 and 2021 formats' tables print (table 三 and 四), whichever headers survive.
MODERN_MARKERS: tuple[str, ...] = ("本年新收政府信息公开申请数量", "上年结转政府信息公开申请数量", "结转下年度继续办理",
                                   "本机关不掌握相关政府信息", "未经复议直接起诉", "第二十条",
                                   "其他对外管理服务事项")
