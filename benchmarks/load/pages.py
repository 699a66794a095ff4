"""CPU per page of the load benchmark's requests, in one process, through Django's test client.

    DATABASE_URL=postgres://…/a_copy_of_the_demo python benchmarks/load/pages.py            # ms of CPU per page
    … pages.py --repeat 60 --json out/pages-after.json
    … pages.py --profile list --sort tottime                                               # cProfile one page
    … pages.py --instructions organisation,list-block                  # instructions a request (valgrind)
    PYTHONPATH=/other/checkout/src … pages.py                                               # another version

The production settings (``GRAPPE_ENV=production``: DEBUG off, the cached template loader, secure cookies, CSP)
and the requests the load benchmark's clients send (``locustfile.py``), each page several times over a fixed
set of URLs; the figure is the process's CPU time per request (``time.process_time``), so PostgreSQL's own
work on the same machine is not counted, and the median over many requests, so other work running on the same
cores moves it less than wall-clock time. The director is the database's first superuser (run ``database.py
accounts`` on the copy first, as ``run.py`` does) or, failing that, one created here.

``--instructions`` counts instead what does not move with the host's speed: the instructions the process
executes per request, under ``valgrind --tool=callgrind`` (Debian's valgrind). Each page is run twice under
it, both times warmed up on its URLs, once with no request after the warm-up and once with ``--repeat``
requests; the difference divided by the requests is the page's cost, start-up and warm-up cancelled out. The
same binary, inputs and code give the same count within a fraction of a per cent whatever else the machine
runs, where a CPU-time median on these shared machines moves by ±15 % (``README.md``). About a minute per
run, most of it Python and Django starting under valgrind.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

SORTS = ("", "nom", "-nom", "siren", "-siren", "ville", "-ville", "depuis", "-depuis")
LIVE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


def _setup() -> None:
    os.environ.setdefault("GRAPPE_ENV", "production")
    os.environ.setdefault("GRAPPE_SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("GRAPPE_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("GRAPPE_PROXY_SSL_HEADER", "X-Forwarded-Proto")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    import django

    django.setup()


def pages(rng: random.Random) -> dict[str, list[tuple[str, dict[str, str], dict[str, str]]]]:
    """Per page, the (path, query, headers) the clients ask for, drawn as ``locustfile.py`` draws them."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from database import targets

    found = targets()
    orgs = found["organisations"]
    count = max(1, -(-len(orgs) // 50))
    filters = {
        "association": lambda: str(rng.choice(found["associations"])),
        "territory": lambda: str(rng.choice(found["territories"])),
        "departement": lambda: rng.choice(found["departements"]),
        "status": lambda: rng.choice(("active", "pending", "lapsed", "ended")),
        "startup": lambda: rng.choice(("oui", "non")),
        "headcount": lambda: rng.choice(("NN", "00", "01", "02", "03", "11", "12", "21")),
        "naf": lambda: rng.choice(("62", "63", "58", "70", "71")),
    }

    def filtered() -> dict[str, str]:
        names = rng.sample(sorted(filters), rng.choice((1, 1, 2)))
        return {name: filters[name]() for name in names} | {"page": "1", "tri": rng.choice(SORTS)}

    n = 12
    return {
        "list": [
            ("/organisations/", {"page": str(rng.randint(1, count)), "tri": rng.choice(SORTS)}, {})
            for _ in range(n)
        ],
        "list-filters": [("/organisations/", filtered(), {}) for _ in range(n)],
        # The same, as a page link, a column header or the filters ask for them from the list: the results block.
        "list-block": [
            ("/organisations/", {"page": str(rng.randint(1, count)), "tri": rng.choice(SORTS)}, LIVE)
            for _ in range(n)
        ],
        "filters-block": [("/organisations/", filtered(), LIVE) for _ in range(n)],
        "search": [("/organisations/", {"q": rng.choice(found["queries"])}, {}) for _ in range(n)],
        "search-live": [("/organisations/", {"q": rng.choice(found["queries"])}, LIVE) for _ in range(n)],
        "organisation": [(f"/organisations/{rng.choice(orgs)}/", {}, {}) for _ in range(n)],
        "people": [("/personnes/", {"page": str(rng.randint(1, 3))}, {}) for _ in range(n)],
        "memberships": [
            ("/adhesions/", {"tri": rng.choice(("", "statut", "-depuis"))}, {}) for _ in range(n)
        ],
        "export": [("/organisations/export.csv", {}, {})],
        "export-filters": [("/organisations/export.csv", filtered(), {}) for _ in range(n)],
        "export-people": [("/personnes/export.csv", {}, {})],
        "export-memberships": [("/adhesions/export.csv", {}, {})],
    }


def _client() -> object:
    from django.contrib.auth import get_user_model
    from django.test import Client

    users = get_user_model()
    director = users.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if director is None:
        director = users.objects.create_superuser("banc-pages", "banc-pages@example.org", None)
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(director)
    return client


def _get(client: object, path: str, query: dict[str, str], headers: dict[str, str]) -> bytes:
    response = client.get(path, query, **headers)  # type: ignore[attr-defined]
    if response.status_code != 200:
        raise RuntimeError(f"{path} {query}: HTTP {response.status_code}")
    if response.streaming:  # an export writes its rows as they are sent
        return b"".join(response.streaming_content)
    return response.content


# What differs between two answers of the same page: the CSRF token (masked anew each time) and the CSP nonce.
_PER_ANSWER = re.compile(
    rb'((?:csrfmiddlewaretoken" value|nonce|csrf-token" content|X-CSRFToken": )="?)[^"]+"'
)


def save_pages(directory: Path, seed: int) -> int:
    """Write every page and export the clients ask for (the per-answer tokens masked), so that two versions'
    answers can be compared byte for byte (``diff -r``)."""
    client = _client()
    directory.mkdir(parents=True, exist_ok=True)
    written = 0
    for name, urls in pages(random.Random(seed)).items():
        for index, url in enumerate(urls):
            body = _PER_ANSWER.sub(rb'\1(masked)"', _get(client, *url))
            (directory / f"{name}-{index:02d}.txt").write_bytes(body)
            written += 1
    return written


def measure(repeat: int, seed: int) -> dict[str, dict[str, float]]:
    """Median, lower and upper quartile of the CPU ms per request, per page; pages interleaved, so that a burst
    of other work on the machine falls on every page alike."""
    client = _client()
    requests = pages(random.Random(seed))
    for urls in requests.values():  # warm: templates compiled, caches filled, connection open
        for url in urls:
            _get(client, *url)
    spent: dict[str, list[float]] = {name: [] for name in requests}
    for round_ in range(repeat):
        for name, urls in requests.items():
            url = urls[round_ % len(urls)]
            start = time.process_time()
            _get(client, *url)
            spent[name].append((time.process_time() - start) * 1000)
    result = {}
    for name, values in spent.items():
        quartiles = statistics.quantiles(values, n=4)
        result[name] = {"median": statistics.median(values), "q1": quartiles[0], "q3": quartiles[2]}
    return result


def profile(name: str, repeat: int, seed: int, sort: str, limit: int) -> None:
    client = _client()
    urls = pages(random.Random(seed))[name]
    for url in urls:
        _get(client, *url)
    profiler = cProfile.Profile()
    run: Callable[[], None] = lambda: [_get(client, *urls[i % len(urls)]) for i in range(repeat)]  # noqa: E731
    profiler.runcall(run)
    pstats.Stats(profiler).sort_stats(sort).print_stats(limit)


def run_requests(name: str, count: int, seed: int) -> None:
    """Warm ``name`` up on its URLs, then ask for it ``count`` times: the process ``instructions`` counts."""
    client = _client()
    urls = pages(random.Random(seed))[name]
    for url in urls:
        _get(client, *url)
    for index in range(count):
        _get(client, *urls[index % len(urls)])


_COLLECTED = re.compile(r"Collected : (\d+)")


def _instructions_of(name: str, count: int, seed: int) -> int:
    """The instructions of one process running ``run_requests``, counted by callgrind."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--run-requests", name, "--repeat", str(count), "--seed", str(seed),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"valgrind on {name}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return int(found.group(1))


def instructions(names: list[str], repeat: int, seed: int) -> dict[str, float]:
    """Millions of instructions a request for each page: ``repeat`` requests less none, after the same warm-up."""
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (Debian: apt-get install valgrind)")
    known = pages(random.Random(seed))
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise SystemExit(f"unknown pages: {', '.join(unknown)} (known: {', '.join(known)})")
    return {
        name: (_instructions_of(name, repeat, seed) - _instructions_of(name, 0, seed)) / repeat / 1e6
        for name in names
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40, help="requests per page (default 40)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--profile", help="cProfile this page instead (list, search-live, organisation, …)")
    parser.add_argument("--sort", default="cumulative", help="the profile's order (cumulative, tottime)")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--save-pages", type=Path, help="write every page asked for here, then stop")
    parser.add_argument(
        "--instructions",
        help="count instructions a request instead, for these pages (comma-separated), under valgrind",
    )
    parser.add_argument("--run-requests", help=argparse.SUPPRESS)  # the process --instructions counts
    args = parser.parse_args()
    _setup()
    if args.run_requests:
        run_requests(args.run_requests, args.repeat, args.seed)
        return
    if args.instructions:
        counted = instructions(args.instructions.split(","), args.repeat, args.seed)
        for name, millions in counted.items():
            print(f"{name:18} {millions:7.2f} million instructions a request")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(counted, indent=1) + "\n", encoding="utf-8")
        return
    if args.save_pages:
        print(f"{save_pages(args.save_pages, args.seed)} pages written to {args.save_pages}")
        return
    if args.profile:
        profile(args.profile, args.repeat, args.seed, args.sort, args.limit)
        return
    result = measure(args.repeat, args.seed)
    for name, figures in result.items():
        print(f"{name:18} {figures['median']:6.1f} ms  (quartiles {figures['q1']:.1f}–{figures['q3']:.1f})")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
