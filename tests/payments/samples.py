"""Accounts and invoices for the payment tests.

Published example IBANs (ISO 13616, bank documentation) and invented ones whose check digits
are computed here, independently of the code under test. No real person's account.
"""

from __future__ import annotations

DE_EXAMPLE = "DE89370400440532013000"  # the standard published German example
GB_EXAMPLE = "GB82WEST12345698765432"  # the standard published UK example
CZ_EXAMPLE = "CZ6508000000192000145399"  # = 19-2000145399/0800, the Czech banks' example
CZ_EXAMPLE_DOMESTIC = "19-2000145399/0800"


def check_digits(country: str, bban: str) -> str:
    """ISO 7064 mod 97-10 check digits, computed the textbook way."""
    rearranged = bban + country + "00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


def make_iban(country: str, bban: str) -> str:
    return country + check_digits(country, bban) + bban


def spaced(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


# Invented accounts: Czech number 1000000005 (weighted mod 11 = 0) at bank 0100, and a
# German one at an invented bank code.
CZ_OTHER_DOMESTIC = "1000000005/0100"
CZ_OTHER = make_iban("CZ", "0100" + "000000" + "1000000005")
DE_OTHER = make_iban("DE", "50010517" + "0648489890")


CZECH_INVOICE = (
    "Dobrý den,\n\nv příloze zasíláme fakturu č. 2026-114 za služby v listopadu.\n"
    "Částka k úhradě: 12 345,50 Kč\nDatum splatnosti: 15. 12. 2026\n"
    f"Číslo účtu: {CZ_EXAMPLE_DOMESTIC}\nVariabilní symbol: 2026114\n\n"
    f"QR platba: SPD*1.0*ACC:{CZ_EXAMPLE}+GIBACZPX*AM:12345.50*CC:CZK*X-VS:2026114"
    "*DT:20261215*RN:VZOROVA FIRMA S.R.O.*MSG:FAKTURA 2026-114\n\n"
    "S pozdravem\nVzorová firma s.r.o."
)
GERMAN_INVOICE = (
    "Sehr geehrte Damen und Herren,\n\nanbei unsere Rechnung Nr. 4711.\n"
    "Rechnungsbetrag: 1.234,56 €\nZahlbar bis 20.12.2026 auf folgendes Konto:\n"
    f"IBAN: {spaced(DE_EXAMPLE)}\nBIC: COBADEFFXXX\nVerwendungszweck: Rechnung 4711\n\n"
    "Mit freundlichen Grüßen\nMuster GmbH"
)
ENGLISH_INVOICE = (
    "Hello,\n\nplease find attached invoice INV-0042.\nAmount due: £480.00\n"
    "Due date: 2026-12-31\nPlease pay by bank transfer to IBAN "
    f"{spaced(GB_EXAMPLE)} (sort code 12-34-56, account 98765432).\n\nKind regards,\nAcme Ltd"
)
