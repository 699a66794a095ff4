"""Addresses and sites that stand for none, one rule in Python (the import) and in SQL (the linkage engine)."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grappe.france.contact import check_email, check_phone, check_website
from grappe.france.identifiers import check_siren, check_siret
from grappe.france.placeholders import (
    is_placeholder_domain,
    is_placeholder_email,
    is_placeholder_name,
    is_placeholder_phone,
)
from grappe.linkage.normalise import (
    _placeholder_domain,
    _placeholder_email,
    _placeholder_name,
    _placeholder_phone,
)


@pytest.mark.parametrize(
    "address",
    ["nc@nc.fr", "none@none.com", "aucun@aucun.fr", "x@x.fr", "xxx@xxx.com", "contact@example.com",
     "jean@example.fr", "NC@NC.FR"],
)  # fmt: skip
def test_an_address_standing_for_none_is_refused_by_name_and_not_kept(address: str) -> None:
    # (Addresses at reserved top-level domains, « a@site.test », email-validator already refuses as invalid.)
    checked = check_email(address)
    assert checked.value is None
    assert checked.problem is not None and checked.problem.code == "email.placeholder"
    assert address in str(checked.problem)


@pytest.mark.parametrize(
    "address",
    ["contact@kaliop.fr", "marie.dupont@numelink.org", "info@bp.com", "jean@3m.com", "nc@cabinet-nc.fr",
     "x.dupont@xx-conseil.fr", "a@ab.fr"],
)  # fmt: skip
def test_real_addresses_are_kept(address: str) -> None:
    assert check_email(address).value == address


@pytest.mark.parametrize("site", ["www.none.com", "http://example.com/", "pasdesite.fr", "www.xxx.fr"])
def test_a_site_standing_for_none_is_refused_by_name(site: str) -> None:
    checked = check_website(site)
    assert checked.value is None
    assert checked.problem is not None and checked.problem.code == "website.placeholder"


def test_a_real_site_is_kept() -> None:
    checked = check_website("www.kaliop.fr")
    assert checked.value is not None and checked.value.domain == "kaliop.fr"


_LABEL = st.text(alphabet="abcnoxe-0", min_size=0, max_size=6)
_DOMAIN = st.builds(
    lambda label, tld: f"{label}.{tld}",
    _LABEL,
    st.sampled_from(["fr", "com", "test", "local", "example", "org"]),
) | st.sampled_from(["nc.fr", "none.com", "example.com", "pasdesite.fr", "kaliop.fr"])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcnoxe.", min_size=1, max_size=6), _DOMAIN)
def test_the_engine_s_sql_says_what_the_import_says(local: str, domain: str) -> None:
    """The linkage engine reads records nobody imported: its SQL must refuse exactly what the import refuses."""
    address = f"{local}@{domain}"
    with duckdb.connect() as con:
        sql_domain, sql_email = con.execute(
            f"SELECT {_placeholder_domain('$domain')}, {_placeholder_email('$address')}",
            {"domain": domain, "address": address},
        ).fetchall()[0]
    assert sql_domain == is_placeholder_domain(domain)
    assert sql_email == is_placeholder_email(address)


@pytest.mark.parametrize(
    ("check", "value", "code"),
    [(check_siren, "000 000 000", "siren.placeholder"), (check_siret, "000000000 00000", "siret.placeholder"),
     (check_siret, "00000000000000", "siret.placeholder")],
)  # fmt: skip
def test_the_zeros_of_an_unknown_siren_are_refused_though_their_key_is_right(check, value, code) -> None:
    checked = check(value)
    assert checked.value is None and checked.problem is not None and checked.problem.code == code


@pytest.mark.parametrize(
    "phone",
    ["01 23 45 67 89", "06 00 00 00 00", "01 00 00 00 00", "09 99 99 99 99", "06 06 06 06 06",
     "01 01 01 01 01", "+33 6 00 00 00 00", "+41 00 000 00 00"],
)  # fmt: skip
def test_a_phone_standing_for_none_is_refused_by_name(phone: str) -> None:
    checked = check_phone(phone)
    assert checked.value is None
    assert checked.problem is not None and checked.problem.code in ("phone.placeholder", "phone.invalid")
    if phone.startswith("0"):
        assert checked.problem.code == "phone.placeholder"


@pytest.mark.parametrize(
    "phone", ["04 77 12 34 56", "01 45 45 45 45", "06 12 34 56 78", "+41 22 000 00 01", "+1 212 345 6789"]
)
def test_real_phones_are_kept(phone: str) -> None:
    assert check_phone(phone).value is not None


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["", "+", "+33", "0", "00"]).flatmap(
        lambda prefix: st.text(alphabet="0123456789", min_size=6, max_size=12).map(lambda d: prefix + d)
    )
    | st.sampled_from(["+33123456789", "0606060606", "+33606060606", "+33600000000", "3865286"])
)
def test_the_engine_s_phone_rule_says_what_the_import_says(number: str) -> None:
    with duckdb.connect() as con:
        (found,) = con.execute(f"SELECT {_placeholder_phone('$number')}", {"number": number}).fetchall()[0]
    assert found == is_placeholder_phone(number)


@pytest.mark.parametrize(
    "name", ["NC", "N/C", "n.c.", "A compléter", "Inconnu", "Non renseigné", "xxx", "ZZZ"]
)
def test_a_name_saying_it_is_unknown_is_a_placeholder(name: str) -> None:
    assert is_placeholder_name(name)


@pytest.mark.parametrize(
    "name", ["Kaliop", "NC Numérique", "X", "Test", "3M", "A.B.C. Conseil", "Néant Studio"]
)
def test_real_names_are_not(name: str) -> None:
    assert not is_placeholder_name(name)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="ncdaNCxX/ .-éÉ?0", max_size=8)
    | st.sampled_from(["A compléter", "Non renseigné", "NC Numérique", "Kaliop", "ÆÆ", "œœ"])
)
def test_the_engine_s_name_rule_says_what_the_import_says(name: str) -> None:
    with duckdb.connect() as con:
        (found,) = con.execute(f"SELECT {_placeholder_name('$name')}", {"name": name}).fetchall()[0]
    assert found == is_placeholder_name(name)
