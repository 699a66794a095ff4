"""Made-up names: companies built from coined words and digital-sector vocabulary, people from common names.

Nothing here names a real person or a real company on purpose. Company names always carry a coined word, an
acronym or a common surname drawn at random, so a generated name is a new combination; people are a common
French given name and a common surname paired at random (the lists are the kind printed in every "most
frequent names" table, not anyone's identity).
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

GIVEN_NAMES = (
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Christine", "Sophie", "Julie", "Sandrine",
    "Céline", "Aurélie", "Camille", "Laura", "Émilie", "Claire", "Anne", "Valérie", "Élodie", "Pauline",
    "Léa", "Manon", "Chloé", "Sarah", "Lucie", "Caroline", "Audrey", "Mélanie", "Hélène", "Agnès", "Inès",
    "Nadia", "Yasmine", "Charlotte", "Margaux", "Justine", "Jean", "Pierre", "Michel", "Philippe", "Alain",
    "Nicolas", "Christophe", "Stéphane", "Laurent", "Sébastien", "Julien", "David", "Thomas", "Frédéric",
    "Olivier", "Éric", "Patrick", "Vincent", "Antoine", "Maxime", "Alexandre", "Guillaume", "Romain",
    "Mathieu", "Benoît", "François", "Hugo", "Lucas", "Karim", "Mehdi", "Sofiane", "Jérôme", "Cédric",
    "Damien", "Arnaud", "Yann", "Bruno", "Fabrice", "Loïc", "Quentin", "Florian", "Bastien", "Adrien",
)  # fmt: skip

SURNAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Faure", "André", "Mercier",
    "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin",
    "Clément", "Morin", "Henry", "Roussel", "Mathieu", "Masson", "Marchand", "Duval", "Denis", "Dumont",
    "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard", "Giraud", "Joly", "Rivière",
    "Brunet", "Gaillard", "Barbier", "Arnaud", "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy",
    "Colin", "Vidal", "Caron", "Picard", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix",
    "Bourgeois", "Rey", "Leclerc", "Rolland", "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez",
    "Dupuis", "Moulin", "Deschamps", "Huet", "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet",
    "Poirier", "Marty", "Aubry", "Guyot", "Carré", "Charpentier", "Ménard", "Maillard", "Baron", "Bertin",
    "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet", "Léger", "Bouvier", "Prévost",
    "Millet", "Perrot", "Cousin", "Germain", "Breton", "Besson", "Langlois", "Pelletier", "Perrier",
    "Leblanc", "Lebrun", "Weber", "Mallet", "Hamon", "Jacob", "Monnier", "Michaud", "Guichard", "Gillet",
    "Chauvin", "Bouchet", "Humbert", "Reynaud", "Perret", "Cordier", "Pichon", "Lejeune", "Lamy",
    "Delaunay", "Pasquier", "Laporte", "Chabert", "Vial", "Mounier", "Bonnard", "Fayolle", "Chapuis",
)  # fmt: skip

JOB_TITLES = (
    ("Gérant", 18), ("Gérante", 8), ("Président", 14), ("Présidente", 5), ("Directeur général", 8),
    ("Directrice générale", 3), ("Directeur technique", 6), ("CTO", 3), ("Responsable commercial", 5),
    ("Chargée de communication", 4), ("Responsable marketing", 4), ("Assistante de direction", 5),
    ("Responsable administratif et financier", 3), ("Chef de projet", 4), ("Fondateur", 4),
    ("Co-fondatrice", 2), ("Responsable RH", 2), ("Business developer", 2),
)  # fmt: skip

# Coined words are syllable chains: pronounceable, brand-like, and new.
_ONSETS = (
    "no", "va", "ly", "ka", "ri", "zen", "tel", "sy", "ne", "o", "pti", "mi", "ra", "lu", "vi", "xo", "qua",
    "dri", "to", "phy", "ko", "ma", "li", "sa", "te", "bi", "lo", "ga", "vo", "e", "a", "ar", "ca", "dé",
    "fi", "gé", "ju", "kré", "mo", "nu", "pa", "sé", "tri", "vé", "zo", "ha", "py", "cy", "or", "al",
)  # fmt: skip
_ENDINGS = (
    "lys", "ris", "tia", "nix", "déo", "ron", "réa", "max", "lium", "pal", "net", "line", "lome", "tor",
    "via", "sio", "ty", "go", "ka", "lo", "xa", "ris", "tec", "mind", "base", "nova", "sens", "lab", "nov",
    "vox", "tem", "cia", "gram", "dis", "pix", "ens", "ix", "is", "on", "ia", "um",
)  # fmt: skip

SECTOR_WORDS = (
    "Numérique", "Data", "Logiciels", "Web", "Cloud", "Conseil", "Solutions", "Digital", "Informatique",
    "Systèmes", "Réseaux", "Technologies", "Software", "Studio", "Labs", "Services", "Ingénierie",
    "Développement", "Multimédia", "Télécom", "Sécurité", "IT", "Interactive", "Design", "Innovation",
    "Robotique", "Électronique", "Formation", "Consulting", "Applications", "Média", "Création",
)  # fmt: skip
_PREFIX_WORDS = ("Groupe", "Cabinet", "Atelier", "Agence", "Studio", "Bureau d'études", "Laboratoire")


@dataclass(frozen=True)
class LegalForm:
    """A legal form as written after a name, its INSEE code, and the variants real exports use."""

    short: str
    code: str
    label: str
    variants: tuple[str, ...]


LEGAL_FORMS = (
    LegalForm("SAS", "5710", "Société par actions simplifiée", ("S.A.S.", "S.A.S", "Sas", "SAS.")),
    LegalForm("SARL", "5499", "Société à responsabilité limitée", ("S.A.R.L.", "Sarl", "S.A.R.L")),
    LegalForm("SASU", "5720", "Société par actions simplifiée à associé unique", ("S.A.S.U.", "Sasu")),
    LegalForm("EURL", "5498", "SARL unipersonnelle", ("E.U.R.L.", "Eurl", "SARL unipersonnelle")),
    LegalForm("SA", "5599", "SA à conseil d'administration", ("S.A.", "Société anonyme")),
    LegalForm("SCOP", "5458", "SARL coopérative ouvrière de production", ("Scop", "SCOP SARL", "S.C.O.P.")),
)
_LEGAL_FORM_WEIGHTS = (36, 25, 18, 10, 8, 3)
LEGAL_FORM_BY_SHORT = {form.short: form for form in LEGAL_FORMS}


def person_name(rng: random.Random) -> tuple[str, str]:
    """(given name, surname), paired at random."""
    return rng.choice(GIVEN_NAMES), rng.choice(SURNAMES)


def job_title(rng: random.Random) -> str:
    titles, weights = zip(*JOB_TITLES, strict=True)
    return rng.choices(titles, weights=weights)[0]


def legal_form(rng: random.Random, *, large: bool = False) -> LegalForm:
    if large:
        return rng.choice((LEGAL_FORM_BY_SHORT["SA"], LEGAL_FORM_BY_SHORT["SAS"]))
    return rng.choices(LEGAL_FORMS, weights=_LEGAL_FORM_WEIGHTS)[0]


def coined_word(rng: random.Random) -> str:
    parts = [rng.choice(_ONSETS) for _ in range(rng.choice((1, 1, 2)))]
    word = "".join(parts) + rng.choice(_ENDINGS)
    return word[0].upper() + word[1:]


def acronym(rng: random.Random) -> str:
    letters = "ABCDEFGHIJKLMNOPRSTVX"
    size = rng.choice((2, 3, 3, 3, 4))
    text = "".join(rng.choice(letters) for _ in range(size))
    # A digit inside an acronym ("K2M", "3D") is common in the sector.
    if rng.random() < 0.15:
        position = rng.randrange(1, size)
        text = text[:position] + str(rng.randint(2, 9)) + text[position + 1 :]
    return text


def company_base_name(rng: random.Random) -> str:
    """The name without its legal form, in one of the shapes real registries show."""
    shape = rng.random()
    if shape < 0.32:
        return f"{coined_word(rng)} {rng.choice(SECTOR_WORDS)}"
    if shape < 0.52:
        return coined_word(rng)
    if shape < 0.67:
        return f"{acronym(rng)} {rng.choice(SECTOR_WORDS)}"
    if shape < 0.77:
        return f"{rng.choice(SURNAMES)} {rng.choice(SECTOR_WORDS)}"
    if shape < 0.84:
        return f"{rng.choice(SURNAMES)} & {rng.choice(SURNAMES)}"
    if shape < 0.92:
        return f"{rng.choice(_PREFIX_WORDS)} {coined_word(rng)}"
    return f"{rng.choice(SECTOR_WORDS)} {coined_word(rng)}"


def slug(text: str) -> str:
    """ASCII lower-case letters and digits only: the part of a name that fits in a domain or an e-mail."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "", ascii_text)


def email_local(given: str, surname: str, rng: random.Random) -> str:
    """How French firms spell a person's mailbox: prenom.nom most, then p.nom, pnom, prenom."""
    first, last = slug(given), slug(surname)
    shape = rng.random()
    if shape < 0.6:
        return f"{first}.{last}"
    if shape < 0.75:
        return f"{first[0]}.{last}"
    if shape < 0.88:
        return f"{first[0]}{last}"
    return first
