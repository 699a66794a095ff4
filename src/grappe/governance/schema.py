"""Statutes as a document: read from YAML, checked against the schema, written back. No Django.

The document's keys are French (without accents, so that they type on any keyboard) because the people who edit
it are the association's staff; ``docs`` below is the schema they read. Every problem is reported with its line
and its path (« ligne 12, organes.conseil.taille : … ») and nothing is returned unless the whole document is
valid. A key the schema does not know is an error, never ignored: a misspelt ``quroum`` would otherwise read as
« non fixé par les statuts ».
"""

from __future__ import annotations

import contextlib
import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import yaml

from grappe.governance.rules import (
    NOT_SET,
    Base,
    Condition,
    Majority,
    Method,
    Quorum,
    Threshold,
    TieBreak,
)

RENEWALS = {"integral": 1, "moitie": 2, "tiers": 3}
EXCLUDED_STAFF = "salarie"  # incompatibilites[].exclut: the association's own staff
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
_FRACTION = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Problem:
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"ligne {self.line}, " if self.line else ""
        return f"{where}{self.path or 'document'} : {self.message}"


class StatutesInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


# -- reading YAML with lines -----------------------------------------------------------------------------------


def _lines(node: yaml.Node, path: tuple[Any, ...], into: dict[tuple[Any, ...], int], problems: list[Problem]):
    into.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            # A complex key (a list or a table used as a key) has no name: the checker refuses it.
            name = key.value if isinstance(key, yaml.ScalarNode) else f"<clé ligne {key.start_mark.line + 1}>"
            if name in seen:
                problems.append(Problem(key.start_mark.line + 1, _dotted((*path, name)), "clé en double"))
            seen.add(name)
            into[(*path, name)] = key.start_mark.line + 1
            _lines(value, (*path, name), into, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*path, index), into, problems)


def _dotted(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# Statutes run to a few hundred lines; a larger text is a wrong file, and YAML aliases (``*name``) can make a
# few lines expand to gigabytes (« billion laughs »): statutes have no use for them.
MAX_CHARACTERS = 200_000


def load(text: str) -> dict[str, Any]:
    """Parse and check a statutes document; the normalised rules (JSON-ready) or ``StatutesInvalid``."""
    if len(text) > MAX_CHARACTERS:
        raise StatutesInvalid(
            [
                Problem(
                    None,
                    "",
                    f"texte de {len(text)} caractères : des statuts en font au plus {MAX_CHARACTERS}",
                )
            ]
        )
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.AliasToken | yaml.AnchorToken):
                raise StatutesInvalid(
                    [
                        Problem(
                            token.start_mark.line + 1,
                            "",
                            "les ancres et alias YAML (&nom, *nom) ne sont pas acceptés : écrivez chaque valeur",
                        )
                    ]
                )
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise StatutesInvalid(
            [Problem(mark.line + 1 if mark else None, "", f"YAML illisible : {error.problem or error}")]
        ) from None
    except yaml.YAMLError as error:
        raise StatutesInvalid([Problem(None, "", f"YAML illisible : {error}")]) from None
    lines: dict[tuple[Any, ...], int] = {}
    problems: list[Problem] = []
    if node is not None:
        _lines(node, (), lines, problems)
    checker = _Checker(lines, problems)
    rules = checker.document(data)
    if problems:
        raise StatutesInvalid(sorted(problems, key=lambda p: (p.line or 0, p.path)))
    return rules


def dump(rules: Mapping[str, Any]) -> str:
    """The YAML text of normalised rules; ``load(dump(rules)) == rules``."""
    return yaml.safe_dump(_as_yaml(rules), allow_unicode=True, sort_keys=False, width=100)


# The fields the schema reads as dates (stored as ISO text in the JSON rules), written back as YAML dates.
DATE_FIELDS = {"date", "jusqu_au"}


def _as_yaml(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _as_yaml(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_yaml(v) for v in value]
    if key in DATE_FIELDS and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return value


# -- the schema ------------------------------------------------------------------------------------------------


class _Invalid(Exception):
    pass


class _Checker:
    def __init__(self, lines: dict[tuple[Any, ...], int], problems: list[Problem]):
        self.lines = lines
        self.problems = problems

    def fail(self, path: tuple[Any, ...], message: str) -> None:
        probe = path
        while probe and probe not in self.lines:
            probe = probe[:-1]
        self.problems.append(Problem(self.lines.get(probe), _dotted(path), message))

    # Each reader returns the normalised value, or raises _Invalid after recording the problem.
    def mapping(
        self,
        value: Any,
        path: tuple[Any, ...],
        fields: Mapping[str, tuple[bool, Callable[..., Any]]],
        *,
        partial: bool = False,
    ) -> dict[str, Any]:
        """The checked fields; raises _Invalid when any of them is wrong, unless ``partial`` (the document
        itself: its valid sections are still cross-checked)."""
        before = len(self.problems)
        if not isinstance(value, dict):
            self.fail(path, "une table de clés est attendue ici")
            raise _Invalid
        out: dict[str, Any] = {}
        for key in value:
            if key not in fields:
                known = ", ".join(fields)
                self.fail((*path, key), f"clé inconnue (clés possibles : {known})")
        for key, (needed, read) in fields.items():
            if key not in value or value[key] is None:
                if needed:
                    self.fail((*path, key), "obligatoire")
                continue
            with contextlib.suppress(_Invalid):
                out[key] = read(value[key], (*path, key))
        if len(self.problems) > before and not partial:
            raise _Invalid
        return out

    def listing(self, value: Any, path: tuple[Any, ...], read: Callable[..., Any]) -> list[Any]:
        if not isinstance(value, list):
            self.fail(path, "une liste est attendue ici")
            raise _Invalid
        before = len(self.problems)
        out = []
        for index, item in enumerate(value):
            with contextlib.suppress(_Invalid):
                out.append(read(item, (*path, index)))
        if len(self.problems) > before:
            raise _Invalid
        return out

    def table(
        self,
        value: Any,
        path: tuple[Any, ...],
        read: Callable[..., Any],
        expected: str,
        *,
        empty: bool = True,
    ) -> dict[str, Any]:
        """A mapping of codes chosen by the statutes (organ codes, assembly types) to values read by ``read``."""
        if not isinstance(value, dict) or (not value and not empty):
            self.fail(path, expected)
            raise _Invalid
        before = len(self.problems)
        out = {}
        for code, item in value.items():
            with contextlib.suppress(_Invalid):
                self.code(code, (*path, code))
                out[str(code)] = read(item, (*path, code))
        if len(self.problems) > before:
            raise _Invalid
        return out

    def integer(self, value: Any, path: tuple[Any, ...], low: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"un nombre entier est attendu, pas « {value} »")
            raise _Invalid
        if value < low:
            self.fail(path, f"doit valoir au moins {low}, pas {value}")
            raise _Invalid
        return value

    def positive(self, value: Any, path: tuple[Any, ...]) -> int:
        return self.integer(value, path, 1)

    def natural(self, value: Any, path: tuple[Any, ...]) -> int:
        return self.integer(value, path, 0)

    def text(self, value: Any, path: tuple[Any, ...]) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, "un texte non vide est attendu")
            raise _Invalid
        return value.strip()

    def code(self, value: Any, path: tuple[Any, ...]) -> str:
        if not isinstance(value, str) or not _CODE.match(value):
            self.fail(path, f"« {value} » n'est pas un code (lettres, chiffres, - et _, sans espace)")
            raise _Invalid
        return value

    def boolean(self, value: Any, path: tuple[Any, ...]) -> bool:
        if not isinstance(value, bool):
            self.fail(path, f"oui ou non (true/false) est attendu, pas « {value} »")
            raise _Invalid
        return value

    def date(self, value: Any, path: tuple[Any, ...]) -> str:
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            self.fail(path, f"une date AAAA-MM-JJ est attendue, pas « {value} »")
            raise _Invalid
        return value.isoformat()

    def choice(self, options: Mapping[str, Any] | list[str]) -> Callable[..., str]:
        def read(value: Any, path: tuple[Any, ...]) -> str:
            if not isinstance(value, str) or value not in options:
                self.fail(path, f"« {value} » n'est pas permis (valeurs possibles : {', '.join(options)})")
                raise _Invalid
            return str(value)

        return read

    def fraction(self, value: Any, path: tuple[Any, ...]) -> str:
        match = _FRACTION.match(str(value)) if isinstance(value, str) else None
        if not match or int(match[2]) == 0 or not 0 < Fraction(int(match[1]), int(match[2])) <= 1:
            self.fail(
                path, f"une fraction entre 0 et 1 est attendue, comme « 1/4 » ou « 2/3 », pas « {value} »"
            )
            raise _Invalid
        return f"{match[1]}/{match[2]}"

    def size(self, value: Any, path: tuple[Any, ...]) -> dict[str, int]:
        if isinstance(value, int) and not isinstance(value, bool):
            n = self.positive(value, path)
            return {"min": n, "max": n}
        out = self.mapping(value, path, {"min": (True, self.positive), "max": (True, self.positive)})
        if len(out) == 2 and out["min"] > out["max"]:
            self.fail(path, f"le minimum ({out['min']}) dépasse le maximum ({out['max']})")
            raise _Invalid
        if len(out) != 2:
            raise _Invalid
        return out

    # -- sections

    def document(self, data: Any) -> dict[str, Any]:
        self.given = set(data) if isinstance(data, dict) else set()
        try:
            out = self.mapping(
                data,
                (),
                {
                    "adoption": (True, self.adoption),
                    "colleges": (False, lambda v, p: self.listing(v, p, self.college)),
                    "organes": (True, self.bodies),
                    "incompatibilites": (False, lambda v, p: self.listing(v, p, self.incompatibility)),
                    "eligibilite": (False, self.eligibility),
                    "assemblees": (False, self.assemblies),
                    "procurations": (False, self.proxies),
                    "convocation": (False, self.convocation),
                    "dispositions_transitoires": (False, lambda v, p: self.listing(v, p, self.transition)),
                    "repartition_territoriale": (False, self.apportionment),
                },
                partial=True,
            )
        except _Invalid:
            return {}
        self.cross_check(out)
        return out

    def adoption(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        return self.mapping(value, path, {"date": (True, self.date), "assemblee": (True, self.text)})

    def college(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        return self.mapping(value, path, {"code": (True, self.code), "nom": (True, self.text)})

    def bodies(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        return self.table(
            value, path, self.body, "au moins un organe est attendu (conseil, bureau…)", empty=False
        )

    def body(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        out = self.mapping(
            value,
            path,
            {
                "nom": (True, self.text),
                "taille": (False, self.size),
                "mandat_ans": (False, self.positive),
                "renouvellement": (False, self.choice(RENEWALS)),
                "elu_par": (False, self.text),
                "sieges_par_college": (False, self.seats_by_college),
            },
        )
        seats = out.get("sieges_par_college")
        if seats and "taille" in out and sum(seats.values()) > out["taille"]["max"]:
            self.fail(
                (*path, "sieges_par_college"),
                f"{sum(seats.values())} sièges de collège pour {out['taille']['max']} sièges au plus",
            )
        return out

    def seats_by_college(self, value: Any, path: tuple[Any, ...]) -> dict[str, int]:
        return self.table(value, path, self.natural, "une table collège → nombre de sièges est attendue")

    def incompatibility(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        return self.mapping(
            value,
            path,
            {"organe": (True, self.code), "exclut": (True, self.code), "motif": (True, self.text)},
        )

    def conditions(self, value: Any, path: tuple[Any, ...]) -> list[str]:
        return self.listing(value, path, self.choice([c.value for c in Condition]))

    def eligibility(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        return self.mapping(
            value, path, {"candidature": (False, self.conditions), "vote": (False, self.conditions)}
        )

    def quorum(self, value: Any, path: tuple[Any, ...]) -> Any:
        if value == "aucun":
            return "aucun"
        return self.mapping(
            value,
            path,
            {
                "base": (True, self.choice([Base.MEMBERS.value, Base.PRESENT.value])),
                "fraction": (True, self.fraction),
            },
        )

    def majority(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        def threshold(v: Any, p: tuple[Any, ...]) -> str:
            if v in (Threshold.SIMPLE.value, Threshold.ABSOLUTE.value):
                return str(v)
            return self.fraction(v, p)

        return self.mapping(
            value,
            path,
            {"base": (True, self.choice([b.value for b in Base])), "seuil": (True, threshold)},
        )

    def assemblies(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        return self.table(
            value, path, self.assembly, "une table type d'assemblée (AGO, AGE…) → règles est attendue"
        )

    def assembly(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        return self.mapping(
            value,
            path,
            {
                "nom": (False, self.text),
                "quorum": (False, self.quorum),
                "seconde_convocation": (False, self.second_call),
                "majorites": (False, self.majorities),
            },
        )

    def second_call(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        return self.mapping(
            value, path, {"delai_jours": (False, self.natural), "quorum": (False, self.quorum)}
        )

    def majorities(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        return self.table(
            value, path, self.majority, "une table nature de résolution → majorité est attendue"
        )

    def proxies(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        return self.mapping(
            value,
            path,
            {
                "autorisees": (True, self.boolean),
                "plafond_par_porteur": (False, self.positive),
                "porteur_present": (False, self.boolean),
            },
        )

    def convocation(self, value: Any, path: tuple[Any, ...]) -> dict[str, int]:
        return self.table(
            value, path, self.natural, "une table type d'assemblée → délai en jours est attendue"
        )

    def transition(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        return self.mapping(
            value,
            path,
            {
                "code": (True, self.code),
                "organe": (True, self.code),
                "taille": (False, self.size),
                "sieges_reserves": (False, self.reserved),
                "jusqu_au": (True, self.date),
                "motif": (False, self.text),
            },
        )

    def reserved(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        return self.mapping(
            value,
            path,
            {"nombre": (True, self.positive), "pour": (True, self.text), "association": (True, self.text)},
        )

    def apportionment(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        return self.mapping(
            value,
            path,
            {
                "organe": (True, self.code),
                "sieges": (True, self.positive),
                "methode": (True, self.choice([m.value for m in Method])),
                "minimum_par_territoire": (True, self.natural),
                "departage": (False, self.choice([t.value for t in TieBreak])),
            },
        )

    # -- references between sections

    def cross_check(self, out: dict[str, Any]) -> None:
        if "organes" not in out:
            return  # its problems are reported; references to it would only repeat them
        bodies = out["organes"]
        colleges = {c["code"] for c in out.get("colleges", [])}
        for section in ("colleges", "dispositions_transitoires"):
            seen: set[str] = set()
            for i, item in enumerate(out.get(section, [])):
                if item["code"] in seen:
                    self.fail((section, i, "code"), f"code « {item['code']} » déjà employé plus haut")
                seen.add(item["code"])
        for code, body in bodies.items():
            for college in body.get("sieges_par_college", {}):
                if college not in colleges and ("colleges" in out or "colleges" not in self.given):
                    self.fail(
                        ("organes", code, "sieges_par_college", college), "collège non déclaré dans colleges"
                    )
        references: list[tuple[tuple[Any, ...], Any]] = [
            (("incompatibilites", i, "organe"), item.get("organe"))
            for i, item in enumerate(out.get("incompatibilites", []))
        ]
        references += [
            (("dispositions_transitoires", i, "organe"), item.get("organe"))
            for i, item in enumerate(out.get("dispositions_transitoires", []))
        ]
        if "repartition_territoriale" in out:
            references.append(
                (("repartition_territoriale", "organe"), out["repartition_territoriale"].get("organe"))
            )
        for path, code in references:
            if code is not None and code not in bodies:
                self.fail(path, f"organe « {code} » non déclaré dans organes")
        for i, item in enumerate(out.get("incompatibilites", [])):
            excluded = item.get("exclut")
            if excluded is not None and excluded != EXCLUDED_STAFF and excluded not in bodies:
                self.fail(
                    ("incompatibilites", i, "exclut"),
                    f"« {excluded} » : « {EXCLUDED_STAFF} » ou le code d'un organe est attendu",
                )
        adopted = out.get("adoption", {}).get("date")
        for i, item in enumerate(out.get("dispositions_transitoires", [])):
            if adopted and item.get("jusqu_au") and item["jusqu_au"] <= adopted:
                self.fail(("dispositions_transitoires", i, "jusqu_au"), "doit suivre la date d'adoption")
        share = out.get("repartition_territoriale")
        if share and share.get("organe") in bodies and "sieges" in share:
            size = bodies[share["organe"]].get("taille")
            if size and share["sieges"] > size["max"]:
                self.fail(
                    ("repartition_territoriale", "sieges"),
                    f"{share['sieges']} sièges territoriaux pour un organe de {size['max']} sièges au plus",
                )


# -- reading rules from a valid document -----------------------------------------------------------------------


def _fraction(text: str) -> Fraction:
    a, b = text.split("/")
    return Fraction(int(a), int(b))


def quorum_of(rule: Any) -> Quorum | None:
    if rule is None:
        return None
    if rule == "aucun":
        return Quorum(Base.MEMBERS, Fraction(0))
    return Quorum(Base(rule["base"]), _fraction(rule["fraction"]))


def majority_of(rule: Mapping[str, Any] | None) -> Majority | None:
    if rule is None:
        return None
    seuil = rule["seuil"]
    if seuil in (Threshold.SIMPLE.value, Threshold.ABSOLUTE.value):
        return Majority(Base(rule["base"]), Threshold(seuil))
    return Majority(Base(rule["base"]), Threshold.FRACTION, _fraction(seuil))


def lookup(rules: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (``assemblees.AGE.quorum``), ``None`` when the statutes do not set it."""
    value: Any = rules
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def shown(rules: Mapping[str, Any], path: str) -> Any:
    """What a page shows for a rule: its value, or « non fixé par les statuts »."""
    value = lookup(rules, path)
    return NOT_SET if value is None else value
