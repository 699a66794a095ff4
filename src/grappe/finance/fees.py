"""Fee computation: what a member owes for a year under the fee schedule its association's AGO voted.

Pure (no Django, no I/O) so that the rule is one function the schedule page, the dues generator, the CLI and
the tests all call. Amounts are integers of cents: a fee is split into months and percentages, and rounding
each step once, to the cent, half up, is what lets the lines of a due add up exactly to its total.

The order of the steps is the schedule's promise to members and is fixed here:
1. the base fee: a flat rate for the member's category, or, for companies, the bracket its INSEE headcount
   code (or its turnover) falls in;
2. pro-rata by joining month, in the joining year only: a member joining in month m pays (13 - m) twelfths;
3. the first-year discount, in the joining year only, on what step 2 left, applied once.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from grappe.france.headcount import HEADCOUNT_BRACKETS
from grappe.france.problems import _

# The fee categories of ``registry.MembershipType.FeeCategory`` (kept as plain strings: no Django here).
COMPANY = "company"
HONORARY = "honorary"
FLAT_CATEGORIES = ("startup", "education_research", "public_body", "association", "individual")
CATEGORIES = (COMPANY, *FLAT_CATEGORIES, HONORARY)

BY_HEADCOUNT = "headcount"
BY_TURNOVER = "turnover"

# INSEE codes in the order of the headcounts they stand for ("NN", a non-employing unit, first).
_CODE_ORDER = {code: index for index, code in enumerate(HEADCOUNT_BRACKETS)}


class FeeError(ValueError):
    """A schedule or a member the rule cannot price: ``message`` is a French template, ``params`` fills it."""

    def __init__(self, code: str, message: str, /, **params: object) -> None:
        self.code = code
        self.message = message
        self.params = {name: str(value) for name, value in params.items()}
        super().__init__(message % self.params)

    def render(self, translate: Callable[[str], str] = str) -> str:
        return translate(self.message) % self.params


@dataclass(frozen=True)
class HeadcountTier:
    """Companies whose INSEE headcount code lies between ``low`` and ``high`` (inclusive) pay ``cents``."""

    low: str
    high: str
    cents: int

    def holds(self, code: str) -> bool:
        return _CODE_ORDER[self.low] <= _CODE_ORDER[code] <= _CODE_ORDER[self.high]


@dataclass(frozen=True)
class TurnoverTier:
    """Companies whose turnover is at most ``up_to_cents`` (no bound: ``None``) pay ``cents``."""

    up_to_cents: int | None
    cents: int


@dataclass(frozen=True)
class FeeRules:
    """One year's fee schedule as data. Build it with :func:`check_rules`, which refuses an inconsistent one."""

    basis: str = BY_HEADCOUNT
    headcount_tiers: tuple[HeadcountTier, ...] = ()
    turnover_tiers: tuple[TurnoverTier, ...] = ()
    flat_cents: Mapping[str, int] = field(default_factory=dict)
    first_year_discount_percent: int = 0
    prorata_by_month: bool = True


@dataclass(frozen=True)
class Member:
    """What the rule needs to know of a member. ``joined_on`` None: a member from before records began."""

    name: str
    category: str
    headcount_code: str = ""
    turnover_cents: int | None = None
    joined_on: datetime.date | None = None


@dataclass(frozen=True)
class Fee:
    """A fee and how it was reached: ``base - prorata - discount == total``, each non-negative."""

    base_cents: int
    prorata_cents: int
    discount_cents: int
    months: int  # the twelfths owed (12: the full year)

    @property
    def total_cents(self) -> int:
        return self.base_cents - self.prorata_cents - self.discount_cents


def check_rules(rules: FeeRules) -> FeeRules:
    """``rules`` unchanged, or ``FeeError`` naming the first inconsistency (a schedule is refused whole)."""
    if rules.basis not in (BY_HEADCOUNT, BY_TURNOVER):
        raise FeeError("fees.basis", _("Base de calcul inconnue : « %(basis)s »."), basis=rules.basis)
    if not 0 <= rules.first_year_discount_percent <= 100:
        raise FeeError(
            "fees.discount",
            _("La remise de première année doit être comprise entre 0 et 100 %%, pas %(percent)s %%."),
            percent=rules.first_year_discount_percent,
        )
    for category, cents in rules.flat_cents.items():
        if category not in FLAT_CATEGORIES:
            raise FeeError(
                "fees.category", _("Catégorie sans forfait : « %(category)s »."), category=category
            )
        _check_cents(cents)
    if rules.basis == BY_HEADCOUNT:
        _check_headcount_tiers(rules.headcount_tiers)
    else:
        _check_turnover_tiers(rules.turnover_tiers)
    return rules


def _check_cents(cents: int) -> None:
    if cents < 0:
        raise FeeError(
            "fees.negative",
            _("Un montant de cotisation ne peut pas être négatif (%(amount)s)."),
            amount=format_cents(cents),
        )


def _check_headcount_tiers(tiers: tuple[HeadcountTier, ...]) -> None:
    taken: dict[str, HeadcountTier] = {}
    for tier in tiers:
        for code in (tier.low, tier.high):
            if code not in _CODE_ORDER:
                raise FeeError(
                    "fees.headcount_code",
                    _("Code de tranche d'effectif INSEE inconnu : « %(code)s »."),
                    code=code,
                )
        if _CODE_ORDER[tier.low] > _CODE_ORDER[tier.high]:
            raise FeeError(
                "fees.tier_order",
                _("Tranche « %(low)s » à « %(high)s » : les bornes sont inversées."),
                low=tier.low,
                high=tier.high,
            )
        _check_cents(tier.cents)
        for code in HEADCOUNT_BRACKETS:
            if tier.holds(code):
                if code in taken:
                    raise FeeError(
                        "fees.tier_overlap",
                        _("La tranche d'effectif « %(code)s » figure dans deux barèmes."),
                        code=code,
                    )
                taken[code] = tier


def _check_turnover_tiers(tiers: tuple[TurnoverTier, ...]) -> None:
    if not tiers:
        raise FeeError("fees.no_tier", _("Un barème au chiffre d'affaires a besoin d'au moins une tranche."))
    bounds = [tier.up_to_cents for tier in tiers]
    if bounds[-1] is not None or None in bounds[:-1]:
        raise FeeError(
            "fees.open_tier", _("Seule la dernière tranche de chiffre d'affaires est sans plafond.")
        )
    finite = [bound for bound in bounds if bound is not None]
    if finite != sorted(set(finite)) or any(bound < 0 for bound in finite):
        raise FeeError("fees.tier_order", _("Les plafonds de chiffre d'affaires doivent être croissants."))
    for tier in tiers:
        _check_cents(tier.cents)


def base_fee(rules: FeeRules, member: Member) -> int:
    """The full-year fee of ``member``'s category (or bracket), in cents."""
    if member.category == HONORARY:
        return 0
    if member.category in FLAT_CATEGORIES:
        if member.category not in rules.flat_cents:
            raise FeeError(
                "fees.no_flat_rate",
                _("« %(member)s » : le barème ne fixe pas de forfait pour la catégorie « %(category)s »."),
                member=member.name,
                category=member.category,
            )
        return rules.flat_cents[member.category]
    if member.category != COMPANY:
        raise FeeError(
            "fees.no_category",
            _(
                "« %(member)s » : catégorie de cotisation non renseignée ; "
                "choisissez-la sur son type d'adhésion."
            ),
            member=member.name,
        )
    if rules.basis == BY_TURNOVER:
        return _turnover_fee(rules, member)
    for tier in rules.headcount_tiers:
        if member.headcount_code in _CODE_ORDER and tier.holds(member.headcount_code):
            return tier.cents
    if not member.headcount_code:
        raise FeeError(
            "fees.no_headcount",
            _("« %(member)s » : tranche d'effectif inconnue ; renseignez-la sur sa fiche."),
            member=member.name,
        )
    raise FeeError(
        "fees.headcount_uncovered",
        _("« %(member)s » : le barème ne couvre pas la tranche d'effectif « %(code)s »."),
        member=member.name,
        code=member.headcount_code,
    )


def _turnover_fee(rules: FeeRules, member: Member) -> int:
    if member.turnover_cents is None:
        raise FeeError(
            "fees.no_turnover", _("« %(member)s » : chiffre d'affaires inconnu."), member=member.name
        )
    for tier in rules.turnover_tiers:
        if tier.up_to_cents is None or member.turnover_cents <= tier.up_to_cents:
            return tier.cents
    raise AssertionError("unreachable: check_rules makes the last tier open-ended")


def compute_fee(rules: FeeRules, member: Member, year: int) -> Fee:
    """``member``'s fee for ``year``. A member joining after the year owes nothing for it: refused."""
    base = base_fee(rules, member)
    joining_year = member.joined_on is not None and member.joined_on.year == year
    if member.joined_on is not None and member.joined_on.year > year:
        raise FeeError(
            "fees.not_yet_member",
            _("« %(member)s » n'adhère que le %(date)s : pas de cotisation %(year)s."),
            member=member.name,
            date=member.joined_on.strftime("%d/%m/%Y"),
            year=year,
        )
    months = 12
    if joining_year and rules.prorata_by_month:
        assert member.joined_on is not None
        months = 13 - member.joined_on.month
    prorated = _round(Decimal(base) * months / 12)
    discount = 0
    if joining_year and rules.first_year_discount_percent:
        discount = _round(Decimal(prorated) * rules.first_year_discount_percent / 100)
    return Fee(base_cents=base, prorata_cents=base - prorated, discount_cents=discount, months=months)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_cents(amount: Decimal) -> int:
    """Euros (a Decimal with at most two decimals) as cents; refuses a fraction of a cent."""
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise FeeError("fees.fraction", _("Montant au-delà du centime : %(amount)s."), amount=amount)
    return int(cents)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def format_cents(cents: int) -> str:
    """French writing of an amount: « 1 234,50 € » (narrow no-break space between thousands)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d}\u00a0€"
