"""The load benchmark's database, from inside the job's environment (``DATABASE_URL``).

    python database.py accounts    # retire the demo's accounts, create the benchmark's director (JSON out)
    python database.py targets     # what the clients browse: organisation ids, search words, filter values
    python database.py association NAME   # create an association (the 100,000-row import goes into it)
    python database.py inspect     # rows per registry table and the server's version, as JSON

Run by ``run.py`` in processes of their own, before the server starts, so that none of it is measured.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import sys

DIRECTOR = "banc-direction"  # the benchmark's staff director, created like `grappe manage createsuperuser`


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    import django

    django.setup()


def accounts() -> dict[str, str]:
    """A production server refuses to start while a demo account opens with the public password
    (``demo.E001``): the demo's accounts are closed, and a director with a password of its own logs in."""
    from django.contrib.auth import get_user_model

    from grappe.demo.accounts import DEMO_USERNAMES

    users = get_user_model()
    for user in users.objects.filter(username__in=DEMO_USERNAMES):
        user.set_unusable_password()
        user.is_active = False
        user.save(update_fields=["password", "is_active"])
    password = secrets.token_urlsafe(24)
    users.objects.filter(username=DIRECTOR).delete()
    users.objects.create_superuser(DIRECTOR, "banc-direction@example.org", password)
    return {"username": DIRECTOR, "password": password}


def targets() -> dict[str, object]:
    """Ids and words drawn from the registry itself, so that every page a client asks for exists."""
    from grappe.france.text import fold
    from grappe.registry.models import Association, Establishment, Organisation, Territory

    rng = random.Random(13)
    names = list(Organisation.objects.values_list("name", flat=True))
    cities = sorted({city for city in Establishment.objects.values_list("city", flat=True) if city})
    words = sorted({word for name in names for word in fold(name).split() if len(word) >= 4})
    sirens = [siren for siren in Organisation.objects.values_list("siren", flat=True) if siren]
    postcodes = sorted({code for code in Establishment.objects.values_list("postcode", flat=True) if code})
    queries = (
        rng.sample(words, min(60, len(words)))
        + [fold(city) for city in rng.sample(cities, min(30, len(cities)))]
        + [city.upper() for city in rng.sample(cities, min(10, len(cities)))]  # as typed, accents and all
        + [siren[:5] for siren in rng.sample(sirens, min(10, len(sirens)))]
        + rng.sample(postcodes, min(10, len(postcodes)))
    )
    return {
        "organisations": list(Organisation.objects.values_list("pk", flat=True)),
        "queries": queries,
        "associations": list(Association.objects.values_list("pk", flat=True)),
        "territories": list(Territory.objects.values_list("pk", flat=True)),
        "departements": sorted(
            {code for code in Establishment.objects.values_list("departement_code", flat=True) if code}
        ),
    }


def association(name: str) -> dict[str, object]:
    from grappe.registry.models import Association

    created = Association.objects.get_or_create(name=name)[0]
    return {"association": created.pk}


def inspect() -> dict[str, object]:
    from django.apps import apps
    from django.db import connection

    counts = {model.__name__: model.objects.count() for model in apps.get_app_config("registry").get_models()}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    return {"counts": counts, "postgresql": version}


if __name__ == "__main__":
    command, arguments = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    commands = {"accounts": accounts, "targets": targets, "association": association, "inspect": inspect}
    if command not in commands:
        raise SystemExit("usage: database.py accounts|targets|association NAME|inspect")
    _setup()
    print(json.dumps(commands[command](*arguments), ensure_ascii=False))
