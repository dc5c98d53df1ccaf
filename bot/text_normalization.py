"""Chinese text normalisation with an offset map.

Customers type Traditional characters, full-width digits and letters, phone and
order numbers broken into groups ("138 0013 8000"), zero-width characters pasted
from other apps, and sometimes whole essays. Everything downstream (jieba, the
char n-gram featurizers, the entity regexes) sees one canonical form instead.

Every step keeps, for each output character, the index of the input character
it came from, so that entity annotations in the training data can be moved onto
the normalised text (see ``NormalizedText.span``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional, Tuple

import opencc

# Input limit: `normalize` reads at most this many characters of a message and cuts
# the rest BEFORE any work, so that a huge message costs no more than this one
# (120,000 characters took 1.45 s and 26 MB when the whole text was normalised).
# Four times the NLU cut of config.yml (max_chars: 500), enough for what
# normalisation removes (invisible characters, runs of whitespace).
MAX_INPUT_CHARS = 2_000

# Characters of these Unicode categories carry no meaning for the assistant:
# control (Cc), format (Cf: zero-width space/joiner, BOM, direction marks) and
# lone surrogates (Cs: "\ud800" from a broken JSON escape, which no encoder and
# not OpenCC accepts).
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs"}
_KEPT_CONTROLS = {"\n", "\t"}

# A phone or order number written in groups: at least two runs of digits joined
# by single spaces or hyphens. Joined only when the result has the length of a
# phone (11) or order number (12-20), so that "2 3 件" and two complete numbers
# side by side ("13800138000 13912345678") stay as they are.
_DIGIT_GROUPS = re.compile(r"(?<![0-9A-Za-z])\d{1,8}(?:[ \-]\d{1,8})+(?![0-9A-Za-z])")
_JOINED_DIGITS_MIN, _JOINED_DIGITS_MAX = 11, 20

# Country code before a mainland mobile number: "+86 138...", "0086-138...".
_COUNTRY_CODE = re.compile(r"(?:\+|00)86[ \-]?(?=1[3-9]\d)")

# Courier tracking numbers are written with upper-case prefixes (SF, JD, YT...).
_TRACKING_PREFIX = re.compile(r"(?<![A-Za-z])[a-z]{2,4}(?=\d{9,})")

_WHITESPACE_RUN = re.compile(r"\s+")


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text plus, per output character, its index in the input."""

    text: str
    source_index: Tuple[int, ...]

    def span(self, start: int, end: int) -> Optional[Tuple[int, int]]:
        """Moves an input span [start, end) onto the normalised text.

        Returns None when nothing of the span survived normalisation.
        """
        kept = [i for i, src in enumerate(self.source_index) if start <= src < end]
        if not kept:
            return None
        return kept[0], kept[-1] + 1


Chars = List[Tuple[str, int]]


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def _width_and_controls(chars: Chars) -> Chars:
    """NFKC per character (full-width → half-width) and drops invisible characters."""
    out: Chars = []
    for ch, src in chars:
        if ch not in _KEPT_CONTROLS and unicodedata.category(ch) in _DROPPED_CATEGORIES:
            continue
        out.extend((c, src) for c in unicodedata.normalize("NFKC", ch))
    return out


def _to_simplified(chars: Chars, config: str) -> Chars:
    """Traditional → Simplified with OpenCC's phrase-aware conversion.

    OpenCC's t2s conversion keeps the length for practically all input; when it
    does not, fall back to converting character by character so that the
    offset map stays exact.
    """
    converter = _converter(config)
    text = "".join(c for c, _ in chars)
    converted = _convert(converter, text)
    if converted is not None and len(converted) == len(text):
        return [(c, src) for c, (_, src) in zip(converted, chars)]
    out: Chars = []
    for ch, src in chars:
        out.extend((c, src) for c in (_convert(converter, ch) or ch))
    return out


def _convert(converter: opencc.OpenCC, text: str) -> Optional[str]:
    """OpenCC's conversion, or None for text it cannot take (the text then stays as it is)."""
    try:
        return converter.convert(text)
    except (UnicodeError, RuntimeError, ValueError):
        return None


def _sub(chars: Chars, pattern: re.Pattern, replace) -> Chars:
    """Applies ``replace(match) -> str`` to every match, keeping the offset map.

    Replacement characters inherit the source index of the match's characters
    in order (and of its last character once the match is exhausted).
    """
    text = "".join(c for c, _ in chars)
    out: Chars = []
    last = 0
    for match in pattern.finditer(text):
        out.extend(chars[last : match.start()])
        replacement = replace(match)
        sources = [src for _, src in chars[match.start() : match.end()]]
        if replacement == match.group(0):
            out.extend(chars[match.start() : match.end()])
        else:
            kept = [src for (c, src) in chars[match.start() : match.end()] if c.isdigit()]
            pool = kept if len(kept) == len(replacement) else sources
            for i, c in enumerate(replacement):
                out.append((c, pool[min(i, len(pool) - 1)]))
        last = match.end()
    out.extend(chars[last:])
    return out


def _join_digit_groups(match: re.Match) -> str:
    digits = re.sub(r"[ \-]", "", match.group(0))
    if _JOINED_DIGITS_MIN <= len(digits) <= _JOINED_DIGITS_MAX:
        return digits
    return match.group(0)


def normalize(
    text: str,
    traditional_to_simplified: bool = True,
    opencc_config: str = "t2s",
    max_chars: int = 0,
    max_input_chars: int = MAX_INPUT_CHARS,
) -> NormalizedText:
    """Returns the canonical form of a customer message.

    Only the first ``max_input_chars`` characters of the input are read (0: all);
    ``max_chars`` > 0 cuts the normalised text to that many characters (the
    tracker still keeps the whole message; only NLU reads the cut form).
    """
    text = text or ""
    if max_input_chars > 0:
        text = text[:max_input_chars]
    chars: Chars = [(c, i) for i, c in enumerate(text)]
    chars = _width_and_controls(chars)
    if traditional_to_simplified and chars:
        chars = _to_simplified(chars, opencc_config)
    chars = _sub(chars, _WHITESPACE_RUN, lambda m: " ")
    chars = _sub(chars, _COUNTRY_CODE, lambda m: "")
    chars = _sub(chars, _DIGIT_GROUPS, _join_digit_groups)
    chars = _sub(chars, _TRACKING_PREFIX, lambda m: m.group(0).upper())
    # Strip, then cut.
    while chars and chars[0][0] == " ":
        chars.pop(0)
    while chars and chars[-1][0] == " ":
        chars.pop()
    if max_chars > 0:
        chars = chars[:max_chars]
    return NormalizedText("".join(c for c, _ in chars), tuple(src for _, src in chars))
