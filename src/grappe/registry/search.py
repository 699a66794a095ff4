"""What a search box finds, however the staff type it.

Words are folded (``grappe.france.text.fold``: case, accents and hyphens aside) and compared with the folded
keys the registry keeps (``models.FoldedKeys``), so « saint etienne », « Saint-Etienne » and « Saint-Étienne »
find the same members on SQLite and PostgreSQL. A query that reads as something else is looked up as such:

- an e-mail address (« contact@… ») in the organisations', their sites' and their contacts' e-mails;
- a web address or a domain (« numelink.fr », « https://www.numelink.fr/ ») in the websites and e-mails;
- a phone number, however written (« 04 77 12 34 56 », « 04.77.12.34.56 », « +33 4 77 12 34 56 »), read as the
  import stores it (E.164) and compared with the organisations', sites' and contacts' numbers;
- a SIREN or a SIRET, with or without its spaces and dots; a postcode; the first digits of a SIREN.
"""

from __future__ import annotations

import re

from django.db.models import Exists, OuterRef, Q

from grappe.france.contact import check_phone, website_domain
from grappe.france.text import clean_text, fold
from grappe.registry.models import Establishment, Role

_PHONE = re.compile(r"\+?[\d\s.\-()/]+")
_DOMAIN = re.compile(r"(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?", re.IGNORECASE)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def phone_number(q: str) -> str | None:
    """The number a query is, in the form the registry stores (E.164), or None when it is not a phone: a
    French number has 10 digits starting with 0, a foreign one its country code (+41…, 0041…)."""
    text = clean_text(q)
    if not _PHONE.fullmatch(text):
        return None
    digits = _digits(text)
    international = text.startswith("+") or digits.startswith("00")
    if not international and not (len(digits) == 10 and digits.startswith("0")):
        return None
    return check_phone(text).value


def domain(q: str) -> str | None:
    """The domain a query names (« numelink.fr » from « https://www.numelink.fr/contact »), or None."""
    text = clean_text(q)
    if " " in text or "@" in text or not _DOMAIN.fullmatch(text) or not re.search(r"[a-z]", text, re.I):
        return None
    return website_domain(text if "://" in text else f"http://{text}")


def _site(condition: Q) -> Q:
    return Q(Exists(Establishment.objects.filter(condition, organisation_id=OuterRef("pk"))))


def _contact(condition: Q) -> Q:
    return Q(Exists(Role.objects.filter(condition, organisation_id=OuterRef("pk"))))


def _identifier_condition(digits: str) -> Q:
    if len(digits) == 14:
        return _site(Q(siret=digits))
    if len(digits) == 9:
        return Q(siren=digits)
    condition = Q(siren__startswith=digits)
    if len(digits) == 5:
        condition |= _site(Q(postcode=digits))
    return condition


def _words_condition(q: str) -> Q:
    """Each folded word in the name or an establishment's commune."""
    condition = Q()
    for word in fold(q).split():
        # An uncorrelated IN lets PostgreSQL hash the matching establishments once instead of probing per row.
        in_city = Establishment.objects.filter(search_city__contains=word).values("organisation_id")
        condition &= Q(search_name__contains=word) | Q(pk__in=in_city)
    return condition


def organisation_condition(q: str) -> Q:
    """The organisations a search finds (see the module's docstring)."""
    text = clean_text(q)
    if "@" in text and " " not in text:
        email = text.casefold()
        return (
            Q(email__icontains=email)
            | _site(Q(email__icontains=email))
            | _contact(Q(person__email__icontains=email))
        )
    number = phone_number(text)
    if number:
        return Q(phone=number) | _site(Q(phone=number)) | _contact(Q(person__phone=number))
    compact = re.sub(r"[\s.]", "", text)
    if compact.isdigit():
        return _identifier_condition(_digits(compact))
    site = domain(text)
    if site:
        return (
            Q(website_domain__iexact=site)
            | Q(email__iendswith=f"@{site}")
            | _site(Q(email__iendswith=f"@{site}"))
            | _words_condition(text)
        )
    return _words_condition(text)


def person_condition(q: str) -> Q:
    """The people a search finds: folded words in « nom prénom » or the e-mail, an e-mail, a phone number."""
    text = clean_text(q)
    number = phone_number(text)
    if number:
        return Q(phone=number)
    condition = Q()
    for word in text.split():
        # « Jean-Pierre » is two folded parts, both in the name; or the word is in the e-mail.
        in_name = Q(*(Q(sort_name__contains=part) for part in fold(word).split()))
        condition &= in_name | Q(email__icontains=word)
    return condition


def membership_condition(q: str) -> Q:
    """The memberships a search finds: folded words in their organisation's name."""
    condition = Q()
    for word in fold(q).split():
        condition &= Q(organisation__search_name__contains=word)
    return condition
