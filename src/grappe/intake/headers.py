"""Recognise the column headers of members' registry exports and map them to Grappe's canonical fields.

Associations export their members from whatever tool they use (a CRM, a spreadsheet, an accounting package),
so the same field comes under many names: « Raison sociale », « Nom de l'entreprise », « Société », « Company
name »… Headers are compared on a *key*: accents, case, punctuation, filler words (« de », « du », « n° ») and
plural marks removed. Each field has aliases with a strength (how sure the alias is on its own); a header that
contains an alias plus a few other words still matches, a little less strongly. Columns are then assigned to
fields greedily by score, so each field goes to at most one column and the clearest header wins.

Pure Python: no Django, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def _(message: str) -> str:
    """No-op marker so `makemessages` extracts the French labels (this module cannot import Django)."""
    return message


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    required: bool = False


FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("name", _("Raison sociale"), required=True),
        FieldSpec("trade_name", _("Enseigne / nom commercial")),
        FieldSpec("siren", _("SIREN")),
        FieldSpec("siret", _("SIRET")),
        FieldSpec("vat", _("N° de TVA intracommunautaire")),
        FieldSpec("legal_form", _("Forme juridique")),
        FieldSpec("naf", _("Code NAF / APE")),
        FieldSpec("headcount", _("Effectif")),
        FieldSpec("created_on", _("Date de création")),
        FieldSpec("street", _("Adresse")),
        FieldSpec("street2", _("Complément d'adresse")),
        FieldSpec("postcode", _("Code postal")),
        FieldSpec("city", _("Ville")),
        FieldSpec("country", _("Pays")),
        FieldSpec("email", _("E-mail de l'entreprise")),
        FieldSpec("phone", _("Téléphone de l'entreprise")),
        FieldSpec("website", _("Site web")),
        FieldSpec("joined_on", _("Date d'adhésion")),
        FieldSpec("annual_fee", _("Cotisation annuelle")),
        FieldSpec("membership_type", _("Type d'adhésion / catégorie")),
        FieldSpec("college", _("Collège")),
        FieldSpec("member_status", _("Statut d'adhérent")),
        FieldSpec("is_startup", _("Start-up")),
        FieldSpec("skills", _("Compétences")),
        FieldSpec("contact_first_name", _("Prénom du contact")),
        FieldSpec("contact_last_name", _("Nom du contact")),
        FieldSpec("contact_full_name", _("Contact (prénom et nom)")),
        FieldSpec("contact_email", _("E-mail du contact")),
        FieldSpec("contact_phone", _("Téléphone du contact")),
        FieldSpec("contact_job_title", _("Fonction du contact")),
        FieldSpec("notes", _("Commentaires")),
    )
}

# Alias → strength (0–100). Written as users write them; keys are computed from them with `header_key`.
# Weak strengths mark aliases that are plausible but ambiguous on their own (« Nom », « Montant », « Type »).
_ALIASES: dict[str, dict[str, int]] = {
    "name": {
        "raison sociale": 100,
        "nom de l'entreprise": 100,
        "nom de la société": 100,
        "nom société": 100,
        "dénomination": 95,
        "dénomination sociale": 100,
        "nom de la structure": 95,
        "nom de l'organisation": 95,
        "nom de l'adhérent": 95,
        "nom du membre": 90,
        "société": 90,
        "entreprise": 90,
        "organisation": 85,
        "organisme": 85,
        "structure": 80,
        "adhérent": 75,
        "membre": 60,
        "company": 90,
        "company name": 100,
        "organization": 85,
        "organization name": 100,
        "business name": 95,
        "name": 80,
        "nom": 70,
    },
    "trade_name": {
        "enseigne": 100,
        "nom commercial": 100,
        "nom d'usage": 90,
        "marque": 70,
        "sigle": 60,
        "trade name": 100,
        "brand": 70,
    },
    "siren": {"siren": 100, "siren number": 100},
    "siret": {"siret": 100, "siret du siège": 95, "siret number": 100},
    "vat": {
        "tva intracommunautaire": 100,
        "tva intra": 100,
        "tva intracom": 100,
        "numéro de tva": 100,
        "tva": 80,
        "vat": 100,
        "vat number": 100,
        "vat id": 100,
    },
    "legal_form": {
        "forme juridique": 100,
        "statut juridique": 95,
        "catégorie juridique": 95,
        "legal form": 100,
        "forme": 60,
    },
    "naf": {
        "code naf": 100,
        "code ape": 100,
        "naf": 100,
        "ape": 100,
        "naf/ape": 100,
        "code naf/ape": 100,
        "code ape/naf": 100,
        "activité (ape)": 100,
        "activité naf": 95,
        "code activité": 85,
        "naf code": 100,
        "nace": 80,
    },
    "headcount": {
        "effectif": 100,
        "tranche d'effectif": 100,
        "tranche effectif salarié": 100,
        "effectif salarié": 100,
        "nombre de salariés": 100,
        "nb salariés": 100,
        "nb de salariés": 100,
        "salariés": 85,
        "headcount": 100,
        "employees": 95,
        "number of employees": 100,
        "staff": 70,
    },
    "created_on": {
        "date de création": 100,
        "création": 85,
        "date création": 100,
        "année de création": 80,
        "date d'immatriculation": 85,
        "creation date": 100,
        "founded": 85,
        "date of creation": 100,
    },
    "street": {
        "adresse": 100,
        "adresse 1": 100,
        "adresse ligne 1": 100,
        "rue": 95,
        "voie": 80,
        "adresse postale": 95,
        "adresse du siège": 90,
        "address": 100,
        "address 1": 100,
        "address line 1": 100,
        "street": 100,
    },
    "street2": {
        "adresse 2": 100,
        "adresse ligne 2": 100,
        "complément d'adresse": 100,
        "complément adresse": 100,
        "complément": 80,
        "address 2": 100,
        "address line 2": 100,
        "street 2": 100,
    },
    "postcode": {
        "code postal": 100,
        "cp": 100,
        "c.p.": 100,
        "postcode": 100,
        "post code": 100,
        "postal code": 100,
        "zip": 95,
        "zip code": 100,
    },
    "city": {
        "ville": 100,
        "commune": 100,
        "localité": 100,
        "city": 100,
        "town": 95,
        "bureau distributeur": 70,
    },
    "country": {
        "pays": 100,
        "pays (code)": 100,
        "code pays": 100,
        "pays du siège": 95,
        "country": 100,
        "country code": 100,
        "country (iso)": 100,
        "land": 95,
        "paese": 95,
        "país": 95,
        "nation": 70,
    },
    "email": {
        "e-mail": 100,
        "email": 100,
        "mail": 95,
        "courriel": 100,
        "adresse e-mail": 100,
        "adresse mail": 100,
        "adresse électronique": 100,
        "e-mail de l'entreprise": 100,
        "email address": 100,
    },
    "phone": {
        "téléphone": 100,
        "tél": 100,
        "tel": 100,
        "téléphone fixe": 95,
        "standard": 85,
        "phone": 100,
        "telephone": 100,
        "phone number": 100,
        "numéro de téléphone": 100,
    },
    "website": {
        "site web": 100,
        "site internet": 100,
        "site": 85,
        "web": 85,
        "website": 100,
        "url": 95,
        "internet": 80,
        "adresse du site": 95,
        "web site": 100,
    },
    "joined_on": {
        "date d'adhésion": 100,
        "date adhésion": 100,
        "adhérent depuis": 100,
        "membre depuis": 100,
        "date d'entrée": 90,
        "date de première adhésion": 100,
        "année d'adhésion": 85,
        "member since": 100,
        "joined": 90,
        "join date": 100,
        "joined on": 100,
    },
    "annual_fee": {
        "cotisation": 100,
        "montant cotisation": 100,
        "montant de la cotisation": 100,
        "cotisation annuelle": 100,
        "montant": 60,
        "fee": 90,
        "annual fee": 100,
        "membership fee": 100,
    },
    "membership_type": {
        "type d'adhésion": 100,
        "type adhésion": 100,
        "type de membre": 100,
        "type d'adhérent": 100,
        "catégorie": 90,
        "catégorie d'adhésion": 100,
        "catégorie d'adhérent": 100,
        "formule": 80,
        "membership type": 100,
        "type": 60,
        "category": 90,
    },
    "college": {"collège": 100, "collège électoral": 100, "college": 100},
    "member_status": {
        "statut": 90,
        "statut adhérent": 100,
        "statut d'adhésion": 100,
        "statut de l'adhérent": 100,
        "statut du membre": 100,
        "état": 70,
        "situation": 70,
        "status": 90,
        "membership status": 100,
    },
    "is_startup": {"start-up": 100, "startup": 100, "jeune pousse": 100, "est une start-up": 100},
    "skills": {
        "compétences": 100,
        "domaines de compétence": 100,
        "domaines d'expertise": 100,
        "expertise": 95,
        "savoir-faire": 95,
        "métiers": 70,
        "technologies": 70,
        "skills": 100,
    },
    "contact_first_name": {"prénom": 100, "first name": 100, "firstname": 100, "given name": 100},
    "contact_last_name": {
        "nom de famille": 100,
        "last name": 100,
        "lastname": 100,
        "surname": 100,
        "family name": 100,
        "nom": 60,
    },
    "contact_full_name": {
        "contact": 95,
        "nom du contact": 100,
        "nom et prénom": 100,
        "prénom nom": 100,
        "nom prénom": 100,
        "prénom et nom": 100,
        "représentant": 95,
        "représentant légal": 100,
        "dirigeant": 95,
        "interlocuteur": 95,
        "référent": 90,
        "personne à contacter": 100,
        "contact principal": 100,
        "contact name": 100,
        "nom du représentant": 100,
        "nom du dirigeant": 100,
    },
    "contact_email": {"contact email": 100},
    "contact_phone": {"portable": 85, "mobile": 85, "téléphone portable": 90, "contact phone": 100},
    "contact_job_title": {
        "fonction": 100,
        "poste": 95,
        "titre": 75,
        "qualité": 75,
        "fonction du contact": 100,
        "job title": 100,
        "title": 75,
        "position": 80,
        "rôle": 80,
    },
    "notes": {
        "commentaire": 100,
        "commentaires": 100,
        "remarques": 100,
        "observations": 100,
        "notes": 100,
        "note": 95,
        "informations": 70,
        "divers": 70,
        "comments": 100,
        "remarks": 100,
    },
}

# Words that say a column is about a person at the company rather than the company itself.
_CONTACT_MARKERS = frozenset(
    {"contact", "representant", "referent", "dirigeant", "interlocuteur", "responsable", "gerant",
     "signataire", "correspondant", "personne"}
)  # fmt: skip
# Company-level fields whose header, plus a contact marker, names the contact's version of the same thing.
_CONTACT_COUNTERPART = {"email": "contact_email", "phone": "contact_phone"}
_CONTACT_FIELDS = frozenset(name for name in FIELDS if name.startswith("contact_"))
# Filler words that only make headers longer: « N° de SIRET », « Nom de l'entreprise ».
_FILLER = frozenset(
    {"de", "du", "des", "d", "l", "la", "le", "les", "n", "no", "num", "numero", "nr", "of", "the", "a",
     "au", "aux", "en", "et", "and", "par", "pour"}
)  # fmt: skip
_SPELLING = {("e", "mail"): "email", ("start", "up"): "startup", ("site", "web"): "siteweb"}

MIN_MAPPING_SCORE = 50  # below this, a column is left unmapped rather than guessed
MIN_HEADER_SCORE = 75  # a cell counts towards header_score only when it is a clear header
_EXTRA_WORD_PENALTY = 10
_MAX_EXTRA_WORDS = 3
_CONTACT_PENALTY = 30

_NON_WORD = re.compile(r"[\W_]+")


def normalise_header(text: str) -> str:
    """Lower case, no accents, punctuation and underscores as spaces, white space collapsed.

    « N° SIRET », "n_siret" and "N. Siret" all become "n siret".
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "oe"))
    unaccented = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NON_WORD.sub(" ", unaccented.casefold()).split())


def header_key(text: str) -> tuple[str, ...]:
    """The words of a header that carry its meaning, in a spelling-independent form."""
    words = _join_split_words(normalise_header(text).split())
    return tuple(_singular(word) for word in words if word not in _FILLER)


def _join_split_words(words: list[str]) -> list[str]:
    # "e mail", "start up" and "site web" are written both split and joined; compare them joined.
    joined: list[str] = []
    for word in words:
        if joined and (joined[-1], word) in _SPELLING:
            joined[-1] = _SPELLING[joined[-1], word]
        else:
            joined.append(word)
    return joined


def _singular(word: str) -> str:
    # Applied to headers and aliases alike, so "Effectifs" meets "effectif"; short words ("cps") are kept.
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


_ALIAS_KEYS: dict[str, tuple[tuple[tuple[str, ...], int], ...]] = {
    field: tuple((header_key(alias), strength) for alias, strength in aliases.items())
    for field, aliases in _ALIASES.items()
}


def _alias_score(key: tuple[str, ...], alias: tuple[str, ...], strength: int) -> int:
    if key == alias:
        return strength
    if not alias or not set(alias) <= set(key):
        return 0
    extra = len(key) - len(alias)
    if extra > _MAX_EXTRA_WORDS:
        return 0
    # One known word inside a longer text is weak evidence: « Société Générale » is a value, not a header.
    penalty = _EXTRA_WORD_PENALTY * extra * (2 if len(alias) == 1 else 1)
    return strength - penalty


def _direct_score(field: str, key: tuple[str, ...]) -> int:
    score = max((_alias_score(key, alias, strength) for alias, strength in _ALIAS_KEYS[field]), default=0)
    # « E-mail du contact » contains the alias "email" but is not the company's e-mail.
    if field not in _CONTACT_FIELDS and _CONTACT_MARKERS & set(key):
        score -= _CONTACT_PENALTY
    return score


def field_scores(header: str, *, has_first_name: bool = False) -> dict[str, int]:
    """How well one header matches each field (0–100); fields below the mapping threshold are left out.

    ``has_first_name`` tells that another column holds the contact's first name: then « Nom » and « Nom du
    contact » are the contact's last name, not the company name nor a full name.
    """
    key = header_key(header)
    if not key:
        return {}
    scores = {field: _direct_score(field, key) for field in FIELDS}
    without_markers = tuple(word for word in key if word not in _CONTACT_MARKERS)
    if without_markers != key:
        for base, counterpart in _CONTACT_COUNTERPART.items():
            derived = _direct_score(base, without_markers) - 5 if without_markers else 0
            scores[counterpart] = max(scores[counterpart], derived)
    if has_first_name and without_markers == ("nom",):
        scores["contact_last_name"] = 100
        scores["name"] = scores["contact_full_name"] = 0
    return {field: score for field, score in scores.items() if score >= MIN_MAPPING_SCORE}


def best_field(header: str) -> tuple[str, int] | None:
    """The field a header most likely names on its own, with its score, or None."""
    scores = field_scores(header)
    if not scores:
        return None
    field = max(scores, key=lambda name: scores[name])
    return field, scores[field]


def header_score(cells: Sequence[str]) -> int:
    """How many cells look like known headers; the row with the highest score is the header row.

    Only clear headers count, so a data row that mentions « Société Générale » does not compete with the
    real header row.
    """
    return sum(1 for cell in cells if (best := best_field(cell)) and best[1] >= MIN_HEADER_SCORE)


def suggest_mapping(headers: Iterable[str]) -> dict[int, str]:
    """Column index → field name for the columns that are recognised; each field goes to one column at most.

    Pairs are taken best score first (ties: leftmost column, then the order of FIELDS), so « Raison sociale »
    takes ``name`` before a weaker « Nom » can, which then falls back to the contact's last name.
    """
    headers = list(headers)
    has_first_name = any("contact_first_name" in field_scores(header) for header in headers)
    field_order = {name: position for position, name in enumerate(FIELDS)}
    candidates = sorted(
        (
            (-score, column, field_order[field], field)
            for column, header in enumerate(headers)
            for field, score in field_scores(header, has_first_name=has_first_name).items()
        )
    )
    mapping: dict[int, str] = {}
    for _score, column, _order, field in candidates:
        if column not in mapping and field not in mapping.values():
            mapping[column] = field
    return dict(sorted(mapping.items()))


def required_fields() -> tuple[FieldSpec, ...]:
    return tuple(spec for spec in FIELDS.values() if spec.required)


def missing_required(mapping: dict[int, str]) -> tuple[FieldSpec, ...]:
    """Required fields that no column is mapped to."""
    mapped = set(mapping.values())
    return tuple(spec for spec in required_fields() if spec.name not in mapped)
