"""The legacy statistics table (统计表): national indicators (2014–2018 national table) and the wording
of provincial variants that mean the same indicator. Matching is on the label with its ordinal and
其中 prefix stripped; first match wins, so more specific wordings come first."""
from __future__ import annotations

from typing import Optional

# (key, label fragments that identify it)
NATIONAL_INDICATORS: tuple[tuple[Optional[str], tuple[str, ...]], ...] = (
    # Provincial rows with no national equivalent (they would otherwise match a national fragment).
    (None, ("信函、传真申请数", "电子邮件申请数", "其它形式申请数", "其他形式申请数", "其他类型答复数",
            "收费减免金额")),
    ("proactive_normative_documents", ("主动公开规范性文件数",)),
    ("normative_documents_issued", ("制发规范性文件总数",)),
    ("proactive_items", ("主动公开政府信息数", "主动公开信息数", "主动公开文件数")),
    ("channel_gazette", ("政府公报公开",)),
    ("channel_website", ("政府网站公开", "网站公开")),
    ("channel_weibo", ("政务微博公开",)),
    ("channel_wechat", ("政务微信公开",)),
    ("channel_other", ("其他方式公开政府信息数",)),
    ("responses_hot_topics", ("回应公众关注热点或重大舆情数",)),
    ("press_conferences_by_heads", ("主要负责同志参加新闻发布会次数",)),
    ("press_conferences", ("参加或举办新闻发布会总次数",)),
    ("online_interviews_by_heads", ("主要负责同志参加政府网站在线访谈次数",)),
    ("online_interviews", ("政府网站在线访谈次数",)),
    ("interpretations_published", ("政策解读稿件发布数",)),
    ("weibo_wechat_responses", ("微博微信回应事件数",)),
    ("other_responses", ("其他方式回应事件数",)),
    ("requests_received", ("收到申请数", "受理依申请公开信息总数", "受理政府信息公开申请总数")),
    ("requests_in_person", ("当面申请数",)),
    ("requests_fax", ("传真申请数",)),
    ("requests_online", ("网络申请数", "网上申请数")),
    ("requests_letter", ("信函申请数",)),
    ("requests_closed_on_time", ("按时办结数",)),
    ("requests_closed_extended", ("延期办结数",)),
    ("requests_closed", ("申请办结数",)),
    ("replies_total", ("申请答复数", "对申请的答复总数", "对申请的答复数")),
    ("replies_already_public", ("属于已主动公开范围数",)),
    ("replies_partially_granted", ("同意部分公开答复数",)),
    ("replies_denied", ("不同意公开答复数", "不予公开答复数", "否决公开答复数")),
    ("replies_granted", ("同意公开答复数",)),
    ("denied_state_secret", ("涉及国家秘密",)),
    ("denied_commercial_secret", ("涉及商业秘密",)),
    ("denied_privacy", ("涉及个人隐私",)),
    ("denied_security_stability", ("危及国家安全、公共安全、经济安全和社会稳定",)),
    ("denied_not_government_information", ("不是《条例》所指政府信息",)),
    ("denied_other_legal", ("法律法规规定的其他情形",)),
    ("replies_not_this_agency", ("不属于本行政机关公开数",)),
    ("replies_not_exist", ("申请信息不存在数",)),
    ("replies_asked_to_amend", ("告知作出更改补充数",)),
    ("replies_other_channel", ("告知通过其他途径办理数",)),
    ("reviews_upheld", ("维持具体行政行为数",)),
    ("reviews_corrected", ("被依法纠错数",)),
    ("reviews_other", ("其他情形数",)),
    ("reviews_total", ("行政复议数量", "行政复议数")),
    ("lawsuits_upheld", ("维持具体行政行为或者驳回原告诉讼请求数",)),
    ("lawsuits_corrected", ("被依法纠错九",)),
    ("lawsuits_total", ("行政诉讼数量", "行政诉讼数")),
    ("complaints", ("举报投诉数量", "行政申诉、举报数", "接受行政申诉、举报数", "行政申诉数",
                    "接受行政诉讼、举报数")),
    ("fees_collected_wan_yuan", ("依申请公开信息收取的费用",)),
    ("dedicated_units", ("政府信息公开工作专门机构数",)),
    ("reading_points", ("设置政府信息公开查阅点数",)),
    ("staff_full_time", ("专职人员数",)),
    ("staff_part_time", ("兼职人员数",)),
    ("staff_total", ("从事政府信息公开工作人员数",)),
    ("special_funds_wan_yuan", ("政府信息公开专项经费",)),
    ("meetings", ("召开政府信息公开工作会议或专题会议数",)),
    ("training_sessions", ("举办各类培训班数",)),
    ("trainees", ("接受培训人员数",)),
)

# Rows under a review / lawsuit heading share wording (维持…, 被依法纠错, 其他情形): the section decides.
LAWSUIT_CONTEXT = {"reviews_upheld": "lawsuits_upheld", "reviews_corrected": "lawsuits_corrected",
                   "reviews_other": "lawsuits_other"}

UNITS = ("人次", "万元", "条", "件", "次", "人", "个", "篇", "元", "项")

# O-rules as data: parent == sum(children) (definitional) — see rules/legacy.py.
SUM_RULES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("O1", "requests_received", ("requests_in_person", "requests_fax", "requests_online", "requests_letter")),
    ("O2", "requests_closed", ("requests_closed_on_time", "requests_closed_extended")),
    ("O3", "replies_total", ("replies_already_public", "replies_granted", "replies_partially_granted",
                             "replies_denied", "replies_not_this_agency", "replies_not_exist",
                             "replies_asked_to_amend", "replies_other_channel")),
    ("O4", "replies_denied", ("denied_state_secret", "denied_commercial_secret", "denied_privacy",
                              "denied_security_stability", "denied_not_government_information",
                              "denied_other_legal")),
    ("O5", "reviews_total", ("reviews_upheld", "reviews_corrected", "reviews_other")),
    ("O6", "lawsuits_total", ("lawsuits_upheld", "lawsuits_corrected", "lawsuits_other")),
    ("O7", "staff_total", ("staff_full_time", "staff_part_time")),
)
CHANNELS = ("channel_gazette", "channel_website", "channel_weibo", "channel_wechat", "channel_other")

# Every national indicator key, in the table's order (the LLM's answers are held to these).
INDICATOR_KEYS: tuple[str, ...] = tuple(dict.fromkeys(
    [k for k, _ in NATIONAL_INDICATORS if k] + list(LAWSUIT_CONTEXT.values())))
