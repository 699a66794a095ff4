"""Word lists for normalising French organisation records. Folded forms: lower case, no accents.

These are the engine's own: linkage must stay usable on its own, and what counts as noise in a *name* (a legal
form, "société", "groupe") is a matching decision, not reference data.
"""

from __future__ import annotations

# Legal forms and the words that go with them, removed from names: "Dupont SARL" and "SARL Dupont" are one
# name. Dotted and spaced forms ("S.A.R.L.", "S A R L") are collapsed into these before the removal.
LEGAL_FORM_WORDS = frozenset(
    {
        "sa", "sas", "sasu", "sarl", "sarlu", "eurl", "snc", "scs", "sca", "sci", "scp", "scop", "scic", "sem",
        "spl", "gie", "gip", "sel", "selarl", "selas", "selafa", "ei", "eirl", "earl", "gaec", "scea",
        "association", "asso", "assoc", "loi", "1901", "cooperative", "ltd", "limited",
        "inc", "corp", "corporation", "llc", "plc", "gmbh", "ag", "bv", "nv", "srl", "spa", "sl", "co",
        "anonyme", "simplifiee", "actions", "responsabilite", "limitee", "unipersonnelle", "unipersonnel",
        "par", "a",
    }
)  # fmt: skip
# Generic words of company names: dropped from the compared name, kept for initials ("Compagnie Générale
# d'Électricité" → "CGE").
GENERIC_WORDS = frozenset(
    {"societe", "ste", "soc", "groupe", "group", "holding", "cie", "compagnie", "etablissements", "ets"}
)
# Words that carry no identity: articles, prepositions, "et" (from "&").
STOPWORDS = frozenset(
    {
        "et",
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "l",
        "d",
        "en",
        "au",
        "aux",
        "sur",
        "pour",
        "the",
        "and",
        "of",
    }
)
# Abbreviations people type for the common words of company names, mapped onto one form. Plural "s" is
# dropped separately, so "solutions" and "solution" meet without being listed.
NAME_ABBREVIATIONS = {
    "info": "informatique",
    "inform": "informatique",
    "informat": "informatique",
    "techno": "technologie",
    "technos": "technologie",
    "tech": "technologie",
    "techs": "technologie",
    "technologies": "technologie",
    "sol": "solution",
    "num": "numerique",
    "cons": "conseil",
    "dev": "developpement",
    "dvpt": "developpement",
    "devt": "developpement",
    "ing": "ingenierie",
    "serv": "service",
    "svc": "service",
    "syst": "systeme",
    "sys": "systeme",
    "telecoms": "telecom",
    "telecommunication": "telecom",
    "telecommunications": "telecom",
    "electron": "electronique",
    "elec": "electronique",
    "log": "logiciel",
    "labo": "laboratoire",
    "lab": "laboratoire",
    "gpe": "groupe",
    "grp": "groupe",
    "intl": "international",
    "inter": "international",
    "assoc": "association",
    "fr": "france",
}
STREET_ABBREVIATIONS = {
    "r": "rue",
    "av": "avenue",
    "ave": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "blvd": "boulevard",
    "boul": "boulevard",
    "bvd": "boulevard",
    "pl": "place",
    "ch": "chemin",
    "chem": "chemin",
    "rte": "route",
    "all": "allee",
    "imp": "impasse",
    "sq": "square",
    "qu": "quai",
    "fg": "faubourg",
    "fbg": "faubourg",
    "crs": "cours",
    "pass": "passage",
    "st": "saint",
    "ste": "sainte",
    "res": "residence",
    "resid": "residence",
    "bat": "batiment",
    "za": "zone",
    "zi": "zone",
    "zac": "zone",
}
CITY_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "fd": "ferrand", "s": "sur", "ss": "sous"}
# Mail domains shared by many unrelated people: equal domains there say nothing about the organisation.
WEBMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.fr", "yahoo.com", "ymail.com", "hotmail.fr", "hotmail.com",
        "outlook.fr", "outlook.com", "live.fr", "live.com", "msn.com", "icloud.com", "me.com", "mac.com",
        "aol.com", "aol.fr", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "neuf.fr", "club-internet.fr",
        "cegetel.net", "noos.fr", "numericable.fr", "bbox.fr", "laposte.net", "gmx.fr", "gmx.com", "gmx.net",
        "proton.me", "protonmail.com", "tutanota.com", "mailo.com", "netcourrier.com", "aliceadsl.fr",
        "voila.fr", "caramail.com", "yandex.com", "mail.com", "libertysurf.fr", "tiscali.fr", "9online.fr",
    }
)  # fmt: skip
# Hosts that are not an organisation's own site: a shared platform page says nothing about identity.
SHARED_WEBSITE_HOSTS = frozenset(
    {
        "facebook.com",
        "linkedin.com",
        "instagram.com",
        "twitter.com",
        "x.com",
        "google.com",
        "sites.google.com",
    }
)
