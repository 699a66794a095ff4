"""Word lists for normalising French organisation records. Folded forms: lower case, no accents.

These are the engine's own: linkage must stay usable on its own, and what counts as noise in a *name* (a legal
form, "société", "groupe") is a matching decision, not reference data.
"""

from __future__ import annotations

# Legal forms, removed from names wherever they stand: "Dupont SARL" and "SARL Dupont" are one name. Dotted
# and spaced forms ("S.A.R.L.", "S A R L") are collapsed into these before the removal. Only words that are a
# legal form on their own: the words of a spelled-out form that are also ordinary words ("actions",
# "anonyme", "limitée", "coopérative", "loi"…) are removed with their phrase (LEGAL_FORM_PHRASES), so that
# "Action Conseil" or "La Coopérative Numérique" keep their names.
LEGAL_FORM_WORDS = frozenset(
    {
        "sa", "sas", "sasu", "sarl", "sarlu", "eurl", "snc", "scs", "sca", "sci", "scp", "scop", "scic", "sem",
        "spl", "gie", "gip", "sel", "selarl", "selas", "selafa", "ei", "eirl", "earl", "gaec", "scea",
        "association", "asso", "assoc", "ltd", "limited",
        "inc", "corp", "corporation", "llc", "plc", "gmbh", "ag", "bv", "nv", "srl", "spa", "sl", "co",
        # Foreign legal forms: members' subsidiaries abroad, and any registry of foreign companies. Codes that
        # are also plausible French initials (AB, AS, SE…) are in TRAILING_LEGAL_FORM_WORDS instead.
        "incorporated", "ltda", "lda", "llp", "pty", "pte", "bhd", "sdn", "pvt", "pjsc", "ojsc",
        "mbh", "kgaa", "ohg", "gbr", "bvba", "sprl", "scrl", "cvba", "asbl", "vzw", "slu", "sau",
        "sro", "spzoo", "kft", "zrt", "nyrt", "doo", "ooo", "zao", "oao", "aps", "asa", "oyj", "publ",
        # … and spelled out: "naamloze vennootschap" is N.V., "Aktiengesellschaft" AG, "Kabushiki Kaisha" K.K.
        "naamloze", "naamlooze", "besloten", "vennootschap", "aktiengesellschaft", "gesellschaft",
        "beschrankter", "beschraenkter", "haftung", "aktiebolag", "aktiebolaget", "aktieselskab",
        "aksjeselskap", "osakeyhtio", "kabushiki", "kaisha", "kaisya", "societa", "azioni", "sociedad",
        "anonima", "anonim", "sirketi", "limitada", "limitata", "responsabilita",
    }
)  # fmt: skip
# Spelled-out French legal forms, removed as whole phrases (folded words, elisions dropped as the names are:
# "d'intérêt" is "interet", "d interet" typed without the apostrophe is accepted too). Each word may take or
# lose a plural "s"; "societe" stands for its abbreviations ("Sté", "Soc.") as well. Longest first, so that
# "société par actions simplifiée unipersonnelle" goes as one.
LEGAL_FORM_PHRASES = (
    "societe par actions simplifiee unipersonnelle",
    "societe par actions simplifiee a associe unique",
    "societe par actions simplifiee",
    "societe en commandite par actions",
    "societe par actions",
    "par actions simplifiee",
    "societe anonyme a conseil d administration",
    "societe anonyme a directoire",
    "societe anonyme",
    "entreprise unipersonnelle a responsabilite limitee",
    "entreprise individuelle a responsabilite limitee",
    "societe a responsabilite limitee unipersonnelle",
    "societe a responsabilite limitee",
    "a responsabilite limitee",
    "sarl unipersonnelle",
    "sas unipersonnelle",
    "societe cooperative ouvriere de production",
    "societe cooperative d interet collectif",
    "societe cooperative",
    "cooperative ouvriere de production",
    "association loi de 1901",
    "association loi 1901",
    "loi du 1er juillet 1901",
    "loi de 1901",
    "loi 1901",
)
# Legal-form codes that are also initials a French company may bear ("AB Conseil"): dropped only as the last
# word of a longer name, where a legal form is written ("Volvo AB", "Nokia Oy", "BASF SE", "Müller KG").
TRAILING_LEGAL_FORM_WORDS = frozenset({"ab", "as", "oy", "kk", "se", "kg", "ug", "lp"})
# Generic words of company names: dropped from the compared name, kept for initials ("Compagnie Générale
# d'Électricité" → "CGE").
# "Koninklijke" (royal) is the Dutch crown's predicate, worn or dropped at will: "Koninklijke Philips" is Philips.
GENERIC_WORDS = frozenset(
    {
        "societe", "ste", "soc", "groupe", "group", "holding", "cie", "compagnie", "company",
        "etablissements", "ets", "koninklijke",
    }
)  # fmt: skip
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
        "par",
        "a",  # "à", folded
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
    "koninkl": "koninklijke",
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

# Country names as exports write them (folded, punctuation as spaces) → ISO 3166 alpha-2. Codes themselves
# pass as they are; a value neither a code nor listed here is unknown, and the record keeps the default.
COUNTRY_NAMES = {
    "france": "FR", "fra": "FR", "suisse": "CH", "switzerland": "CH", "schweiz": "CH", "svizzera": "CH",
    "che": "CH", "belgique": "BE", "belgium": "BE", "belgie": "BE", "bel": "BE", "italie": "IT",
    "italy": "IT", "italia": "IT", "ita": "IT", "allemagne": "DE", "germany": "DE", "deutschland": "DE",
    "deu": "DE", "espagne": "ES", "spain": "ES", "espana": "ES", "esp": "ES", "luxembourg": "LU",
    "lux": "LU", "monaco": "MC", "royaume uni": "GB", "united kingdom": "GB", "uk": "GB", "angleterre": "GB",
    "pays bas": "NL", "netherlands": "NL", "nederland": "NL", "etats unis": "US", "usa": "US",
    "united states": "US", "united states of america": "US", "canada": "CA", "portugal": "PT",
    "autriche": "AT", "austria": "AT",
}  # fmt: skip
