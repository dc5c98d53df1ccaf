"""Splits a Chinese delivery address into the backend's fields, with spaCy.

Customers write addresses freely: "北京朝阳区建国路88号SOHO现代城A座1201，收件人李四，
电话139 1234 5678", "广东深圳南山区科技园…", with or without 省/市. spaCy's Chinese
language class runs an EntityRuler over the text with gazetteers of provinces
and cities (short and full names), so "北京" is found as the municipality 北京市
and "深圳" as a city of 广东省. Character segmentation is used on purpose: jieba
glues administrative names together ("上海市浦东新区" is one jieba word), which
would hide them from phrase patterns; single characters never do. Districts,
receiver and phone follow from the text around the matches.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, List

# Municipalities: province and city are the same.
MUNICIPALITIES = ["北京", "上海", "天津", "重庆"]
PROVINCES = {
    "河北": "省",
    "山西": "省",
    "辽宁": "省",
    "吉林": "省",
    "黑龙江": "省",
    "江苏": "省",
    "浙江": "省",
    "安徽": "省",
    "福建": "省",
    "江西": "省",
    "山东": "省",
    "河南": "省",
    "湖北": "省",
    "湖南": "省",
    "广东": "省",
    "海南": "省",
    "四川": "省",
    "贵州": "省",
    "云南": "省",
    "陕西": "省",
    "甘肃": "省",
    "青海": "省",
    "台湾": "省",
    "内蒙古": "自治区",
    "广西": "壮族自治区",
    "西藏": "自治区",
    "宁夏": "回族自治区",
    "新疆": "维吾尔自治区",
    "香港": "特别行政区",
    "澳门": "特别行政区",
}
# Major cities → their province, so that "深圳南山区…" still gets 广东省.
CITIES = {
    "石家庄": "河北",
    "唐山": "河北",
    "保定": "河北",
    "太原": "山西",
    "大同": "山西",
    "沈阳": "辽宁",
    "大连": "辽宁",
    "长春": "吉林",
    "吉林": "吉林",
    "哈尔滨": "黑龙江",
    "南京": "江苏",
    "苏州": "江苏",
    "无锡": "江苏",
    "常州": "江苏",
    "南通": "江苏",
    "徐州": "江苏",
    "杭州": "浙江",
    "宁波": "浙江",
    "温州": "浙江",
    "绍兴": "浙江",
    "嘉兴": "浙江",
    "金华": "浙江",
    "合肥": "安徽",
    "芜湖": "安徽",
    "福州": "福建",
    "厦门": "福建",
    "泉州": "福建",
    "南昌": "江西",
    "赣州": "江西",
    "济南": "山东",
    "青岛": "山东",
    "烟台": "山东",
    "潍坊": "山东",
    "郑州": "河南",
    "洛阳": "河南",
    "武汉": "湖北",
    "宜昌": "湖北",
    "长沙": "湖南",
    "株洲": "湖南",
    "广州": "广东",
    "深圳": "广东",
    "珠海": "广东",
    "佛山": "广东",
    "东莞": "广东",
    "中山": "广东",
    "惠州": "广东",
    "汕头": "广东",
    "海口": "海南",
    "三亚": "海南",
    "成都": "四川",
    "绵阳": "四川",
    "贵阳": "贵州",
    "遵义": "贵州",
    "昆明": "云南",
    "大理": "云南",
    "西安": "陕西",
    "兰州": "甘肃",
    "西宁": "青海",
    "呼和浩特": "内蒙古",
    "包头": "内蒙古",
    "南宁": "广西",
    "桂林": "广西",
    "拉萨": "西藏",
    "银川": "宁夏",
    "乌鲁木齐": "新疆",
    "台北": "台湾",
}
# An address is read up to this many characters; the rest of a longer message is not
# looked at (spaCy and the patterns below then cost the same for any message).
MAX_ADDRESS_CHARS = 200
PHONE = re.compile(r"(?:\+?86[\s-]?)?(1[3-9]\d{9})(?!\d)")
DISTRICT = re.compile(r"^[\u4e00-\u9fff]{1,8}?(?:新区|区|县|旗|市)")
RECEIVER = re.compile(r"(?:收件人|收货人|联系人|姓名)[:：\s]*([\u4e00-\u9fff]{2,4})")
# "…502室 张三": a bare name after the street-level part, before the phone.
TRAILING_NAME = re.compile(r"(?<=[\d号室栋幢层楼座单元A-Za-z])[\s，,]+([\u4e00-\u9fff]{2,4})$")
LABEL_WORDS = re.compile(r"(?:收件人|收货人|联系人|姓名|电话|手机|手机号|联系电话)[:：]?")
SEPARATORS = " ，,;；。、:："


@lru_cache(maxsize=1)
def _nlp():
    from spacy.lang.zh import Chinese

    nlp = Chinese.from_config({"nlp": {"tokenizer": {"segmenter": "char"}}})
    ruler = nlp.add_pipe("entity_ruler")
    patterns: List[dict] = []
    for name in MUNICIPALITIES:
        for form in (name + "市", name):
            patterns.append({"label": "MUNICIPALITY", "pattern": form, "id": name})
    for name, suffix in PROVINCES.items():
        for form in {name + suffix, name + "省", name}:
            patterns.append({"label": "PROVINCE", "pattern": form, "id": name})
    for name in CITIES:
        for form in (name + "市", name):
            patterns.append({"label": "CITY", "pattern": form, "id": name})
    ruler.add_patterns(patterns)
    return nlp


def parse_address(text: str) -> Dict[str, str]:
    """Fields for the backend: province, city, detail, and receiver/phone when given."""
    text = re.sub(r"[\ud800-\udfff]", "", (text or "")[:MAX_ADDRESS_CHARS])
    text = re.sub(r"(?<=\d)[\s-](?=\d)", "", text).strip()
    fields: Dict[str, str] = {}
    phone = PHONE.search(text)
    if phone:
        fields["phone"] = phone.group(1)
        text = (text[: phone.start()] + " " + text[phone.end() :]).strip()
    receiver = RECEIVER.search(text)
    if receiver:
        fields["receiver"] = receiver.group(1)
        text = (text[: receiver.start()] + " " + text[receiver.end() :]).strip()
    text = LABEL_WORDS.sub(" ", text).strip(SEPARATORS)
    trailing = TRAILING_NAME.search(text)
    if trailing and "receiver" not in fields:
        fields["receiver"] = trailing.group(1)
        text = text[: trailing.start()]

    rest_start = 0
    for entity in _nlp()(text).ents:
        if entity.start_char > rest_start + 1:
            break  # only a leading province/city counts; later ones are street names
        name = entity.ent_id_
        if entity.label_ == "MUNICIPALITY":
            fields["province"] = fields["city"] = name + "市"
        elif entity.label_ == "PROVINCE" and "province" not in fields:
            fields["province"] = name + PROVINCES[name]
        elif entity.label_ == "CITY" and "city" not in fields:
            fields["city"] = name + "市"
            fields.setdefault("province", CITIES[name] + PROVINCES[CITIES[name]])
        else:
            break
        rest_start = entity.end_char
    rest = text[rest_start:].strip(SEPARATORS)
    district = DISTRICT.match(rest)
    if district and "city" not in fields and district.group(0).endswith("市"):
        fields["city"] = district.group(0)
    elif district:
        fields["district"] = district.group(0)
    fields["detail"] = re.sub(r"\s+", " ", rest).strip(SEPARATORS)
    return fields


def missing_parts(fields: Dict[str, str]) -> List[str]:
    """What a courier would still need: a region and a street-level detail."""
    missing = []
    if "province" not in fields and "city" not in fields and "district" not in fields:
        missing.append("region")
    detail = fields.get("detail", "")
    if "district" in fields:
        detail = detail[len(fields["district"]) :]
    if len(detail) < 4 or not re.search(r"\d|号|栋|幢|室|村|组|单元|大厦|小区|路|街|道|巷", detail):
        missing.append("detail")
    return missing
