"""`app.services.sheets.encodings`: a text file's code page, weighed by where it comes from."""

from __future__ import annotations

import pytest

from app.services.sheets.encodings import guess_encoding, phone_countries, plausible
from app.services.sheets.limits import Budget
from app.services.sheets.reader import read_table

ONE_ARABIC_ROW = "name,phone\r\nأحمد علي,{phone}\r\n"


@pytest.mark.parametrize(
    ("text", "encoding", "countries"),
    [
        # The file: one Arabic guest, which charset-normalizer alone reads as cp932.
        (ONE_ARABIC_ROW.format(phone="+212612345678"), "cp1256", ()),
        (ONE_ARABIC_ROW.format(phone="+966501234567"), "cp1256", ("US",)),
        (ONE_ARABIC_ROW.format(phone="0612345678"), "cp1256", ("ES",)),  # nothing says Arabic
        (ONE_ARABIC_ROW.format(phone="0612345678"), "cp1256", ("MA",)),
        ("الاسم,الهاتف\r\nليلى,0501234567\r\n", "cp1256", ("SA",)),
        ("name,phone\r\nÉlodie Hélène François,0612345678\r\n", "cp1252", ("MA",)),
        ("name,phone\r\nJosé Núñez,612345678\r\n", "cp1252", ("SA",)),
        ("name,phone\r\nJoão Conceição,912345678\r\n", "cp1252", ()),
        ("name,phone\r\nДмитрий Иванов,+79161234567\r\n", "cp1251", ("ES",)),  # noqa: RUF001
        ("name,phone\r\nΓιώργος Παπαδόπουλος,+306912345678\r\n", "cp1253", ()),  # noqa: RUF001
        ("name,phone\r\nŁukasz Wałęsa,+48601234567\r\n", "cp1250", ()),
        ("name,phone\r\nשרה כהן,+972501234567\r\n", "cp1255", ()),
        ("name,phone\r\n田中太郎,09012345678\r\n", "cp932", ("JP",)),  # a country that expects it
        ("name,phone\r\n王小明,+8613812345678\r\n", "gb18030", ()),
        ("name,phone,price\r\nJosé,612345678,10€ £5\r\n", "cp1252", ("ES",)),
    ],
)
def test_the_code_page_is_the_one_the_list_was_saved_in(
    text: str, encoding: str, countries: tuple[str, ...]
) -> None:
    data = text.encode(encoding)
    guessed = guess_encoding(data, countries)
    assert guessed is not None
    assert data.decode(guessed) == text


@pytest.mark.parametrize("rows", [1, 2, 5])
def test_a_short_arabic_file_is_never_read_as_a_cjk_code_page(rows: int) -> None:
    names = ["أحمد", "محمد", "فاطمة الزهراء", "ليلى حسن", "عمر"][:rows]
    text = "name,phone\r\n" + "".join(f"{name},06123456{i:02d}\r\n" for i, name in enumerate(names))
    assert guess_encoding(text.encode("cp1256"), ("ES",)) == "cp1256"


def test_the_countries_of_the_numbers_in_the_file() -> None:
    data = b"a,+212 612\nb,00212612\nc,+34 612\nd,1000212\ne,+1 415"
    assert phone_countries(data) == ["MA", "ES", "US"]


@pytest.mark.parametrize(
    ("text", "saved_in", "read_as", "reads"),
    [
        ("أحمد علي", "cp1256", "cp1256", True),
        ("أحمد علي", "cp1256", "cp1252", False),  # ÃÍãÏ: accents on every letter
        ("Дмитрий", "cp1251", "cp1252", False),
        ("José Núñez", "cp1252", "cp1256", False),  # Arabic marks on Latin letters
        ("Wałęsa", "cp1250", "cp1252", False),  # Wa³êsa: a symbol inside a word
        ("Hélène, Zoé, Noël", "cp1252", "cp1252", True),
        ("Hélène", "cp1252", "cp1256", True),  # cp1256 writes French letters too
    ],
)
def test_plausible_readings(text: str, saved_in: str, read_as: str, reads: bool) -> None:
    assert plausible(text.encode(saved_in), read_as) is reads


def test_the_reader_says_which_encoding_it_read() -> None:
    data = ONE_ARABIC_ROW.format(phone="+212612345678").encode("cp1256")
    table = read_table(data, Budget(max_rows=10), filename="guests.csv", countries=("ES",))
    assert (table.encoding, table.source) == ("cp1256", "CP1256 text, comma separated")
    assert list(table.records) == [(2, ["أحمد علي", "+212612345678"])]
    chosen = read_table(data, Budget(max_rows=10), filename="guests.csv", encoding="cp1252")
    assert chosen.encoding == "cp1252"
    assert next(chosen.records)[1][0] == "أحمد علي".encode("cp1256").decode("cp1252")
    workbook = read_table(b"name,phone\nA,1\n", Budget(max_rows=10), pasted=True)
    assert workbook.encoding is None  # pasted text (and a workbook) has no encoding
