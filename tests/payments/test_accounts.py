"""Accounts read from text: IBAN (mod 97), Czech domestic (weighted mod 11), SPD strings."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gmail_assistant.payments.accounts import (
    czech_domestic_to_iban,
    czech_iban_to_domestic,
    find_accounts,
    iban_is_valid,
    mod11_ok,
    normalise_iban,
    parse_spd,
)
from payments.samples import (
    CZ_EXAMPLE,
    CZ_EXAMPLE_DOMESTIC,
    CZ_OTHER,
    CZ_OTHER_DOMESTIC,
    DE_EXAMPLE,
    GB_EXAMPLE,
    make_iban,
    spaced,
)


@pytest.mark.parametrize("iban", [DE_EXAMPLE, GB_EXAMPLE, CZ_EXAMPLE, CZ_OTHER])
def test_published_and_invented_ibans_are_valid_with_or_without_spaces(iban: str) -> None:
    assert iban_is_valid(iban)
    assert iban_is_valid(spaced(iban))
    assert iban_is_valid(spaced(iban).lower())
    assert normalise_iban(spaced(iban)) == iban


@pytest.mark.parametrize(
    "bad",
    [
        "DE89370400440532013001",  # last digit changed
        "DE98370400440532013000",  # check digits swapped
        "DE8937040044053201300",  # one digit short for Germany
        "CZ6508000000192000145398",
        "GB82WEST12345698765433",
        "XX",
    ],
)
def test_invalid_checksums_and_lengths_are_refused(bad: str) -> None:
    assert not iban_is_valid(bad)


def test_czech_domestic_form_is_the_same_account_as_its_iban() -> None:
    assert czech_domestic_to_iban("19", "2000145399", "0800") == CZ_EXAMPLE
    assert czech_iban_to_domestic(CZ_EXAMPLE) == CZ_EXAMPLE_DOMESTIC
    assert czech_domestic_to_iban("", "1000000005", "0100") == CZ_OTHER
    assert czech_iban_to_domestic(CZ_OTHER) == CZ_OTHER_DOMESTIC
    # a wrong check digit in the number or in the prefix
    assert czech_domestic_to_iban("19", "2000145398", "0800") is None
    assert czech_domestic_to_iban("18", "2000145399", "0800") is None


def test_text_with_one_account_written_three_ways_yields_one_account() -> None:
    text = (
        f"Číslo účtu: {CZ_EXAMPLE_DOMESTIC}\n"
        f"IBAN: {spaced(CZ_EXAMPLE)} BIC: GIBACZPX\n"
        f"SPD*1.0*ACC:{CZ_EXAMPLE}+GIBACZPX*AM:1250.50*CC:CZK*X-VS:2026114*DT:20261215\n"
    )
    found = find_accounts(text)
    assert [a.iban for a in found.accounts] == [CZ_EXAMPLE]
    assert found.primary is not None and found.primary.source == "spd"
    assert found.rejected == ()


def test_two_different_accounts_are_both_found_in_order() -> None:
    found = find_accounts(f"old: {CZ_EXAMPLE_DOMESTIC}, new: IBAN {spaced(CZ_OTHER)}.")
    assert [(a.iban, a.source) for a in found.accounts] == [
        (CZ_EXAMPLE, "domestic"),
        (CZ_OTHER, "iban"),
    ]


def test_invalid_candidates_are_rejected_not_read() -> None:
    found = find_accounts(
        "IBAN DE89 3704 0044 0532 0130 01, číslo účtu 19-2000145398/0800, "
        "order 2026001/2026, date 15/12/2026"
    )
    assert found.accounts == ()
    assert found.rejected == ("DE89 3704 0044 0532 0130 01", "19-2000145398/0800")


def test_iban_running_into_the_next_word_is_trimmed_by_its_country_length() -> None:
    found = find_accounts(f"IBAN: {spaced(DE_EXAMPLE)} BIC COBADEFFXXX")
    assert [a.iban for a in found.accounts] == [DE_EXAMPLE]
    assert found.accounts[0].display == spaced(DE_EXAMPLE)


def test_spd_string_fields() -> None:
    spd = parse_spd(
        "Pay by QR: SPD*1.0*ACC:CZ6508000000192000145399+GIBACZPX*AM:480.50*CC:CZK"
        "*X-VS:1234567890*DT:20261231*RN:VZOROVA FIRMA S.R.O.*MSG:FAKTURA 2026%2A7"
    )
    assert spd is not None and spd.account is not None
    assert spd.account.iban == CZ_EXAMPLE
    assert (spd.amount, spd.currency, spd.variable_symbol) == ("480.50", "CZK", "1234567890")
    assert spd.due_date == date(2026, 12, 31)
    assert spd.recipient == "VZOROVA FIRMA S.R.O."
    assert spd.message == "FAKTURA 2026*7"


def test_spd_with_a_bad_checksum_reads_no_account() -> None:
    found = find_accounts("SPD*1.0*ACC:CZ6508000000192000145398*AM:10.00*CC:CZK")
    assert found.accounts == ()
    assert found.spd is not None and found.spd.amount == "10.00"
    assert found.rejected == ("CZ6508000000192000145398",)


# --- properties -----------------------------------------------------------------------


def _with_check_digit(head: int) -> str | None:
    """`head` plus the last digit that makes the weighted sum divisible by 11 (None when
    that digit would have to be 10)."""
    digits = str(head).rjust(9, "0")
    total = sum(int(d) * w for d, w in zip(digits, (6, 3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    last = -total % 11
    return None if last == 10 else str(int(digits + str(last)))


def _checked(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(_with_check_digit).filter(lambda n: n is not None)  # type: ignore[return-value]


prefixes = _checked(0, 99_999).map(lambda n: n if len(n) <= 6 else "0")
numbers = _checked(1, 999_999_999).filter(lambda n: len(n.lstrip("0")) >= 2)
banks = st.integers(0, 9999).map(lambda b: f"{b:04d}")


@given(prefix=prefixes, number=numbers, bank=banks)
def test_domestic_to_iban_and_back_is_the_same_account(prefix: str, number: str, bank: str) -> None:
    iban = czech_domestic_to_iban(prefix, number, bank)
    assert iban is not None and iban_is_valid(iban)
    written = f"{prefix}-{number}/{bank}" if prefix != "0" else f"{number}/{bank}"
    domestic = czech_iban_to_domestic(iban)
    assert domestic is not None
    assert czech_domestic_to_iban(*_split(domestic)) == iban
    # Found in prose, any way it is written, it is the same single account.
    text = f"Platba na účet {written} (IBAN {spaced(iban)})."
    if len(number) >= 6 or prefix != "0":
        assert [a.iban for a in find_accounts(text).accounts] == [iban]


def _split(domestic: str) -> tuple[str, str, str]:
    account, bank = domestic.split("/")
    prefix, _, number = account.rpartition("-")
    return prefix, number, bank


@given(
    bban=st.text(alphabet="0123456789", min_size=18, max_size=18),
    position=st.integers(0, 21),
    delta=st.integers(1, 9),
)
def test_any_single_digit_change_breaks_the_iban_checksum(
    bban: str, position: int, delta: int
) -> None:
    iban = make_iban("DE", bban)
    assert iban_is_valid(iban)
    digits = list(iban)
    if not digits[position].isdigit():
        return
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not iban_is_valid("".join(digits))


@given(number=numbers, position=st.integers(0, 9), delta=st.integers(1, 9))
def test_any_single_digit_change_breaks_the_czech_check(
    number: str, position: int, delta: int
) -> None:
    padded = list(number.rjust(10, "0"))
    padded[position] = str((int(padded[position]) + delta) % 10)
    assert not mod11_ok("".join(padded))
