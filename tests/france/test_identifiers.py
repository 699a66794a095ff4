"""SIREN, SIRET and VAT checks: valid numbers pass whatever their formatting, damaged ones are diagnosed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.france.identifiers import (
    check_siren,
    check_siret,
    check_vat,
    complete_siren,
    complete_siret,
    is_spreadsheet_mangled,
    siren_of_siret,
    vat_of_siren,
)

eight_digits = st.text(alphabet="0123456789", min_size=8, max_size=8)
four_digits = st.text(alphabet="0123456789", min_size=4, max_size=4)
# The zeros of an unknown SIREN have a right key and are refused as such (grappe.france.placeholders).
sirens = eight_digits.filter(lambda digits: digits != "00000000").map(complete_siren)
# La Poste's establishments do not follow the Luhn rule, so "one changed digit fails" does not hold for them.
sirets = st.tuples(sirens, four_digits).map(lambda parts: complete_siret(parts[0] + parts[1]))
not_la_poste = sirets.filter(lambda siret: not siret.startswith("356000000"))
separators = st.sampled_from([" ", ".", "-", "\u00a0", "\u202f", ""])


def _with_noise(digits: str, noise: list[str]) -> str:
    return "".join(digit + noise[index % len(noise)] for index, digit in enumerate(digits))


def _change_one_digit(number: str, position: int, shift: int) -> str:
    changed = str((int(number[position]) + shift) % 10)
    return number[:position] + changed + number[position + 1 :]


@given(sirens)
def test_every_generated_siren_passes(siren):
    assert check_siren(siren).value == siren


@given(sirets)
def test_every_generated_siret_passes(siret):
    checked = check_siret(siret)
    assert checked.ok and checked.value == siret


@given(sirens, st.integers(0, 8), st.integers(1, 9))
def test_one_changed_digit_breaks_a_siren(siren, position, shift):
    assert check_siren(_change_one_digit(siren, position, shift)).problem.code == "siren.checksum"


@given(not_la_poste, st.integers(0, 13), st.integers(1, 9))
def test_one_changed_digit_breaks_a_siret(siret, position, shift):
    assert not check_siret(_change_one_digit(siret, position, shift)).ok


@given(sirets, st.lists(separators, min_size=1, max_size=5))
def test_formatting_noise_never_changes_the_siret(siret, noise):
    assert check_siret(f"  {_with_noise(siret, noise)} ").value == siret


@given(sirens, st.lists(separators, min_size=1, max_size=5))
def test_formatting_noise_never_changes_the_siren(siren, noise):
    assert check_siren(_with_noise(siren, noise)).value == siren


@given(st.text())
def test_checks_never_raise(text):
    for check in (check_siren, check_siret, check_vat):
        checked = check(text)
        assert checked.ok or checked.value is None
        if checked.problem:
            assert checked.problem.render()


@given(sirens)
def test_vat_of_siren_is_accepted_and_round_trips(siren):
    vat = vat_of_siren(siren)
    assert check_vat(vat).value == vat
    assert check_vat(f"{vat[:2]} {vat[2:4]} {vat[4:7]} {vat[7:10]} {vat[10:]}").value == vat


@pytest.mark.parametrize("empty", [None, "", "   ", "\u00a0"])
def test_empty_cells_are_not_problems(empty):
    for check in (check_siren, check_siret, check_vat):
        assert check(empty).value is None and check(empty).ok


def test_known_numbers():
    assert check_siren("732 829 320").value == "732829320"
    assert check_siret("732.829.320.00074").value == "73282932000074"
    assert check_vat("fr 40 303 265 045").value == "FR40303265045"
    assert vat_of_siren("303265045") == "FR40303265045"
    assert siren_of_siret("732 829 320 00074") == "732829320"


def test_la_poste_siret_exception():
    # La Poste's establishments share SIREN 356000000; their SIRET key is "sum of digits divisible by 5".
    assert check_siret("356 000 000 00048").ok  # the head office, which does follow Luhn
    assert check_siret("35600000012341").ok  # digits sum to 25, Luhn fails
    assert check_siret("35600000012345").problem.code == "siret.checksum"


@pytest.mark.parametrize("mangled", ["4,12345E+13", "4.12345e13", "4.1234567800012E+13", "41234567800012.0"])
def test_spreadsheet_mangled_sirets_get_their_own_code(mangled):
    assert is_spreadsheet_mangled(mangled)
    problem = check_siret(mangled).problem
    assert problem.code == "siret.spreadsheet_mangled"
    assert "format texte" in problem.render()
    assert check_siren("7,32829E+08").problem.code == "siren.spreadsheet_mangled"
    assert check_vat("4,03033E+10").problem.code == "vat.spreadsheet_mangled"


def test_lost_leading_zero_is_diagnosed():
    siret = complete_siret(complete_siren("01234567") + "0001")
    assert siret.startswith("0")
    problem = check_siret(siret[1:]).problem
    assert problem.code == "siret.leading_zero_lost"
    assert siret in problem.render() and "format texte" in problem.render()
    siren = complete_siren("01234567")
    assert check_siren(siren[1:]).problem.code == "siren.leading_zero_lost"


def test_messages_say_what_was_expected():
    message = check_siret("73282932000075").problem.render()
    assert message == (
        "SIRET « 73282932000075 » invalide : la clé de contrôle ne correspond pas (14 chiffres attendus, "
        "clé de Luhn). Vérifiez qu'aucun chiffre n'a été mal recopié."
    )
    assert "14 attendus" in check_siret("123").problem.render()
    assert "9 attendus" in check_siren("1234").problem.render()


@pytest.mark.parametrize(
    ("check", "raw", "code"),
    [
        (check_siren, "73282932A", "siren.format"),
        (check_siren, "123", "siren.length"),
        (check_siren, "73282932000074", "siren.siret_given"),
        (check_siret, "732829320", "siret.siren_given"),
        (check_siret, "ABC", "siret.format"),
        (check_siret, "1234567890123", "siret.length"),
        (check_vat, "732829320", "vat.siren_given"),
        (check_vat, "BE0123456789", "vat.country"),
        (check_vat, "FR00303265045", "vat.checksum"),
        (check_vat, "FR4030326504", "vat.format"),
    ],
)
def test_failure_codes(check, raw, code):
    checked = check(raw)
    assert checked.value is None and checked.problem.code == code


def test_vat_without_country_prefix_is_completed():
    assert check_vat("40303265045").value == "FR40303265045"


def test_generators_refuse_wrong_lengths():
    with pytest.raises(ValueError):
        complete_siren("1234567")
    with pytest.raises(ValueError):
        complete_siret("12345678901234")
