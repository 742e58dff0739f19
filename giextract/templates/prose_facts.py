"""How legacy prose states the national indicators (全年共受理申请12件, 主动公开政府信息425条 …).

Patterns are matched on the normalized (Simplified) text, clause by clause. Each entry is a key and the
wordings that name it; a wording is a regular expression with no number in it. Wordings that name
something without a national key (电子邮件申请) are listed with key None so that a list of labels
(当面申请、电子邮件申请、信函申请分别为…) still lines up with its numbers.
"""
from __future__ import annotations

from typing import Optional

_NOT_DIGIT = r"[^，,。；;：:\d]"

FACT_WORDINGS: tuple[tuple[Optional[str], tuple[str, ...]], ...] = (
    # Disclosure requests only: 受理审批申请121510件 (a service hall's workload) is not one.
    ("requests_received", (rf"(?:收到|受理|接到|接收){_NOT_DIGIT}{{0,14}}?(?:公开申请|公开的申请|申请公开)(?!人)",)),
    ("proactive_items", (r"主动公开(?:各类)?(?:政府)?信息(?!公开)",)),
    ("proactive_normative_documents", (r"主动公开(?:[^，。；\d]{0,4})?规范性文件",)),
    ("requests_in_person", (r"当面(?:申请|提出)", r"现场申请")),
    ("requests_fax", (r"传真(?:申请|方式)",)),
    ("requests_online", (r"(?:网络|网上|互联网|在线)(?:申请|提交|方式)",)),
    ("requests_letter", (r"信函(?:申请|方式)",)),
    (None, (r"(?:电子邮件|电子邮箱|邮件)(?:申请|方式)", r"电话(?:申请|方式)")),
    # 不予公开信息数24条 counts items of information by class, not replies to requests.
    ("replies_denied", (r"不予公开(?!信息数)(?!的[^，。；\d]{0,6}(?:情形|理由|原因))", r"不同意公开")),
    ("replies_granted", (r"(?<!部分)(?<!不)同意公开", r"(?<!部分)予以公开")),
    ("replies_partially_granted", (r"部分(?:同意)?公开",)),
    ("denied_state_secret", (r"(?:涉及|属于)?国家秘密",)),
    ("denied_commercial_secret", (r"(?:涉及)?商业秘密",)),
    ("denied_privacy", (r"(?:涉及)?个人隐私",)),
    ("denied_not_government_information", (r"非政府信息", r"不(?:是|属于)(?:《条例》所指(?:的)?)?政府信息")),
    ("denied_other_legal", (r"法律(?:、?法规)?规定(?:的)?其他情形",)),
    ("replies_not_exist", (r"(?:申请的?)?信息不存在",)),
    ("replies_not_this_agency", (r"不属于本(?:行政)?机关",)),
    ("fees_collected_wan_yuan", (r"收取[^，。；\d]{0,8}?费",)),
    ("staff_full_time", (r"(?:专职|全职)(?:工作)?人员",)),
    ("staff_part_time", (r"兼职(?:工作)?人员",)),
    ("reading_points", (r"查阅(?:点|场所|室|中心)",)),
    ("press_conferences", (r"新闻发布会",)),
    ("online_interviews", (r"在线访谈",)),
    ("reviews_total", (r"行政复议",)),
    ("lawsuits_total", (r"行政诉讼",)),
)

# Statements that something did not happen, and the keys they set to 0.
_NONE_HAPPENED = r"(?:未|没有|无)(?:发生|收到|出现|接到|产生|因)"
ZERO_STATEMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (_NONE_HAPPENED + r"[^。；纠败撤]{0,24}?行政复议", ("reviews_total",)),
    (_NONE_HAPPENED + r"[^。；纠败撤]{0,30}?行政诉讼", ("lawsuits_total",)),
    (r"(?:未|没有|无|不)[^。；，\d]{0,8}?收取(?:任何)?[^。；，\d]{0,10}?费用", ("fees_collected_wan_yuan",)),
    # Not _NONE_HAPPENED: 没有因政府信息公开申请行政复议 says nothing about the number of requests.
    (r"(?:未|没有|无)(?:收到|接到|发生)[^。；，\d]{0,16}?(?:公开申请|公开的申请|申请公开)", ("requests_received",)),
    (_NONE_HAPPENED + r"[^。；纠败撤]{0,40}?(?:申诉|举报)", ("complaints",)),
    (r"(?:暂不|不予|未)收费|未发生[^。；，\d]{0,12}?收费", ("fees_collected_wan_yuan",)),
)

# A count with its unit; money is read as 元 or 万元 and stored in 万元.
COUNT_UNITS = ("件次", "人次", "件", "宗", "条", "个", "份", "次", "项", "起", "场", "篇", "人", "名")
MONEY_KEYS = frozenset({"fees_collected_wan_yuan", "special_funds_wan_yuan"})
# A clause with one of these is about something else than this year's own count.
SKIP_CLAUSE = ("累计", "历年", "同比", "比上年", "较上年", "上年", "%", "占")
