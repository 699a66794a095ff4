"""What an import asks when its file cannot say: the members' start date, membership type and status.

A file without a « Date d'adhésion » column does not make its members join today, and one without a « Statut »
column does not make them « à jour »: the person importing answers once for the whole file (a date, or
« inconnue », stored as no date), and the answers fill only the memberships this import creates. A row's own
cell always wins, and a membership already in the registry is never changed by an answer.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grappe.errors import UserError
from grappe.registry.models import Association, Membership, MembershipType

STARTS_ON = "starts_on"
MEMBERSHIP_TYPE = "membership_type"
STATUS = "status"

# The file's field (grappe.intake.headers.FIELDS) whose column answers each question.
_COLUMN_OF = {STARTS_ON: "joined_on", MEMBERSHIP_TYPE: "membership_type", STATUS: "member_status"}

# Statuses a new member may be given; « terminée » would need an end date the file does not give either.
ASKED_STATUSES = (
    Membership.Status.ACTIVE,
    Membership.Status.PENDING,
    Membership.Status.LAPSED,
    Membership.Status.UNKNOWN,
)


@dataclass(frozen=True)
class ImportAnswers:
    """The answers given for one import; ``starts_unknown`` records « inconnue » (an answer, not a gap)."""

    starts_on: datetime.date | None = None
    starts_unknown: bool = False
    membership_type_id: int | None = None
    status: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            STARTS_ON: self.starts_on.isoformat()
            if self.starts_on
            else ("unknown" if self.starts_unknown else ""),
            MEMBERSHIP_TYPE: self.membership_type_id,
            STATUS: self.status,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ImportAnswers:
        data = data or {}
        starts = data.get(STARTS_ON) or ""
        return cls(
            starts_on=datetime.date.fromisoformat(starts) if starts not in {"", "unknown"} else None,
            starts_unknown=starts == "unknown",
            membership_type_id=data.get(MEMBERSHIP_TYPE) or None,
            status=data.get(STATUS) or "",
        )


def open_questions(*, association: Association, mapping: Mapping[int, str]) -> list[str]:
    """The questions the file leaves open, in the order the page asks them. The type is asked only when the
    association has types to choose from."""
    mapped = set(mapping.values())
    asked = [question for question, column in _COLUMN_OF.items() if column not in mapped]
    if MEMBERSHIP_TYPE in asked and not association_types(association).exists():
        asked.remove(MEMBERSHIP_TYPE)
    return asked


def association_types(association: Association) -> Any:
    return MembershipType.objects.filter(association=association, is_active=True).order_by("order", "name")


def check_answers(*, association: Association, questions: list[str], answers: ImportAnswers) -> None:
    """Every open question answered, with a value the association knows; an error names the question."""
    if STARTS_ON in questions and not (answers.starts_on or answers.starts_unknown):
        raise UserError(
            _(
                "Le fichier n'a pas de colonne « Date d'adhésion » : indiquez depuis quand ces membres "
                "adhèrent, ou cochez « date inconnue »."
            )
        )
    if answers.starts_on and answers.starts_unknown:
        raise UserError(_("Donnez une date d'adhésion ou cochez « date inconnue », pas les deux."))
    if answers.starts_on and answers.starts_on > timezone.localdate():
        raise UserError(
            _(
                "La date d'adhésion %(date)s est dans le futur : indiquez la date réelle, ou « date inconnue »."
            )
            % {"date": answers.starts_on.strftime("%d/%m/%Y")}
        )
    if STATUS in questions and answers.status not in ASKED_STATUSES:
        raise UserError(
            _("Le fichier n'a pas de colonne « Statut » : choisissez le statut des nouveaux adhérents.")
        )
    if answers.membership_type_id and not (
        association_types(association).filter(pk=answers.membership_type_id).exists()
    ):
        raise UserError(
            _("Ce type d'adhésion n'existe pas pour « %(association)s » : choisissez-en un de la liste.")
            % {"association": association}
        )


def answer_values(answers: ImportAnswers) -> dict[str, Any]:
    """Membership field → value the answers give a new membership (type as its row)."""
    values: dict[str, Any] = {}
    if answers.starts_on:
        values["starts_on"] = answers.starts_on
    if answers.status:
        values["status"] = answers.status
    if answers.membership_type_id:
        values["membership_type"] = MembershipType.objects.get(pk=answers.membership_type_id)
    return values


def describe_answers(answers: ImportAnswers) -> dict[str, str]:
    """The answers given, as the import's audit event shows them (only those given)."""
    described: dict[str, str] = {}
    if answers.starts_on:
        described["answered_starts_on"] = date_format(answers.starts_on)
    elif answers.starts_unknown:
        described["answered_starts_on"] = _("inconnue")
    if answers.membership_type_id:
        described["answered_membership_type"] = str(MembershipType.objects.get(pk=answers.membership_type_id))
    if answers.status:
        described["answered_status"] = str(Membership.Status(answers.status).label)
    return described
