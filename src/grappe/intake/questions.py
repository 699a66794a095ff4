"""What an import asks when its file cannot say: the members' start date, membership type and status.

A file without a « Date d'adhésion » column does not make its members join today, and one without a « Statut »
column does not make them « à jour »: the person importing answers once for the whole file (a date, or
« inconnue », stored as no date), and the answers fill only the memberships this import creates. A row's own
cell always wins, and a membership already in the registry is never changed by an answer.

The web report asks on its page; ``grappe import`` takes the same answers as flags (``FLAGS``, read by
``read_flags``), and both go through ``check_answers`` before anything is written.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grappe.errors import UserError
from grappe.france.text import fold
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


# -- the command line ------------------------------------------------------------------------------------------

# The flags of ``grappe import`` answering each question.
FLAGS = {STARTS_ON: "--start-date", MEMBERSHIP_TYPE: "--membership-type", STATUS: "--status"}
UNKNOWN_DATE_WORDS = frozenset({"inconnue", "inconnu", "unknown"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class AnswerRefused(UserError):
    code = "intake.answer_refused"


def _status_choices() -> str:
    return ", ".join(f"{status.value} ({status.label})" for status in ASKED_STATUSES)


def read_flags(
    *, association: Association, starts_on: str | None, status: str | None, membership_type: str | None
) -> ImportAnswers:
    """The answers given as ``grappe import``'s flags, or ``AnswerRefused`` naming the flag: a date written
    AAAA-MM-JJ or « inconnue », a status among those a new member may get (its code or its label), a membership
    type of the association (its name, case and accents aside)."""
    answers: dict[str, Any] = {}
    if starts_on is not None:
        text = starts_on.strip()
        if fold(text) in UNKNOWN_DATE_WORDS:
            answers["starts_unknown"] = True
        else:
            try:
                if not _ISO_DATE.fullmatch(text):
                    raise ValueError(text)
                answers["starts_on"] = datetime.date.fromisoformat(text)
            except ValueError as error:
                raise AnswerRefused(
                    _(
                        "%(flag)s « %(value)s » : une date AAAA-MM-JJ (ex. 2016-03-31) ou « inconnue » est "
                        "attendue. Rien n'a été écrit."
                    )
                    % {"flag": FLAGS[STARTS_ON], "value": text[:40]}
                ) from error
    if status is not None:
        wanted = fold(status)
        found = [s for s in ASKED_STATUSES if wanted in (fold(s.value), fold(str(s.label)))]
        if not found:
            raise AnswerRefused(
                _("%(flag)s « %(value)s » : statut inconnu ; %(choices)s attendu. Rien n'a été écrit.")
                % {"flag": FLAGS[STATUS], "value": status[:40], "choices": _status_choices()}
            )
        answers["status"] = found[0].value
    if membership_type is not None:
        types = list(association_types(association))
        found_types = [t for t in types if fold(t.name) == fold(membership_type)]
        if not found_types:
            choices = ", ".join(f"« {t.name} »" for t in types)
            raise AnswerRefused(
                (
                    _(
                        "%(flag)s « %(value)s » : « %(association)s » n'a pas ce type d'adhésion ; %(choices)s attendu."
                    )
                    if types
                    else _("%(flag)s « %(value)s » : « %(association)s » n'a aucun type d'adhésion à donner.")
                )
                % {
                    "flag": FLAGS[MEMBERSHIP_TYPE],
                    "value": membership_type[:60],
                    "association": association,
                    "choices": choices,
                }
                + " "
                + _("Rien n'a été écrit.")
            )
        answers["membership_type_id"] = found_types[0].pk
    return ImportAnswers(**answers)


def unanswered(questions: list[str], answers: ImportAnswers) -> list[str]:
    """The open questions ``answers`` leave without an answer."""
    given = {
        STARTS_ON: bool(answers.starts_on or answers.starts_unknown),
        MEMBERSHIP_TYPE: bool(answers.membership_type_id),
        STATUS: bool(answers.status),
    }
    return [question for question in questions if not given[question]]


def missing_flags_message(missing: list[str], association: Association) -> str:
    """What the command line says when the file leaves questions open and no flag answers them."""
    parts = []
    if STARTS_ON in missing:
        parts.append(
            _(
                "pas de colonne « Date d'adhésion » : indiquez depuis quand ces membres adhèrent avec "
                "%(flag)s AAAA-MM-JJ, ou %(flag)s inconnue"
            )
            % {"flag": FLAGS[STARTS_ON]}
        )
    if MEMBERSHIP_TYPE in missing:
        names = ", ".join(f"« {t.name} »" for t in association_types(association))
        parts.append(
            _(
                "pas de colonne « Type d'adhésion » : choisissez le type des nouveaux adhérents avec %(flag)s (%(names)s)"
            )
            % {"flag": FLAGS[MEMBERSHIP_TYPE], "names": names}
        )
    if STATUS in missing:
        parts.append(
            _(
                "pas de colonne « Statut » : choisissez le statut des nouveaux adhérents avec %(flag)s (%(choices)s)"
            )
            % {"flag": FLAGS[STATUS], "choices": _status_choices()}
        )
    return _("Le fichier a des questions sans réponse — %(parts)s.") % {"parts": " ; ".join(parts)}
