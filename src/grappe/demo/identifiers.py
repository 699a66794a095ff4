"""Synthetic SIREN and SIRET numbers that pass the Luhn check and never collide.

A SIREN is 8 digits and a Luhn key (``grappe.france.identifiers.complete_siren``); a SIRET is the SIREN, a
4-digit establishment number and a second Luhn key over all 14 digits (together the 5-digit NIC). SIRET keys
and the benchmark's SIRENs use ``luhn_key`` below, a table-driven Luhn about five times faster than
python-stdnum's, because the benchmark generator makes a million of them; the tests check every number with
``stdnum.fr.siren`` and ``stdnum.fr.siret``.
"""

from __future__ import annotations

import random

from grappe.france.identifiers import complete_siren

# Luhn doubles every second digit from the right; a doubled digit above 9 loses 9. The table maps each digit
# to its doubled value so that a whole string is doubled by one str.translate.
_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_key(digits: str) -> str:
    """The digit that makes ``digits + key`` pass the Luhn check."""
    # The key will sit at the far right, so the rightmost digit given here is the first one doubled.
    doubled = digits[::-1][::2].translate(_DOUBLED)
    kept = digits[::-1][1::2]
    total = sum(map(int, doubled)) + sum(map(int, kept))
    return str(-total % 10)


def siret(siren: str, establishment_number: int) -> str:
    """SIRET of the ``establishment_number``-th establishment (1 → NIC 0001x, the usual first head office)."""
    body = f"{siren}{establishment_number:04d}"
    return body + luhn_key(body)


def spoil_key(number: str) -> str:
    """The same number with a wrong last digit: what a typo in the key gives."""
    wrong = (int(number[-1]) + 1 + int(number[0]) % 8) % 10
    return number[:-1] + str(wrong)


class SirenAllocator:
    """Hands out distinct valid SIRENs.

    Real SIRENs start with 3 to 9 for companies registered since the 1970s; a few start with 0, 1 or 2
    (older or public bodies), which is what makes a lost leading zero possible in a spreadsheet.
    """

    def __init__(self, rng: random.Random, *, leading_zero_rate: float = 0.02) -> None:
        self._rng = rng
        self._leading_zero_rate = leading_zero_rate
        self._used: set[str] = set()

    def reserve(self, siren: str) -> None:
        self._used.add(siren)

    def new(self) -> str:
        while True:
            if self._rng.random() < self._leading_zero_rate:
                head = f"0{self._rng.randrange(1_000_000, 10_000_000)}"
            else:
                head = str(self._rng.randrange(30_000_000, 100_000_000))
            siren = complete_siren(head)
            if siren not in self._used:
                self._used.add(siren)
                return siren
