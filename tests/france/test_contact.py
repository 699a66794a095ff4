"""E-mail addresses, phone numbers, websites."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.france.contact import (
    WEBMAIL_DOMAINS,
    Website,
    check_email,
    check_phone,
    check_website,
    email_domain,
    is_webmail,
    website_domain,
)
from grappe.france.placeholders import is_placeholder_email, is_placeholder_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jean.Dupont@Numelink.FR", "jean.dupont@numelink.fr"),
        ("Jean Dupont <jean@exemple.fr>", "jean@exemple.fr"),
        ("mailto:contact@exemple.fr", "contact@exemple.fr"),
    ],
)
def test_emails(raw, expected):
    assert check_email(raw).value == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("a@b.fr; c@d.fr", "email.several"),
        ("contact.exemple.fr", "email.format"),
        ("a@b", "email.invalid"),
        ("jean dupont@exemple.fr", "email.invalid"),
    ],
)
def test_email_refusals(raw, code):
    assert check_email(raw).problem.code == code


def test_webmail():
    assert {"gmail.com", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "proton.me"} <= WEBMAIL_DOMAINS
    assert is_webmail("jean@Gmail.com") and is_webmail("orange.fr")
    assert not is_webmail("contact@numelink.fr")
    assert email_domain("a@Exemple.FR") == "exemple.fr" and email_domain("nothing") is None


@pytest.mark.parametrize(
    "raw",
    [
        "04 77 12 34 56",
        "04.77.12.34.56",
        "04-77-12-34-56",
        "0477123456",
        "+33 (0)4 77 12 34 56",
        "+33 4 77 12 34 56",
        "0033 4 77 12 34 56",
        "4 77 12 34 56",
        "04 77 12 34 56 poste 12",
    ],
)
def test_french_phone_formats(raw):
    assert check_phone(raw).value == "+33477123456"


def test_overseas_and_foreign_phones():
    assert check_phone("0262 21 34 56").value == "+262262213456"
    assert check_phone("+41 22 123 45 67").value == "+41221234567"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("01 02", "phone.invalid"),
        ("abc", "phone.format"),
        ("04 77 12 34 56 / 06 12 34 56 78", "phone.several"),
    ],
)
def test_phone_refusals(raw, code):
    assert check_phone(raw).problem.code == code


@given(
    st.integers(1, 5).map(str),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.sampled_from([" ", ".", "-", ""]),
)
def test_phone_formatting_noise_never_changes_the_number(first, rest, separator):
    digits = "0" + first + rest
    grouped = separator.join(digits[i : i + 2] for i in range(0, 10, 2))
    assert check_phone(grouped).value == check_phone(digits).value


def test_websites():
    assert check_website("www.exemple.fr").value == Website("https://www.exemple.fr/", "exemple.fr")
    assert check_website("http://Exemple.FR/contact").value == Website(
        "http://exemple.fr/contact", "exemple.fr"
    )
    idn = check_website("https://www.numélink.fr").value
    assert idn.url == "https://www.xn--numlink-dya.fr/" and idn.domain == "numélink.fr"
    assert website_domain("HTTP://WWW.Exemple.fr/x") == "exemple.fr"
    assert website_domain("pas un site") is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("contact@exemple.fr", "website.is_email"),
        ("exemple", "website.invalid"),
        ("ftp://exemple.fr", "website.invalid"),
        ("www.exemple .fr", "website.invalid"),
    ],
)
def test_website_refusals(raw, code):
    assert check_website(raw).problem.code == code


@given(st.text())
def test_contact_checks_never_raise(text):
    for check in (check_email, check_phone, check_website):
        checked = check(text)
        assert checked.ok or checked.value is None
        if checked.problem:
            assert checked.problem.render()


# -- phones read by the rules of the row's country ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("(773) 251-1196", "+17732511196"), ("7732511196", "+17732511196"), ("773.251.1196", "+17732511196")],
)
def test_us_numbers_with_their_area_code_become_e164(raw, expected):
    outcome = check_phone(raw, "US")

    assert outcome.value == expected and outcome.ok and outcome.note is None


@pytest.mark.parametrize("raw", ["3865286", "386-5286"])
def test_a_us_local_number_without_area_code_is_kept_as_its_digits_with_a_note(raw):
    outcome = check_phone(raw, "US")

    assert outcome.ok and outcome.value == "3865286"
    assert outcome.note.code == "phone.local" and "US" in outcome.note.render()


def test_the_three_us_forms_are_refused_as_french_numbers():
    assert all(check_phone(raw).problem for raw in ("3865286", "(773) 251-1196", "7732511196"))


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("022 310 22 55", "CH", "+41223102255"),
        ("+41 22 310 22 55", "CH", "+41223102255"),
        ("+41 22 310 22 55", "FR", "+41223102255"),  # a country code is read whatever the region
        ("0041 22 310 22 55", "US", "+41223102255"),
        ("02 555 12 34", "BE", "+3225551234"),
        ("06 1234 5678", "IT", "+390612345678"),
        ("04 77 12 34 56", "FR", "+33477123456"),
    ],
)
def test_national_numbers_are_read_with_the_region(raw, region, expected):
    assert check_phone(raw, region).value == expected


def test_with_an_unknown_country_only_numbers_with_their_country_code_are_read():
    assert check_phone("+41 22 310 22 55", None).value == "+41223102255"
    refused = check_phone("022 310 22 55", None)
    assert refused.value is None and refused.problem.code == "phone.no_country"


def test_a_number_invalid_for_its_country_is_refused_and_says_which_country():
    outcome = check_phone("12", "CH")

    assert outcome.value is None and outcome.problem.code == "phone.invalid_for_country"
    assert "CH" in outcome.problem.render()


@given(st.text(max_size=30), st.sampled_from(["FR", "US", "CH", "BE", "IT", "GB", None]))
def test_check_phone_never_raises_and_keeps_only_e164_or_local_digits(raw, region):
    outcome = check_phone(raw, region)

    if outcome.value is not None:
        assert outcome.value.startswith("+") or (outcome.note is not None and outcome.value.isdigit())
        assert outcome.value.lstrip("+").isdigit() and len(outcome.value) <= 20


@given(st.from_regex(r"[2-9]\d{2}[ .-]?\d{4}", fullmatch=True))
def test_any_seven_digit_us_number_is_kept_never_refused(raw):
    outcome = check_phone(raw, "US")

    assert outcome.ok and outcome.value is not None


# The fast paths (a plain French number, a plain address) must give exactly what the general readers give.

_ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~"


@given(st.from_regex(r"0[1-9][0-9]{8}", fullmatch=True))
def test_a_french_national_number_reads_as_phonenumbers_reads_it(digits):
    import phonenumbers

    number = phonenumbers.parse(digits, "FR")
    regions = ("RE", "GP", "MQ", "GF", "YT", "PM", "BL", "MF", "NC", "PF", "WF")
    if not phonenumbers.is_valid_number(number):
        valid = [phonenumbers.parse(digits, region) for region in regions]
        valid = [item for item in valid if phonenumbers.is_valid_number(item)]
        number = valid[0] if valid else None
    expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else None
    if expected and is_placeholder_phone(expected):
        expected = None  # « 06 00 00 00 00 »: a valid number that stands for none, refused as such
    assert check_phone(digits).value == expected
    assert check_phone(" ".join(digits[i : i + 2] for i in range(0, 10, 2))).value == expected


@given(st.from_regex(r"(\+33|0033)[0-9]{9}", fullmatch=True))
def test_a_french_international_number_reads_as_phonenumbers_reads_it(digits):
    import phonenumbers

    number = phonenumbers.parse(digits, "FR")
    valid = phonenumbers.is_valid_number(number)
    expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if valid else None
    if expected and is_placeholder_phone(expected):
        expected = None  # a valid number that stands for none, refused as such
    assert check_phone(digits).value == expected
    assert (
        check_phone(f"{digits[:-9]} {digits[-9]} {digits[-8:-6]} {digits[-6:-4]} {digits[-4:]}").value
        == expected
    )


@given(
    st.text(alphabet=_ATEXT + '."@<> é', min_size=0, max_size=70),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789.-_é", min_size=0, max_size=20),
    st.sampled_from(["fr", "com", "", "1", "local", "test", "FR", "xn--bcher-kva"]),
)
def test_an_address_reads_as_email_validator_reads_it(local, domain, tld):
    from email_validator import EmailNotValidError, validate_email

    address = f"{local}@{domain}.{tld}" if tld else f"{local}@{domain}"
    try:
        expected = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        expected = None
    if sum("@" in part for part in address.replace(";", " ").replace(",", " ").split()) > 1:
        return  # refused earlier as several addresses, whatever email-validator says
    if " " in address or address.startswith(("mailto:", "MAILTO:")) or "<" in address:
        return  # cleaned or unwrapped before the address is read
    if expected is not None and is_placeholder_email(expected):
        expected = None  # a valid address that stands for none (« 0@0.fr »): refused as such
    assert check_email(address).value == expected


def test_a_remembered_check_gives_the_same_outcome_for_the_same_cell():
    from grappe.france.geo import check_place

    first = check_place("42000", "St Etienne")
    assert check_place("42000", "St Etienne") is first
    assert first.value.commune.name == "Saint-Étienne"


def _phonenumbers_valid(national: str) -> bool:
    import phonenumbers

    return phonenumbers.is_valid_number(
        phonenumbers.PhoneNumber(country_code=33, national_number=int(national))
    )


def test_french_validity_equals_phonenumbers_for_every_five_digit_prefix():
    # France's patterns decide on at most the first five digits (premium rate 8360x): every prefix, both ends.
    from grappe.france.contact import _valid_french

    for prefix in range(10_000, 100_000):
        for national in (f"{prefix}0000", f"{prefix}9999"):
            assert _valid_french(national) == _phonenumbers_valid(national), national


@given(st.from_regex(r"[1-9][0-9]{0,11}", fullmatch=True))
def test_french_validity_equals_phonenumbers_for_any_length(national):
    from grappe.france.contact import _valid_french

    assert _valid_french(national) == _phonenumbers_valid(national)
