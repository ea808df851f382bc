"""Bank accounts read from invoice text, deterministically: IBAN, Czech domestic, SPD QR.

Everything here is a pure function of text. Each account found is normalised to its IBAN
(upper case, no spaces), so one account written two ways — `CZ65 0800 0000 1920 0014 5399`
and `19-2000145399/0800` — compares equal. A candidate whose checksum fails is reported
as rejected, never as an account: a typo must not pass for a payee's account, and an
invalid number in an invoice is worth showing to the owner.

- IBAN: ISO 13616 mod-97 over the rearranged number; the length must match the country's
  where the registry is known here (15–34 characters otherwise).
- Czech domestic `prefix-number/bank`: the prefix (≤ 6 digits) and the number (≤ 10 digits)
  each pass the weighted mod-11 check (weights 6 3 7 9 10 5 8 4 2 1 from the right-aligned
  tenth digit); the IBAN is `CZ kk bank(4) prefix(6) number(10)`. Numbers shorter than six
  digits are not read from prose: too many dates and references look like `12/2026`.
- SPD (Czech "QR Platba", `SPD*1.0*ACC:…*AM:…`): ACC is an IBAN, optionally `+BIC`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

__all__ = [
    "Account",
    "FoundAccounts",
    "SpdPayment",
    "czech_domestic_to_iban",
    "czech_iban_to_domestic",
    "find_accounts",
    "format_iban",
    "iban_is_valid",
    "mod11_ok",
    "normalise_iban",
    "parse_spd",
]

# ISO 13616 lengths of the countries invoices here come from most (and their neighbours).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "KW": 30, "KZ": 20, "LB": 28,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MT": 31,
    "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "TR": 26, "UA": 29, "VA": 22,
}  # fmt: skip
_WEIGHTS = (6, 3, 7, 9, 10, 5, 8, 4, 2, 1)
# An IBAN as printed: country, check digits, then groups (spaces optional). The match may run
# into the next word ("… 3000 BIC"); the country length or the checksum trims it back.
_IBAN_RE = re.compile(r"\b([A-Z]{2}\d{2}(?:[ \u00a0]?[A-Z0-9]{1,4}){2,8})")
_DOMESTIC_RE = re.compile(r"(?<![\w/-])(?:(\d{1,6})-)?(\d{2,10})/(\d{4})(?![\w/])")
_SPD_RE = re.compile(r"SPD\*1\.0\*[^\r\n<>\"]*")
# Plenty of invoice and order numbers look like `2026001/2026`, and one in eleven passes the
# check by chance. In prose the domestic form counts at a bank code of the ČNB register, or
# at any code right after a word that names an account ("číslo účtu: …"); only there is a
# failed candidate reported.
_ACCOUNT_WORDS_RE = re.compile(
    r"(účet|účtu|č\. ?ú\.|bankovní spojení|account|konto|bankverbindung)\W{0,3}"
    r"(?:č(?:íslo|\.)?|no\.?|nr\.?|number|:)?\W{0,3}$",
    re.IGNORECASE,
)
CZ_BANK_CODES = frozenset(
    re.findall(
        r"\d{4}",
        "0100 0300 0600 0710 0800 2010 2060 2070 2100 2200 2220 2250 2260 2275 2600 2700 3030"
        " 3050 3060 3500 4000 4300 5500 5800 6000 6100 6200 6210 6300 6363 6700 6800 7910 7950"
        " 7960 7970 7990 8030 8040 8060 8090 8150 8190 8198 8199 8200 8220 8230 8240 8250 8255"
        " 8265 8270 8280 8293 8299 8500",
    )
)


@dataclass(frozen=True)
class Account:
    iban: str  # normalised: upper case, no spaces
    display: str  # as the mail wrote it
    source: str  # iban | domestic | spd


@dataclass(frozen=True)
class SpdPayment:
    account: Account | None
    amount: str | None = None  # decimal text, e.g. "1250.00"
    currency: str | None = None
    variable_symbol: str | None = None
    due_date: date | None = None
    recipient: str | None = None
    message: str | None = None
    rejected: tuple[str, ...] = ()


@dataclass(frozen=True)
class FoundAccounts:
    accounts: tuple[Account, ...] = ()  # distinct by IBAN, SPD first, then in text order
    rejected: tuple[str, ...] = ()  # candidates whose checksum failed, as written
    spd: SpdPayment | None = None
    ibans: tuple[str, ...] = field(default=())

    @property
    def primary(self) -> Account | None:
        return self.accounts[0] if self.accounts else None


def normalise_iban(text: str) -> str:
    return re.sub(r"[\s\u00a0-]", "", text).upper()


def format_iban(iban: str) -> str:
    """Groups of four, as printed on invoices."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def iban_is_valid(text: str) -> bool:
    iban = normalise_iban(text)
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    if len(iban) != IBAN_LENGTHS.get(iban[:2], len(iban)):
        return False
    return _mod97(iban[4:] + iban[:4]) == 1


def _mod97(text: str) -> int:
    digits = "".join(str(int(ch, 36)) for ch in text)
    return int(digits) % 97


def mod11_ok(digits: str) -> bool:
    """The Czech weighted check of a prefix or a number (right-aligned on the ten weights)."""
    if not digits.isdigit() or len(digits) > 10:
        return False
    padded = digits.rjust(10, "0")
    return sum(int(d) * w for d, w in zip(padded, _WEIGHTS, strict=True)) % 11 == 0


def czech_domestic_to_iban(prefix: str, number: str, bank: str) -> str | None:
    """The IBAN of `prefix-number/bank`, or None when the form or a check digit is wrong."""
    prefix = prefix or "0"
    if not (prefix.isdigit() and len(prefix) <= 6 and number.isdigit() and len(number) <= 10):
        return None
    if not (bank.isdigit() and len(bank) == 4):
        return None
    if len(number.lstrip("0")) < 2 or not (mod11_ok(prefix) and mod11_ok(number)):
        return None
    bban = bank + prefix.rjust(6, "0") + number.rjust(10, "0")
    check = 98 - _mod97(bban + "CZ00")
    return f"CZ{check:02d}{bban}"


def czech_iban_to_domestic(iban: str) -> str | None:
    """`prefix-number/bank` for a Czech IBAN (the way Czech invoices print it)."""
    if not (iban.startswith("CZ") and len(iban) == 24 and iban[4:].isdigit()):
        return None
    bank, prefix, number = iban[4:8], iban[8:14].lstrip("0"), iban[14:].lstrip("0")
    return f"{prefix}-{number}/{bank}" if prefix else f"{number}/{bank}"


def _ibans_in(text: str) -> tuple[list[tuple[int, Account]], list[str]]:
    found: list[tuple[int, Account]] = []
    rejected: list[str] = []
    for match in _IBAN_RE.finditer(text):
        written = match.group(1)
        compact = normalise_iban(written)
        length = IBAN_LENGTHS.get(compact[:2])
        lengths = [length] if length else list(range(min(len(compact), 34), 14, -1))
        iban = next(
            (compact[:n] for n in lengths if len(compact) >= n and iban_is_valid(compact[:n])),
            None,
        )
        if iban is None:
            if len(compact) >= (length or 15):
                rejected.append(written.strip())
            continue
        found.append((match.start(), Account(iban, _written(written, len(iban)), "iban")))
    return found, rejected


def _written(text: str, significant: int) -> str:
    """The printed form of the first `significant` IBAN characters of `text`."""
    count = 0
    for index, ch in enumerate(text):
        if ch.isalnum():
            count += 1
            if count == significant:
                return text[: index + 1]
    return text


def _domestic_in(text: str, *, min_digits: int = 6) -> tuple[list[tuple[int, Account]], list[str]]:
    found: list[tuple[int, Account]] = []
    rejected: list[str] = []
    for match in _DOMESTIC_RE.finditer(text):
        prefix, number, bank = match.group(1) or "", match.group(2), match.group(3)
        if len(number) < min_digits and not prefix:
            continue
        named = bool(_ACCOUNT_WORDS_RE.search(text[max(0, match.start() - 40) : match.start()]))
        if not named and bank not in CZ_BANK_CODES:
            continue
        iban = czech_domestic_to_iban(prefix, number, bank)
        if iban is None:
            if named:
                rejected.append(match.group(0))
        else:
            found.append((match.start(), Account(iban, match.group(0), "domestic")))
    return found, rejected


def parse_spd(text: str) -> SpdPayment | None:
    """The first `SPD*1.0*…` string in `text`, or None. Unknown keys are ignored."""
    match = _SPD_RE.search(text)
    if match is None:
        return None
    fields: dict[str, str] = {}
    for part in match.group(0).split("*")[2:]:
        key, sep, value = part.partition(":")
        if sep and key.upper() not in fields:
            fields[key.upper()] = value.replace("%2A", "*").strip()
    account: Account | None = None
    rejected: tuple[str, ...] = ()
    acc = fields.get("ACC", "")
    if acc:
        iban = normalise_iban(acc.split("+", 1)[0])
        if iban_is_valid(iban):
            account = Account(iban, acc, "spd")
        else:
            rejected = (acc,)
    return SpdPayment(
        account=account,
        amount=_spd_amount(fields.get("AM")),
        currency=(fields.get("CC") or "").upper()[:3] or None,
        variable_symbol=fields.get("X-VS") if (fields.get("X-VS") or "").isdigit() else None,
        due_date=_spd_date(fields.get("DT")),
        recipient=fields.get("RN") or None,
        message=fields.get("MSG") or None,
        rejected=rejected,
    )


def _spd_amount(value: str | None) -> str | None:
    return value if value and re.fullmatch(r"\d{1,10}(\.\d{1,2})?", value) else None


def _spd_date(value: str | None) -> date | None:
    if not value or not re.fullmatch(r"\d{8}", value):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def find_accounts(text: str) -> FoundAccounts:
    """Every valid account in `text` (SPD first, then in order of appearance) and the
    candidates rejected by their checksum."""
    spd = parse_spd(text)
    ibans, bad_ibans = _ibans_in(text)
    domestic, bad_domestic = _domestic_in(text)
    ordered = [a for _, a in sorted(ibans + domestic, key=lambda pair: pair[0])]
    if spd is not None and spd.account is not None:
        ordered.insert(0, spd.account)
    distinct: dict[str, Account] = {}
    for account in ordered:
        distinct.setdefault(account.iban, account)
    # An SPD string's ACC is also matched as a plain IBAN: count its rejection once.
    rejected = [*(spd.rejected if spd else ()), *bad_ibans, *bad_domestic]
    rejected = [r for r in dict.fromkeys(rejected) if not any(r in s for s in rejected if s != r)]
    return FoundAccounts(
        accounts=tuple(distinct.values()),
        rejected=tuple(rejected),
        spd=spd,
        ibans=tuple(distinct),
    )
