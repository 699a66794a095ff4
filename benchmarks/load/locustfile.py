"""The clients of the load benchmark: a logged-in director browsing, searching and exporting the registry.

Run by ``run.py`` (``locust --headless``), which logs the director in once, before the clients start, and hands
the session's cookies and the registry's ids and words in ``LOAD_TARGETS`` (a JSON file): the password hash
(about 0.4 s of CPU by design) is not what this benchmark measures. Each client sends the header a TLS proxy
in front of ``grappe serve`` adds (``X-Forwarded-Proto: https``), so the server runs its production settings
unchanged (secure cookies, HSTS, no redirect). ``LOAD_PACE``: requests per second per client (``0``: none
waits, which measures the most the server gives).

What a client does, by weight: the organisation list (pages, sorts, filters) 8, an organisation's page 5, a
folded search (``?q=``, as the live search asks for it or as a whole page) 5, the people and membership lists 2,
an export (organisations, filtered or not; people; memberships) 1.

``LOAD_MIX`` says how the organisation list is asked for. ``browser`` (the default): as the pages' own links
and forms ask for it — one visit in four arrives on the list as a whole page (from the menu, a saved filter or a
bookmark: half of them filtered), the three others page, sort or filter from the list itself, which htmx sends
as a request for the results block alone (``HX-Target: results``; the filters since issue 10, the page and sort
links since 2026-12-07). ``full-pages``: every list request a whole page, as the runs before 2026-12-07 asked.
"""

from __future__ import annotations

import json
import os
import random

from locust import FastHttpUser, constant, constant_throughput, task

TARGETS = json.loads(open(os.environ["LOAD_TARGETS"], encoding="utf-8").read())  # noqa: SIM115
PACE = float(os.environ.get("LOAD_PACE", "3"))
MIX = os.environ.get("LOAD_MIX", "browser")
if MIX not in ("browser", "full-pages"):
    raise SystemExit(f"LOAD_MIX={MIX!r}: browser or full-pages")
SORTS = ("", "nom", "-nom", "siren", "-siren", "ville", "-ville", "depuis", "-depuis")
STATUSES = ("active", "pending", "lapsed", "ended")
HEADCOUNTS = ("NN", "00", "01", "02", "03", "11", "12", "21")
PAGES = max(1, -(-len(TARGETS["organisations"]) // 50))  # the list shows 50 a page (registry.views.PAGE_SIZE)


def _filters(rng: random.Random) -> dict[str, str]:
    """One or two of the list's filters, as a user combines them."""
    choices = {
        "association": lambda: str(rng.choice(TARGETS["associations"])),
        "territory": lambda: str(rng.choice(TARGETS["territories"])),
        "departement": lambda: rng.choice(TARGETS["departements"]),
        "status": lambda: rng.choice(STATUSES),
        "startup": lambda: rng.choice(("oui", "non")),
        "headcount": lambda: rng.choice(HEADCOUNTS),
        "naf": lambda: rng.choice(("62", "63", "58", "70", "71")),
    }
    return {name: choices[name]() for name in rng.sample(sorted(choices), rng.choice((1, 1, 2)))}


# FastHttpUser (geventhttpclient), as locust's documentation advises for high throughput: it takes a fraction
# of python-requests' CPU per request, and here the clients share the server's two cores.
class Director(FastHttpUser):
    wait_time = constant_throughput(PACE) if PACE > 0 else constant(0)
    # Cookies as one header: the session's cookies are Secure, and a cookie jar keeps those for https URLs.
    default_headers = {
        "Cookie": TARGETS["cookie"],
        "X-Forwarded-Proto": "https",
        "Accept-Language": "fr",
    }

    def on_start(self) -> None:
        self.rng = random.Random()

    def _list(self, params: dict[str, str], name: str, *, htmx: bool = False) -> None:
        headers = {"HX-Request": "true", "HX-Target": "results"} if htmx else None
        self.client.get("/organisations/", params=params, headers=headers, name=name)

    @task(8)
    def organisation_list(self) -> None:
        filtered = self.rng.random() < 0.5
        if MIX == "browser" and self.rng.random() < 0.25:  # arriving on the list: a whole page
            self._list(_filters(self.rng) if filtered else {}, "/organisations/ [arrival]")
            return
        params = {"page": str(self.rng.randint(1, PAGES)), "tri": self.rng.choice(SORTS)}
        htmx = MIX == "browser"  # from the list itself: the results block
        if filtered:
            params.update(_filters(self.rng))
            params["page"] = "1"
            self._list(params, "/organisations/ [filters]", htmx=htmx)
        else:
            self._list(params, "/organisations/ [page, sort]", htmx=htmx)

    @task(5)
    def organisation(self) -> None:
        pk = self.rng.choice(TARGETS["organisations"])
        self.client.get(f"/organisations/{pk}/", name="/organisations/[id]/")

    @task(5)
    def search(self) -> None:
        query = self.rng.choice(TARGETS["queries"])
        live = self.rng.random() < 0.6  # the search box asks for the results block as the user types
        self._list({"q": query}, "/organisations/?q= [live]" if live else "/organisations/?q=", htmx=live)

    @task(1)
    def people(self) -> None:
        self.client.get("/personnes/", params={"page": str(self.rng.randint(1, 3))}, name="/personnes/")

    @task(1)
    def memberships(self) -> None:
        self.client.get(
            "/adhesions/", params={"tri": self.rng.choice(("", "statut", "-depuis"))}, name="/adhesions/"
        )

    @task(1)
    def export(self) -> None:
        choice = self.rng.random()
        if choice < 0.4:
            self.client.get("/organisations/export.csv", name="/organisations/export.csv")
        elif choice < 0.7:
            params = _filters(self.rng)
            self.client.get(
                "/organisations/export.csv", params=params, name="/organisations/export.csv [filters]"
            )
        elif choice < 0.85:
            self.client.get("/personnes/export.csv", name="/personnes/export.csv")
        else:
            self.client.get("/adhesions/export.csv", name="/adhesions/export.csv")
