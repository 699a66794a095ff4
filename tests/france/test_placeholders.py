"""Addresses and sites that stand for none, one rule in Python (the import) and in SQL (the linkage engine)."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grappe.france.contact import check_email, check_website
from grappe.france.placeholders import is_placeholder_domain, is_placeholder_email
from grappe.linkage.normalise import _placeholder_domain, _placeholder_email


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
