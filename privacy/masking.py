"""Masks personal data in free text: phones, codes, ID card numbers, e-mail and street addresses.

What is masked, and how it looks afterwards (tests/privacy/test_masking.py has the table):

- mainland mobile numbers in every form the text normaliser accepts: digit groups
  joined by spaces, hyphens or invisible characters (`138 0013 8000`,
  `138-0013-8000`), a country code (`+86`, `0086`, `86`), full-width and other
  Unicode digits, mixed → `138****8000` (the country code is dropped);
- landline numbers written with their area code (`010-1234 5678`) → `010-****5678`;
- ID card numbers (18 digits or 17 and X with a valid check digit, or the old 15
  digits, both with a real province and birth date) → `1****************X`;
- 6-digit codes standing alone, and 4 to 8 digits right after a word that names a
  code (验证码, code, ...) → `******`;
- e-mail addresses → `zh***@example.com` (a hint, not the address);
- the street-level part of a Chinese address (…路/街/道 + number + 号, 小区/栋/
  单元/室 …) → `****`; province, city and district stay.

Order and tracking numbers (12 to 20 digits, also written in groups such as
`2026 1101 0000 01`) are not personal data and stay exactly as written: masking
part of one would turn it into a different, misleading number. A digit run is
classified as a whole (group by group, as the normaliser joins them), so a phone
is never found inside an order number, and a phone typed next to an order number
is still masked.

Lone surrogates (`"\\ud800"`, which no encoder accepts) become U+FFFD, so the
result can always be encoded, logged and stored.

Standard library only: every process (Rasa, the action server, the handoff
service, the shop backend) imports it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Callable, Collection, Iterator, List, Optional, Tuple

PHONE_MASK = "{head}****{tail}"
CODE_MASK = "******"
ADDRESS_MASK = "****"
KINDS = ("phone", "landline", "id_card", "code", "email", "address")


def _chars_where(test: Callable[[str], bool], ranges: List[Tuple[int, int]]) -> str:
    """The characters of `ranges` for which `test` holds, escaped for a regex class."""
    found = [chr(c) for start, end in ranges for c in range(start, end) if test(chr(c))]
    return "".join(re.escape(c) for c in found)


# Digits: every Unicode decimal digit (\d: full-width, Arabic-Indic, mathematical...)
# and the superscript, subscript and circled digits that NFKC turns into one.
_EXTRA_DIGITS = _chars_where(
    lambda c: (
        not c.isdecimal()
        and len(unicodedata.normalize("NFKC", c)) == 1
        and unicodedata.normalize("NFKC", c).isdecimal()
    ),
    [(0x80, 0x3000)],
)
_DIGIT = rf"[\d{_EXTRA_DIGITS}]"
# What may stand between the digit groups of one number: whitespace, hyphens and
# dashes, and the invisible characters the normaliser drops (Cf, Cc).
_INVISIBLE = _chars_where(lambda c: unicodedata.category(c) in ("Cf", "Cc"), [(0, 0x10000), (0xE0000, 0xE0080)])
_SEPARATOR = rf"[\s\-\u2010-\u2015\u2212\ufe63\uff0d{_INVISIBLE}]"
_NUMBER = re.compile(
    rf"(?P<plus>[+＋]{_SEPARATOR}*)?(?P<body>{_DIGIT}+(?:{_SEPARATOR}+{_DIGIT}+)*)(?P<x>[xXｘＸ](?![A-Za-z]))?"
)
_GROUP = re.compile(rf"{_DIGIT}+")

_MOBILE = re.compile(r"1[3-9]\d{9}")
_COUNTRY_CODES = ("0086", "86")
_ORDER_LENGTHS = range(12, 21)
_LANDLINE = re.compile(r"0[1-9]\d{1,2}")  # area code: 010, 021, 0571...
# Words that name a code: 4 to 8 digits after one of them are masked.
_CODE_WORD = re.compile(r"(?:验证码|校验码|动态码|短信码|确认码|激活码|口令|密码|code|otp|pin)", re.IGNORECASE)
_CODE_WORD_REACH = 16
# A 6-digit number followed by one of these is an amount, not a code.
_UNIT_AFTER = re.compile(r"\s*(?:元|块|积分|件|个|次|人民币|rmb)", re.IGNORECASE)
_MONEY_BEFORE = re.compile(r"[¥￥$]\s*$")

# Province codes of the ID card (GB/T 2260, first two digits).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 91".split()
)

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+[@＠][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")

# Street-level part of a Chinese address. A street name ends in 路/街/道...; it is an
# address when a house number follows (建国路88号). A housing estate (小区, 花园...)
# counts when a building, unit or room follows. Characters that end a place name
# or introduce one (市, 区, 在, 到...) are not taken into the name, so province,
# city and district stay readable.
_CN_NUM = rf"(?:{_DIGIT}|[一二三四五六七八九十百零〇两])"
_NAME = r"(?:(?![省市区县镇乡在到至往寄送是为于的了我你他她址和与及])[\u4e00-\u9fff])"
_UNIT = rf"(?:[A-Za-z]|{_CN_NUM})+\s*(?:号楼|号院|栋|幢|座|塔|单元|层|楼|室|号|户|弄)"
_ROOM_TAIL = rf"(?:\s*[-－]?\s*{_DIGIT}+(?!{_DIGIT}))?"
_AFTER = r"[^\s，,。;；!！?？:：、]{0,20}?"
_STREET = rf"{_NAME}{{1,12}}?(?:大道|路|街|道|巷|胡同|里)\s*{_CN_NUM}+\s*(?:号|弄|巷)"
_ESTATE = rf"{_NAME}{{1,12}}?(?:小区|花园|家园|公寓|大厦|大楼|新村|村|苑|广场|中心|社区)"
_ADDRESS = re.compile(
    rf"(?:{_STREET}(?:{_AFTER}{_UNIT})*|{_ESTATE}(?:{_AFTER}{_UNIT})+){_ROOM_TAIL}",
)
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class Finding:
    """One piece of personal data in a text: where it is, what it is, its masked form."""

    start: int
    end: int
    kind: str  # phone | landline | id_card | code | email | address
    masked: str


def _digits(text: str) -> str:
    return "".join(str(unicodedata.digit(c, 0)) if not ("0" <= c <= "9") else c for c in text if _is_digit(c))


def _is_digit(c: str) -> bool:
    return c.isdecimal() or (
        len(unicodedata.normalize("NFKC", c)) == 1 and unicodedata.normalize("NFKC", c).isdecimal()
    )


def _mobile_of(digits: str) -> Optional[str]:
    """The mobile number of `digits` with or without a country code, if that is what it is."""
    for code in ("",) + _COUNTRY_CODES:
        if digits.startswith(code) and _MOBILE.fullmatch(digits[len(code) :]):
            return digits[len(code) :]
    return None


def _valid_birth(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def _is_id_card(digits: str, check: str) -> bool:
    """`digits` (+ `check`, the last character when it is X) is a plausible resident ID number."""
    number = digits + check
    if number[:2] not in _PROVINCES:
        return False
    if len(number) == 15 and number.isdigit():
        return _valid_birth(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    # A wrong check digit is still somebody's mistyped number: masked all the same.
    return (
        len(number) == 18
        and number[:17].isdigit()
        and _valid_birth(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    )


def _code_named_before(text: str, start: int) -> bool:
    return bool(_CODE_WORD.search(text[max(0, start - _CODE_WORD_REACH) : start]))


def _standalone(text: str, start: int, end: int) -> bool:
    """A number that is not glued to letters or a decimal point, and is no amount."""
    before, after = text[start - 1 : start], text[end : end + 1]
    if before.isascii() and before.isalpha() or after.isascii() and after.isalpha():
        return False
    if before == "." or (after == "." and text[end + 1 : end + 2].isdigit()):
        return False
    return not (_MONEY_BEFORE.search(text[max(0, start - 3) : start]) or _UNIT_AFTER.match(text, end))


def _number_findings(text: str) -> Iterator[Finding]:
    for match in _NUMBER.finditer(text):
        body_start = match.start("body")
        groups = [
            (g.start() + body_start, g.end() + body_start, _digits(g.group()))
            for g in _GROUP.finditer(match.group("body"))
        ]
        x = match.group("x") or ""
        yield from _classify_run(text, match, groups, x)


def _classify_run(text: str, match: re.Match, groups: List[Tuple[int, int, str]], x: str) -> Iterator[Finding]:
    """Splits one run of digit groups into numbers, the way a reader would, and masks the personal ones."""
    i = 0
    while i < len(groups):
        # No number of interest has more than 20 digits: look no further than that.
        n, length = i, 0
        while n < len(groups) and length + len(groups[n][2]) <= max(_ORDER_LENGTHS):
            length += len(groups[n][2])
            n += 1
        n = max(n, i + 1)
        first_start = match.start() if i == 0 and match.group("plus") else groups[i][0]
        taken = 0
        # A mobile number (with its country code) or an ID card number made of groups i..j-1.
        for j in range(n, i, -1):
            digits = "".join(g[2] for g in groups[i:j])
            mobile = _mobile_of(digits)
            if mobile:
                yield Finding(
                    first_start, groups[j - 1][1], "phone", PHONE_MASK.format(head=mobile[:3], tail=mobile[-4:])
                )
                taken = j
                break
            check = x if j == len(groups) else ""
            if len(digits + check) in (15, 18) and _is_id_card(digits, check):
                end = match.end() if check else groups[j - 1][1]
                number = digits + check
                yield Finding(groups[i][0], end, "id_card", number[0] + "*" * (len(number) - 2) + number[-1])
                taken = j
                break
        if not taken and i + 1 < n and _LANDLINE.fullmatch(groups[i][2]):
            for j in range(n, i + 1, -1):
                rest = "".join(g[2] for g in groups[i + 1 : j])
                if 7 <= len(rest) <= 8:
                    yield Finding(groups[i][0], groups[j - 1][1], "landline", f"{groups[i][2]}-****{rest[-4:]}")
                    taken = j
                    break
        if not taken and len(groups[i][2]) in (10, 11, 12) and groups[i][2].startswith("0") and groups[i][2][1] != "0":
            digits = groups[i][2]
            yield Finding(groups[i][0], groups[i][1], "landline", f"{digits[:3]}****{digits[-4:]}")
            taken = i + 1
        if not taken:
            # An order or tracking number: the longest join of 12-20 digits, none of its
            # groups a phone on its own; kept as written.
            for j in range(n, i, -1):
                parts = [g[2] for g in groups[i:j]]
                if len("".join(parts)) in _ORDER_LENGTHS and not any(_mobile_of(p) for p in parts):
                    taken = j
                    break
        if not taken:
            start, end, digits = groups[i]
            # (not the visible end of a number masked already: 138****8000)
            named = _code_named_before(text, start) and "*" not in (text[start - 1 : start] + text[end : end + 1])
            if named and 4 <= len(digits) <= 8 or len(digits) == 6 and _standalone(text, start, end):
                yield Finding(start, end, "code", CODE_MASK)
            elif named and n - i > 1:
                # A code typed in groups after the word naming it: 482 913.
                for j in range(n, i + 1, -1):
                    if 4 <= len("".join(g[2] for g in groups[i:j])) <= 8:
                        yield Finding(start, groups[j - 1][1], "code", CODE_MASK)
                        taken = j
                        break
            taken = max(taken, i + 1)
        i = taken


def _email_mask(address: str) -> str:
    name, _, host = re.split(r"([@＠])", address, maxsplit=1)
    return f"{name[:2] if len(name) > 2 else name[:1]}***@{host}"


def find_personal_data(text: str) -> List[Finding]:
    """Every piece of personal data in `text`, in order, without overlaps."""
    text = text or ""
    findings: List[Finding] = [
        Finding(m.start(), m.end(), "email", _email_mask(m.group())) for m in _EMAIL.finditer(text)
    ]
    findings += [Finding(m.start(), m.end(), "address", ADDRESS_MASK) for m in _ADDRESS.finditer(text)]
    findings += list(_number_findings(text))
    kept: List[Finding] = []
    end = 0
    for finding in sorted(findings, key=lambda f: (f.start, -(f.end - f.start))):
        if finding.start >= end:
            kept.append(finding)
            end = finding.end
    return kept


def mask_text(text: Optional[str], kinds: Collection[str] = KINDS) -> str:
    """The text with personal data masked; safe to show, store and log (always encodable).

    `kinds` narrows what is masked, for a reply that echoes what the customer has just
    typed (an address or e-mail to confirm); everything else masks every kind.
    """
    text = _LONE_SURROGATE.sub("\ufffd", text or "")
    parts: List[str] = []
    last = 0
    for finding in find_personal_data(text):
        if finding.kind not in kinds:
            continue
        parts.append(text[last : finding.start])
        parts.append(finding.masked)
        last = finding.end
    parts.append(text[last:])
    return "".join(parts)
