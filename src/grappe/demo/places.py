"""Real communes and postcodes to place made-up companies in, weighted by population.

Companies cluster where people live: a digital firm of the Loire is far more likely in Saint-Étienne than in a
village of 200 souls, and Lyon's firms sit in its arrondissements (each with its own postcode), not in the
"commune" Lyon as a whole. So the picker draws among communes (and municipal arrondissements instead of their
parent city) with a weight that grows with population, and each pick returns one of the commune's real
postcodes.

The reference data is ``grappe.france.geo`` (INSEE COG with La Poste postcodes), loaded once and cached.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from grappe.france import geo


@dataclass(frozen=True)
class Place:
    """A commune where a company can be: INSEE code, name, département and its real postcodes."""

    code: str
    name: str
    departement: str
    postcodes: tuple[str, ...]
    population: int


@cache
def _all_places() -> tuple[Place, ...]:
    """Every populated commune and municipal arrondissement, the parent cities of arrondissements left out."""
    every = geo.communes()
    # Lyon, Paris and Marseille are drawn through their arrondissements (each has its own postcode).
    parents = {commune.parent for commune in every if commune.kind == geo.KIND_ARRONDISSEMENT}
    return tuple(
        Place(commune.code, commune.name, commune.departement, commune.postcodes, commune.population)
        for commune in every
        if commune.code not in parents and commune.postcodes and (commune.population or 0) > 0
    )


@cache
def departement_regions() -> dict[str, str]:
    """Département code → région code."""
    return {departement.code: departement.region for departement in geo.departements()}


_CONCENTRATION = 1.25


class PlacePicker:
    """Draws places of a set of départements with probability growing with population."""

    def __init__(self, places: Sequence[Place]) -> None:
        if not places:
            raise ValueError("no commune to draw from")
        self.places = tuple(places)
        # Digital firms gather in cities even more than people do (agglomeration effects), so the weight grows
        # a little faster than the population. Cumulative weights make a draw one bisect.
        self._cumulative = list(
            itertools.accumulate(place.population**_CONCENTRATION for place in self.places)
        )
        self._total = self._cumulative[-1]

    def pick(self, rng: random.Random) -> Place:
        return self.places[bisect.bisect_right(self._cumulative, rng.random() * self._total)]

    def pick_other(self, rng: random.Random, avoid: Place) -> Place:
        """A different commune of the same set: where a company was before it moved."""
        if len(self.places) == 1:
            return avoid
        while True:
            place = self.pick(rng)
            if place.code != avoid.code:
                return place


_ARRONDISSEMENT = re.compile(r"^(?P<city>.+?) (?P<number>\d+)(?:e|er) Arrondissement$")


def postal_city(name: str) -> str:
    """The city as an address shows it: "Lyon" for "Lyon 3e Arrondissement" (the postcode says which)."""
    match = _ARRONDISSEMENT.match(name)
    return match["city"] if match else name


def arrondissement_number(name: str) -> int | None:
    match = _ARRONDISSEMENT.match(name)
    return int(match["number"]) if match else None


@cache
def _places_by_departement() -> dict[str, list[Place]]:
    grouped: dict[str, list[Place]] = {}
    for place in _all_places():
        grouped.setdefault(place.departement, []).append(place)
    return grouped


@cache
def picker_for(departements: tuple[str, ...]) -> PlacePicker:
    grouped = _places_by_departement()
    return PlacePicker([place for code in departements for place in grouped.get(code, ())])


@cache
def national_picker() -> PlacePicker:
    return PlacePicker(_all_places())


# Street names are generic nouns, never people: a made-up company must not sit at a made-up person's address.
_STREET_TYPES = (
    ("rue", 50),
    ("avenue", 14),
    ("boulevard", 7),
    ("chemin", 6),
    ("allée", 5),
    ("place", 4),
    ("impasse", 4),
    ("route", 5),
    ("quai", 2),
    ("cours", 3),
)
_STREET_NAMES = (
    "de la République",
    "de la Gare",
    "du Moulin",
    "des Acacias",
    "des Tilleuls",
    "de la Liberté",
    "du Commerce",
    "de l'Industrie",
    "des Écoles",
    "de la Paix",
    "du Stade",
    "des Érables",
    "du Château",
    "de la Fontaine",
    "des Lilas",
    "du Marché",
    "de l'Église",
    "des Peupliers",
    "du Port",
    "des Cerisiers",
    "de la Mairie",
    "des Vignes",
    "du Parc",
    "des Platanes",
    "de l'Europe",
    "des Jardins",
    "de la Source",
    "du Lavoir",
    "des Artisans",
    "de l'Innovation",
    "des Sciences",
    "de la Soie",
    "des Rubans",
    "du Canal",
    "des Alpes",
    "du Rhône",
    "des Volcans",
    "de la Loire",
    "des Forges",
    "des Mines",
    "du Plateau",
    "de la Croix",
    "des Chênes",
    "des Prés",
    "du Verger",
    "de la Poste",
    "des Cèdres",
    "du Lycée",
    "de l'Arsenal",
    "des Tanneurs",
)
_BUSINESS_PARKS = (
    "ZA des Plaines",
    "ZI du Marais",
    "Parc technologique des Sources",
    "ZAC du Clos",
    "Espace entreprises du Val",
    "Pôle numérique des Rives",
    "Zone artisanale des Combes",
)
_STREET_TYPE_NAMES = tuple(name for name, _ in _STREET_TYPES)
_STREET_TYPE_WEIGHTS = tuple(itertools.accumulate(weight for _, weight in _STREET_TYPES))


def street_address(rng: random.Random) -> str:
    """A plausible French street line: number (sometimes bis/ter), street type and a generic name."""
    if rng.random() < 0.08:
        street_type = rng.choice(_STREET_TYPE_NAMES[:3])
        return (
            f"{rng.choice(_BUSINESS_PARKS)}, {rng.randint(1, 40)} {street_type} {rng.choice(_STREET_NAMES)}"
        )
    number = rng.randint(1, 180) if rng.random() < 0.8 else rng.randint(181, 480)
    suffix = " bis" if rng.random() < 0.04 else (" ter" if rng.random() < 0.01 else "")
    street_type = rng.choices(_STREET_TYPE_NAMES, cum_weights=_STREET_TYPE_WEIGHTS)[0]
    return f"{number}{suffix} {street_type} {rng.choice(_STREET_NAMES)}"
