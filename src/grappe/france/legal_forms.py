"""Legal forms: INSEE "catégories juridiques" (niveau III, 4 digits) and the abbreviations people write.

The table keeps the forms met among the members and partners of business networks (companies,
co-operatives, liberal-profession companies, associations, foundations, public bodies), not the whole
nomenclature. Labels are INSEE's. Some abbreviations name no single code and are refused rather than
guessed: a SCOP or a SCIC can be a SARL, an SA or an SAS, and each has its own code.
"""

from __future__ import annotations

import re
from functools import cache

from .problems import Checked, _, empty, refused, remembered
from .text import clean_text, fold

LEGAL_FORMS: dict[str, str] = {
    "1000": "Entrepreneur individuel",
    "2110": "Indivision entre personnes physiques",
    "2310": "Société en participation entre personnes physiques",
    "3120": "Société commerciale étrangère immatriculée au RCS",
    "3205": "Organisation internationale",
    "3220": "Société étrangère non immatriculée au RCS",
    "4110": "Établissement public national à caractère industriel ou commercial doté d'un comptable public",
    "4120": "Établissement public national à caractère industriel ou commercial non doté d'un comptable public",
    "4140": "Établissement public local à caractère industriel ou commercial",
    "4150": "Régie d'une collectivité locale à caractère industriel ou commercial",
    "5191": "Société de caution mutuelle",
    "5192": "Société coopérative de banque populaire",
    "5196": "Caisse d'épargne et de prévoyance à forme coopérative",
    "5202": "Société en nom collectif",
    "5203": "Société en nom collectif coopérative",
    "5306": "Société en commandite simple",
    "5307": "Société en commandite simple coopérative",
    "5308": "Société en commandite par actions",
    "5309": "Société en commandite par actions coopérative",
    "5310": "Société en libre partenariat (SLP)",
    "5385": "Société d'exercice libéral en commandite par actions",
    "5410": "SARL nationale",
    "5415": "SARL d'économie mixte",
    "5443": "SARL coopérative de construction",
    "5451": "SARL coopérative de consommation",
    "5453": "SARL coopérative artisanale",
    "5455": "SARL coopérative de transport",
    "5458": "SARL coopérative ouvrière de production (SCOP)",
    "5459": "SARL union de sociétés coopératives",
    "5460": "Autre SARL coopérative",
    "5470": "Société de participations financières de profession libérale SARL (SPFPL SARL)",
    "5485": "Société d'exercice libéral à responsabilité limitée",
    "5498": "SARL unipersonnelle",
    "5499": "Société à responsabilité limitée (sans autre indication)",
    "5505": "SA à participation ouvrière à conseil d'administration",
    "5510": "SA nationale à conseil d'administration",
    "5515": "SA d'économie mixte à conseil d'administration",
    "5546": "SA de HLM à conseil d'administration",
    "5547": "SA coopérative de production de HLM à conseil d'administration",
    "5551": "SA coopérative de consommation à conseil d'administration",
    "5552": "SA coopérative de commerçants-détaillants à conseil d'administration",
    "5553": "SA coopérative artisanale à conseil d'administration",
    "5558": "SA coopérative ouvrière de production (SCOP) à conseil d'administration",
    "5559": "SA union de sociétés coopératives à conseil d'administration",
    "5560": "Autre SA coopérative à conseil d'administration",
    "5570": "Société de participations financières de profession libérale SA à conseil d'administration",
    "5585": "Société d'exercice libéral à forme anonyme à conseil d'administration",
    "5599": "SA à conseil d'administration (s.a.i.)",
    "5605": "SA à participation ouvrière à directoire",
    "5610": "SA nationale à directoire",
    "5615": "SA d'économie mixte à directoire",
    "5646": "SA de HLM à directoire",
    "5658": "SA coopérative ouvrière de production (SCOP) à directoire",
    "5659": "SA union de sociétés coopératives à directoire",
    "5660": "Autre SA coopérative à directoire",
    "5685": "Société d'exercice libéral à forme anonyme à directoire",
    "5699": "SA à directoire (s.a.i.)",
    "5710": "SAS, société par actions simplifiée",
    "5720": "Société par actions simplifiée à associé unique ou société par actions simplifiée unipersonnelle",
    "5770": "Société de participations financières de profession libérale SAS (SPFPL SAS)",
    "5785": "Société d'exercice libéral par action simplifiée",
    "5800": "Société européenne",
    "6100": "Caisse d'Épargne et de Prévoyance",
    "6210": "Groupement européen d'intérêt économique (GEIE)",
    "6220": "Groupement d'intérêt économique (GIE)",
    "6316": "Coopérative d'utilisation de matériel agricole en commun (CUMA)",
    "6317": "Société coopérative agricole",
    "6318": "Union de sociétés coopératives agricoles",
    "6411": "Société d'assurance à forme mutuelle",
    "6521": "Société civile de placement collectif immobilier (SCPI)",
    "6533": "Groupement agricole d'exploitation en commun (GAEC)",
    "6540": "Société civile immobilière",
    "6541": "Société civile immobilière de construction-vente",
    "6560": "Autre société civile coopérative",
    "6585": "Autre société civile professionnelle",
    "6589": "Société civile de moyens",
    "6597": "Société civile d'exploitation agricole",
    "6598": "Exploitation agricole à responsabilité limitée",
    "6599": "Autre société civile",
    "6901": "Autre personne de droit privé inscrite au registre du commerce et des sociétés",
    "7210": "Commune et commune nouvelle",
    "7220": "Département",
    "7229": "(Autre) Collectivité territoriale",
    "7230": "Région",
    "7343": "Communauté urbaine",
    "7344": "Métropole",
    "7346": "Communauté de communes",
    "7348": "Communauté d'agglomération",
    "7354": "Syndicat mixte fermé",
    "7355": "Syndicat mixte ouvert",
    "7361": "Centre communal d'action sociale",
    "7364": "Établissement d'hospitalisation",
    "7379": "(Autre) Établissement public administratif local",
    "7381": "Organisme consulaire",
    "7383": "Établissement public national à caractère scientifique culturel et professionnel",
    "7384": "Autre établissement public national d'enseignement",
    "7389": "Établissement public national à caractère administratif",
    "7410": "Groupement d'intérêt public (GIP)",
    "7490": "Autre personne morale de droit administratif",
    "8210": "Mutuelle",
    "8410": "Syndicat de salariés",
    "8420": "Syndicat patronal",
    "8450": "Ordre professionnel ou assimilé",
    "8470": "Centre technique industriel ou comité professionnel du développement économique",
    "8490": "Autre organisme professionnel",
    "9110": "Syndicat de copropriété",
    "9150": "Association syndicale libre",
    "9210": "Association non déclarée",
    "9220": "Association déclarée",
    "9221": "Association déclarée d'insertion par l'économique",
    "9222": "Association intermédiaire",
    "9223": "Groupement d'employeurs",
    "9230": "Association déclarée, reconnue d'utilité publique",
    "9240": "Congrégation",
    "9260": "Association de droit local (Bas-Rhin, Haut-Rhin et Moselle)",
    "9300": "Fondation",
    "9900": "Autre personne morale de droit privé",
}

# What people write for a form, beside INSEE's label. Abbreviations (short, upper case in the source) are
# also looked for inside company names by ``legal_form_in_name``.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "1000": (
        "EI",
        "EIRL",
        "Entreprise individuelle",
        "Auto-entrepreneur",
        "Micro-entrepreneur",
        "Micro-entreprise",
        "Entrepreneur individuel",
    ),
    "5202": ("SNC",),
    "5306": ("SCS",),
    "5308": ("SCA",),
    "5385": ("SELCA",),
    "5458": (
        "SCOP SARL",
        "SARL SCOP",
        "SARL coopérative ouvrière de production",
        "SARL coopérative et participative",
    ),
    "5460": ("SCIC SARL", "SARL SCIC", "SARL coopérative"),
    "5485": ("SELARL", "Société d'exercice libéral à responsabilité limitée"),
    "5498": (
        "EURL",
        "SARLU",
        "SARL unipersonnelle",
        "SARL à associé unique",
        "Entreprise unipersonnelle à responsabilité limitée",
    ),
    "5499": ("SARL", "Société à responsabilité limitée"),
    "5515": ("SAEM", "SEM", "Société d'économie mixte"),
    "5558": ("SCOP SA", "SA SCOP"),
    "5560": ("SCIC SA", "SA SCIC", "SA coopérative"),
    "5585": ("SELAFA",),
    "5599": ("SA", "Société anonyme", "SA à conseil d'administration"),
    "5699": ("SA à directoire", "Société anonyme à directoire"),
    "5710": ("SAS", "Société par actions simplifiée", "SCOP SAS", "SAS SCOP", "SCIC SAS", "SAS SCIC"),
    "5720": (
        "SASU",
        "SAS unipersonnelle",
        "SAS à associé unique",
        "Société par actions simplifiée unipersonnelle",
    ),
    "5770": ("SPFPL SAS",),
    "5785": ("SELAS", "SELASU", "Société d'exercice libéral par actions simplifiée"),
    "5800": ("SE", "Societas Europaea"),
    "6210": ("GEIE",),
    "6220": ("GIE", "Groupement d'intérêt économique"),
    "6316": ("CUMA",),
    "6521": ("SCPI",),
    "6533": ("GAEC",),
    "6540": ("SCI",),
    "6585": ("SCP", "Société civile professionnelle"),
    "6589": ("SCM",),
    "6597": ("SCEA",),
    "6598": ("EARL",),
    "6599": ("SC", "Société civile"),
    "7344": ("Métropole",),
    "7346": ("Communauté de communes",),
    "7348": ("Communauté d'agglomération",),
    "7381": (
        "CCI",
        "Chambre de commerce et d'industrie",
        "CMA",
        "Chambre de métiers et de l'artisanat",
        "Chambre d'agriculture",
    ),
    "7383": ("EPSCP", "Université"),
    "7410": ("GIP", "Groupement d'intérêt public"),
    "9220": ("Association", "Association loi 1901", "Association loi de 1901", "Asso", "Association 1901"),
    "9230": ("ARUP", "Association reconnue d'utilité publique"),
    "9260": ("Association de droit local", "Association loi 1908", "Association inscrite"),
    "9300": ("Fondation",),
}

# Names that point at several codes: refused with a message listing the precise forms.
AMBIGUOUS: dict[str, str] = {
    "scop": "SCOP SARL (5458), SCOP SA (5558) ou SCOP SAS (5710)",
    "scic": "SCIC SARL (5460), SCIC SA (5560) ou SCIC SAS (5710)",
    "epic": "EPIC national (4110 ou 4120) ou local (4140)",
    "cooperative": "SARL (5460), SA (5560) ou SAS (5710) coopérative",
}

# Words that carry no legal meaning in "SAS au capital de 10 000 €", "Association (loi 1901) n° W…".
_CAPITAL = re.compile(r"\bau capital\b.*$")


def _key(text: str) -> str:
    """Fold, then glue dotted initials back together ("S.A.S." → "sas", "S. A. R. L." → "sarl")."""
    folded = _CAPITAL.sub("", fold(text)).strip()
    return _join_initials(folded.split())


def _join_initials(words: list[str]) -> str:
    joined: list[str] = []
    run = ""
    for word in words:
        if len(word) == 1 and word.isalpha():
            run += word
            continue
        if run:
            joined.append(run)
            run = ""
        joined.append(word)
    if run:
        joined.append(run)
    return " ".join(joined)


@cache
def _by_key() -> dict[str, str]:
    table = {_key(label): code for code, label in LEGAL_FORMS.items()}
    for code, names in ABBREVIATIONS.items():
        for name in names:
            table[_key(name)] = code
    return table


def _is_abbreviation(name: str) -> bool:
    return name.replace(" ", "").isupper()


@cache
def _name_abbreviations() -> dict[tuple[str, ...], str]:
    """Abbreviations as word sequences, for finding them inside names; "association" too, being common."""
    table = {
        tuple(_key(name).split()): code
        for code, names in ABBREVIATIONS.items()
        for name in names
        if _is_abbreviation(name) and name not in ("SE", "SC", "EI")  # too short to trust inside a name
    }
    table[("association",)] = "9220"
    return table


@remembered
def check_legal_form(raw: str | None) -> Checked[str]:
    """An INSEE legal-form code from a code ("5710"), an abbreviation ("S.A.S.") or a label."""
    text = clean_text(raw)
    if not text:
        return empty()
    digits = text.replace(" ", "")
    if digits.isdigit():
        return _check_code(text, digits)
    key = _key(text)
    code = _by_key().get(key)
    if code:
        return Checked(code)
    if key in AMBIGUOUS:
        return refused(
            "legal_form.ambiguous",
            _("Forme juridique « %(value)s » imprécise : précisez %(choices)s."),
            value=text[:60],
            choices=AMBIGUOUS[key],
        )
    return refused(
        "legal_form.unknown",
        _(
            "Forme juridique « %(value)s » non reconnue : le code INSEE à 4 chiffres (5710 pour une SAS) ou "
            "une abréviation courante (SAS, SASU, SARL, EURL, SA, SCOP SARL, association…) est attendu."
        ),
        value=text[:60],
    )


def _check_code(text: str, digits: str) -> Checked[str]:
    if digits in LEGAL_FORMS:
        return Checked(digits)
    if len(digits) == 4 and digits[0] in "123456789":
        return refused(
            "legal_form.unknown_code",
            _(
                "Code de forme juridique « %(value)s » absent de la table de Grappe : vérifiez-le dans la "
                "nomenclature INSEE des catégories juridiques ou indiquez une abréviation (SAS, SARL…)."
            ),
            value=text,
        )
    return refused(
        "legal_form.format",
        _(
            "Code de forme juridique « %(value)s » invalide : 4 chiffres attendus (par exemple 5710 pour une SAS)."
        ),
        value=text[:60],
    )


@remembered
def legal_form_in_name(name: str) -> str | None:
    """The legal-form code written at the start or the end of a company name ("ACME SAS" → "5710")."""
    found = _find_in_name(_key(name).split())
    return found[0] if found else None


def strip_legal_form(name: str) -> str:
    """The folded name without its legal form, for comparisons ("SARL Dupont & Fils" → "dupont fils")."""
    words = _key(name).split()
    found = _find_in_name(words)
    if not found:
        return " ".join(words)
    _code, start, end = found
    return " ".join(words[:start] + words[end:])


def _find_in_name(words: list[str]) -> tuple[str, int, int] | None:
    """(code, start, end) of the longest abbreviation at either end of the name; never the whole name."""
    table = _name_abbreviations()
    for size in (4, 3, 2, 1):
        if size >= len(words):
            continue
        head, tail = tuple(words[:size]), tuple(words[-size:])
        if head in table:
            return table[head], 0, size
        if tail in table:
            return table[tail], len(words) - size, len(words)
    return None
