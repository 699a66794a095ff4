"""Addresses and sites that stand for none: what an export writes in a cell it must not leave empty.

« nc@nc.fr », « none@none.com », « aucun@aucun.fr », « www.pasdesite.fr », an address at example.com: kept,
they would be one organisation's contact details for every row that has none, so that the import took two
contacts of one company for one person (the same address) and the linkage two companies for one (the same
domain). The import refuses them as values (its report says so, and the row keeps the cell as written); the
linkage engine, which also reads records nobody imported, drops them with the same rule written in SQL
(``grappe.linkage.normalise._placeholder_domain``), held to this one by ``tests/france/test_placeholders.py``.
"""

from __future__ import annotations

# Domains exports write for « no address » or « no site », and the domains reserved for examples.
PLACEHOLDER_DOMAINS = frozenset(
    {
        "example.com", "example.net", "example.org", "example.fr",
        "test.com", "test.fr", "domain.com", "domaine.com", "domaine.fr", "email.fr", "mail.fr",
        "none.com", "none.fr", "noemail.com", "noemail.fr", "nomail.com", "nomail.fr", "no-email.com",
        "no-mail.com", "pasdemail.fr", "pasdemail.com", "pas-de-mail.fr", "pasdesite.fr", "pas-de-site.fr",
        "aucun.fr", "aucun.com", "aucune.fr", "inconnu.fr", "inconnu.com", "nc.fr", "nc.com", "na.fr",
        "nd.fr", "neant.fr", "vide.fr",
    }
)  # fmt: skip
# Top-level domains reserved for tests and examples (RFC 2606, RFC 6761) or for a local network.
RESERVED_TOP_LEVEL_DOMAINS = frozenset({"example", "test", "invalid", "localhost", "local"})


def is_placeholder_domain(domain: str) -> bool:
    """``domain`` (lower case, without « www. ») stands for no domain: a listed placeholder, a reserved
    top-level domain, or a name of one repeated character (« x.fr », « xxx.com »)."""
    label = domain.split(".", 1)[0]
    return (
        domain in PLACEHOLDER_DOMAINS
        or domain.rsplit(".", 1)[-1] in RESERVED_TOP_LEVEL_DOMAINS
        or not label.replace(label[:1], "")
    )


def is_placeholder_email(address: str) -> bool:
    """``address`` (lower case) stands for none: at a placeholder domain, or its mailbox named as the domain
    itself (« nc@nc.fr », « aucun@aucun.com »), which no organisation's address is."""
    local, _at, domain = address.rpartition("@")
    return is_placeholder_domain(domain) or local == domain.split(".", 1)[0]
