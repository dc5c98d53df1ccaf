"""The spaCy address parser: free-form Chinese addresses → the backend's fields."""

import pytest

from actions.address_parser import missing_parts, parse_address


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "上海市浦东新区张江路88号3栋502室 张三 13800138000",
            {
                "province": "上海市",
                "city": "上海市",
                "receiver": "张三",
                "phone": "13800138000",
                "detail": "浦东新区张江路88号3栋502室",
            },
        ),
        # no 省/市 written: the gazetteer still knows 北京 and 深圳
        (
            "北京朝阳区建国路88号SOHO现代城A座1201，收件人李四，电话139 1234 5678",
            {
                "province": "北京市",
                "city": "北京市",
                "receiver": "李四",
                "phone": "13912345678",
                "detail": "朝阳区建国路88号SOHO现代城A座1201",
            },
        ),
        (
            "深圳南山区粤海街道科苑路15号",
            {"province": "广东省", "city": "深圳市", "detail": "南山区粤海街道科苑路15号"},
        ),
        (
            "新疆乌鲁木齐市天山区解放北路1号 收货人：王五 +86 186-0101-2345",
            {
                "province": "新疆维吾尔自治区",
                "city": "乌鲁木齐市",
                "receiver": "王五",
                "phone": "18601012345",
                "detail": "天山区解放北路1号",
            },
        ),
        # a county-level city outside the gazetteer is taken from the text
        (
            "江苏省昆山市花桥镇绿地大道231号",
            {"province": "江苏省", "city": "昆山市", "detail": "昆山市花桥镇绿地大道231号"},
        ),
    ],
)
def test_addresses_are_split_into_fields(text, expected):
    fields = parse_address(text)
    fields.pop("district", None)
    assert fields == expected
    assert missing_parts(parse_address(text)) == []


def test_a_street_named_after_a_city_is_not_a_city():
    fields = parse_address("浙江省杭州市西湖区南京路8号")
    assert fields["city"] == "杭州市" and fields["detail"] == "西湖区南京路8号"


@pytest.mark.parametrize(
    "text, missing",
    [
        ("建国路88号", ["region"]),
        ("成都", ["detail"]),
        ("内蒙古呼和浩特市新城区", ["detail"]),
        ("", ["region", "detail"]),
    ],
)
def test_what_is_missing_is_named(text, missing):
    assert missing_parts(parse_address(text)) == missing
