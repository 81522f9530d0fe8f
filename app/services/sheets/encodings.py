"""The code page a text file was saved in, when it is not UTF-8, weighed by where it is from.

charset-normalizer guesses from the bytes alone, and a short file fools it: one Arabic name
saved by Excel in Windows-1256 reads as Japanese (cp932). Where the list comes from says
which scripts to expect: the event's country, and the countries of the phone numbers in the
file (their `+` or `00` and calling code are ASCII in every code page, so they are found
before anything is decoded). The guess, in order:

1. the Windows code page of each expected country (the numbers' first, then the event's;
   every list may be Latin), when the file reads plausibly in it (`plausible`);
2. charset-normalizer's guesses, best first, but never a CJK code page no country expects;
   a text whose letters are all Latin is read as cp1252, the code page Windows uses in
   Western Europe and the Americas (short Spanish or Portuguese lists read equally well in
   several Latin code pages, and cp1250 would turn "João" into "Joăo");
3. else the first Windows code page in which the file reads plausibly.

Nothing here imports the app: it runs in the guest file reader's child process.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from types import MappingProxyType

# The Windows code page of each script's countries (ISO 3166 alpha-2); Latin is cp1252.
CODE_PAGES = MappingProxyType({
    **dict.fromkeys(("AE", "BH", "DZ", "EG", "IQ", "JO", "KW", "LB", "LY", "MA", "MR", "OM",
                     "PS", "QA", "SA", "SD", "SO", "SY", "TN", "YE", "DJ", "KM", "EH", "IR",
                     "AF", "PK"), "cp1256"),
    **dict.fromkeys(("RU", "UA", "BY", "BG", "RS", "MK", "KZ", "KG", "TJ", "MN"), "cp1251"),
    **dict.fromkeys(("GR", "CY"), "cp1253"),
    **dict.fromkeys(("IL",), "cp1255"),
    **dict.fromkeys(("TR", "AZ"), "cp1254"),
    **dict.fromkeys(("PL", "CZ", "SK", "HU", "SI", "HR", "RO", "AL", "BA", "ME"), "cp1250"),
    **dict.fromkeys(("LT", "LV", "EE"), "cp1257"),
    **dict.fromkeys(("VN",), "cp1258"),
    **dict.fromkeys(("TH",), "cp874"),
    **dict.fromkeys(("JP",), "cp932"),
    **dict.fromkeys(("CN", "SG"), "gb18030"),
    **dict.fromkeys(("TW", "HK", "MO"), "big5"),
    **dict.fromkeys(("KR",), "cp949"),
})  # fmt: skip
LATIN = "cp1252"
# The scripts whose letters each single-byte code page writes (cp1256 has French letters).
SCRIPTS = MappingProxyType({
    "cp1252": frozenset({"LATIN"}),
    "cp1250": frozenset({"LATIN"}),
    "cp1254": frozenset({"LATIN"}),
    "cp1257": frozenset({"LATIN"}),
    "cp1258": frozenset({"LATIN"}),
    "cp1256": frozenset({"ARABIC", "LATIN"}),
    "cp1251": frozenset({"CYRILLIC"}),
    "cp1253": frozenset({"GREEK"}),
    "cp1255": frozenset({"HEBREW"}),
    "cp874": frozenset({"THAI"}),
})  # fmt: skip
# Tried last: the script of the service's languages beyond Latin (Arabic). Others are left
# to charset-normalizer, since a short CJK file reads plausibly in some of their code pages.
FALLBACK = ("cp1256",)
# The encodings an organiser may choose for a text file (the guess can be switched).
ENCODING_CHOICES = MappingProxyType({
    "utf-8": "UTF-8",
    "utf-16": "UTF-16 (Excel's “Unicode Text”)",
    "cp1252": "Windows-1252 (Western Europe, the Americas)",
    "cp1256": "Windows-1256 (Arabic)",
    "cp1250": "Windows-1250 (Central Europe)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "cp1253": "Windows-1253 (Greek)",
    "cp1254": "Windows-1254 (Turkish)",
    "cp1255": "Windows-1255 (Hebrew)",
    "iso-8859-6": "ISO-8859-6 (Arabic)",
    "mac_roman": "Mac OS Roman",
    "cp932": "Shift JIS (Japanese)",
    "gb18030": "GB18030 (Chinese)",
    "big5": "Big5 (Traditional Chinese)",
    "cp949": "Windows-949 (Korean)",
})  # fmt: skip
# charset-normalizer's names of the CJK code pages (and their aliases).
CJK = frozenset(
    {"cp932", "shift_jis", "shift_jis_2004", "shift_jisx0213", "euc_jp", "euc_jis_2004",
     "euc_jisx0213", "iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_2004",
     "iso2022_jp_3", "iso2022_jp_ext", "gb2312", "gbk", "gb18030", "hz", "big5", "big5hkscs",
     "cp950", "cp949", "euc_kr", "johab", "iso2022_kr"}
)  # fmt: skip
# An international number: `+` or `00`, then its calling code (1 to 3 digits).
INTERNATIONAL = re.compile(rb"(?<![0-9])(?:\+|00) ?([1-9][0-9]{0,2})")
# Numbers read for their countries: enough to see what a list is made of.
MAX_NUMBERS = 10_000
KNOWN_SCRIPTS = frozenset({"LATIN", "ARABIC", "CYRILLIC", "GREEK", "HEBREW", "THAI"})
# The bytes a code page's reading is judged on (single-byte code pages: cut anywhere).
SAMPLE_BYTES = 64 * 1024
# A Latin word with accents on most of its letters ("ãÍãÏ") is another script misread.
MAX_ACCENTED_SHARE = 0.6


def guess_encoding(data: bytes, countries: Sequence[str] = ()) -> str | None:
    """The code page `data` was most likely saved in, given the event's `countries`; None
    when nothing reads it."""
    expected = expected_code_pages([*phone_countries(data), *countries])
    for encoding in expected:
        if encoding in SCRIPTS and plausible(data, encoding):
            return encoding
    import charset_normalizer  # only files that are not UTF-8 pay for it

    matches = list(charset_normalizer.from_bytes(data))
    for match in matches:
        if match.encoding in CJK and match.encoding not in expected:
            continue
        return LATIN if is_latin(str(match)) and decodes(data, LATIN) else match.encoding
    found = next((encoding for encoding in FALLBACK if plausible(data, encoding)), None)
    return found or (matches[0].encoding if matches else None)


def expected_code_pages(countries: Iterable[str]) -> list[str]:
    """The code pages of the countries, in order, then Latin's."""
    pages = [CODE_PAGES.get(country, LATIN) for country in countries]
    return list(dict.fromkeys([*pages, LATIN]))


def phone_countries(data: bytes) -> list[str]:
    """The countries of the international numbers in the file, most frequent first."""
    import phonenumbers  # only for files that are not UTF-8

    counts: Counter[str] = Counter()
    for number, found in enumerate(INTERNATIONAL.finditer(data)):
        if number >= MAX_NUMBERS:
            break
        digits = found[1].decode()
        for length in (1, 2, 3):
            regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:length]))
            if regions:
                counts[regions[0]] += 1
                break
    return [country for country, _ in counts.most_common(3)]


def decodes(data: bytes, encoding: str) -> bool:
    """Whether every byte of `data` means something in `encoding`."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def is_latin(text: str) -> bool:
    """Whether every letter of `text` beyond ASCII is a Latin one."""
    letters = (c for c in text if not c.isascii() and c.isalpha())
    return all(unicodedata.name(c, "").startswith("LATIN") for c in letters)


def plausible(data: bytes, encoding: str) -> bool:
    """Whether `data` reads as text in `encoding`: every byte a character, no control
    characters, each word's letters and accents in one of the code page's scripts, and Latin
    words not mostly accented."""
    try:
        text = data[:SAMPLE_BYTES].decode(encoding)
    except UnicodeDecodeError:
        return False
    scripts = SCRIPTS[encoding]
    words = [word for word in re.split(r"[\s\d,;.:!?'\"()\[\]/\\_+=*&|<>-]+", text) if word]
    odd = seen = 0
    for word in words:
        if word.isascii():
            continue
        verdict = _word_verdict(word, scripts)
        if verdict is None:
            return False
        seen += 1
        odd += verdict
    return odd * 2 < seen or seen == 0


def _word_verdict(word: str, scripts: frozenset[str]) -> bool | None:
    """None for a word no text holds (control characters, a foreign script, mixed scripts,
    an accent on nothing); else whether it is odd (a Latin word mostly accented)."""
    found: set[str] = set()
    accented = letters = 0
    for index, char in enumerate(word):
        category = unicodedata.category(char)
        if category in ("Cc", "Co", "Cn") or char == "\ufffd":
            return None
        script = unicodedata.name(char, "").split(" ")[0]
        if category[0] == "L":
            letters += 1
            accented += not char.isascii()
            found.update({script} & KNOWN_SCRIPTS)
        elif category[0] == "M" and (not found or script in KNOWN_SCRIPTS - found):
            return None  # an accent on nothing, or on another script's letter
        elif category[0] not in "LMP" and not char.isascii() and 0 < index < len(word) - 1:
            return None  # a symbol inside a word ("£ukasz", "Wa³êsa")
    if len(found) > 1 or not found <= scripts:
        return None
    return found == {"LATIN"} and accented >= 2 and accented > letters * MAX_ACCENTED_SHARE
