"""Pass codes: random, of the unambiguous alphabet, shown in two groups, read back leniently."""

from __future__ import annotations

import pytest

from app.services.pass_codes import ALPHABET, LENGTH, new_code, normalize, shown


def test_codes_are_random_and_of_the_alphabet() -> None:
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(len(code) == LENGTH and set(code) <= set(ALPHABET) for code in codes)
    assert not set("01ILO") & set(ALPHABET)


@pytest.mark.parametrize("typed", ["K7QM-2XDP", "k7qm 2xdp", " K7QM2XDP ", "k7qm_2xdp"])
def test_a_code_is_read_back_whatever_its_case_or_separators(typed: str) -> None:
    assert normalize(typed) == "K7QM2XDP"
    assert shown("K7QM2XDP") == "K7QM-2XDP"


@pytest.mark.parametrize("typed", ["", "K7QM-2XD", "K7QM-2XDPP", "K7QM-2XD0", "OOOO-OOOO", "é" * 8])
def test_what_cannot_be_a_code_is_refused(typed: str) -> None:
    assert normalize(typed) is None
