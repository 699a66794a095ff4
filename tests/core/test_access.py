"""One access layer for every staff page (grappe.core.access): login first, a capability answered 403, and an
object outside the user's scope looked up exactly like a missing one, 404 in every app."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import Http404, HttpResponse
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from grappe.core.access import staff_view
from grappe.errors import NotFound

APPS = ("grappe.registry", "grappe.intake", "grappe.mergers")


def _views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_staff_page_goes_through_the_access_layer() -> None:
    pages = [
        (route, view)
        for route, view in _views(get_resolver().url_patterns)
        if view.__module__.startswith(APPS)
    ]
    assert pages, "the apps' pages are routed"
    missing = [route for route, view in pages if not getattr(view, "grappe_access", False)]
    assert missing == []


def test_anonymous_visitors_go_to_the_login_page(rf: RequestFactory) -> None:
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/quelque-part/")
    request.user = AnonymousUser()
    response = staff_view()(lambda request: HttpResponse("ok"))(request)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_missing_capability_is_a_403_and_a_missing_object_a_404(
    rf: RequestFactory, django_user_model
) -> None:
    from django.core.exceptions import PermissionDenied

    request = rf.get("/")
    request.user = django_user_model.objects.create_user("salarie", is_staff=True)
    refused = staff_view(capability=lambda user: False, denied="Réservé à la direction.")(
        lambda r: HttpResponse()
    )
    with pytest.raises(PermissionDenied, match=r"Réservé à la direction\."):
        refused(request)

    def lookup(request):
        raise NotFound("Fusion n° 9 introuvable.")

    with pytest.raises(Http404, match=r"Fusion n° 9 introuvable\."):
        staff_view()(lookup)(request)


@pytest.mark.parametrize(
    ("permissions", "offered"),
    [
        ((), set()),
        (("intake.add_importjob",), {"Imports"}),
        (("mergers.manage_merger",), {"Fusions"}),
        (("intake.add_importjob", "mergers.manage_merger"), {"Imports", "Fusions"}),
    ],
)
def test_the_menu_offers_imports_and_mergers_only_to_those_the_pages_let_in(
    registry, territorial_user, permissions, offered
) -> None:
    from django.contrib.auth.models import Permission
    from django.test import Client

    territorial_user.is_staff = True  # an antenna's permanent with a staff account; the rights vary
    territorial_user.save()
    for label in permissions:
        app_label, codename = label.split(".")
        territorial_user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client = Client()
    client.force_login(territorial_user)

    page = client.get(reverse("registry:home")).content.decode()
    menu = page[page.index('class="main-nav"') : page.index("</nav>", page.index('class="main-nav"'))]

    shown = {label for label in ("Imports", "Fusions") if f">{label}</a>" in menu}
    assert shown == offered
    for label, url in (("Imports", reverse("intake:upload")), ("Fusions", reverse("mergers:list"))):
        assert client.get(url).status_code == (200 if label in offered else 403)


def test_an_account_without_staff_access_is_offered_no_page_it_cannot_open(registry, nonstaff_client) -> None:
    # A member company's or a board member's account: the home page says the registry is for the network's staff,
    # and the menu offers none of the pages that would answer the same.
    page = nonstaff_client.get(reverse("registry:home"))

    assert page.status_code == 403
    assert 'class="main-nav"' not in page.content.decode()
    assert "Se déconnecter" in page.content.decode()


def test_staff_are_offered_the_registry_s_pages(registry, territorial_client) -> None:
    page = territorial_client.get(reverse("registry:home")).content.decode()
    menu = page[page.index('class="main-nav"') : page.index("</nav>", page.index('class="main-nav"'))]
    for name in ("registry:organisation_list", "finance:due_list", "budgets:list", "startups:board"):
        assert f'href="{reverse(name)}"' in menu
        assert territorial_client.get(reverse(name)).status_code == 200


def _menu(client, url: str, language: str = "fr") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = (
        language  # what « Changer » of the header's form remembers
    )
    page = client.get(url).content.decode()
    return page[page.index('class="main-nav"') : page.index("</nav>", page.index('class="main-nav"'))]


def test_the_menu_marks_the_current_page_and_speaks_the_reader_s_language_once_drawn(
    registry, hq_client, django_user_model
) -> None:
    """The menu is drawn once per key (base.html): the page, the language and the rights are all in it."""
    organisations, people = reverse("registry:organisation_list"), reverse("registry:person_list")
    for _ in range(2):  # the second time from the cache
        assert f'href="{organisations}" aria-current="page">Organisations<' in _menu(hq_client, organisations)
        menu = _menu(hq_client, people)
        assert f'href="{people}" aria-current="page">Personnes<' in menu
        assert f'href="{organisations}">Organisations<' in menu
        assert f'href="{people}" aria-current="page">People<' in _menu(hq_client, people, "en")
    director = Client()
    director.force_login(django_user_model.objects.create_superuser("direction-menu", "d@example.org", "x"))
    assert ">Fusions</a>" in _menu(director, people)
    assert ">Fusions</a>" not in _menu(hq_client, people)  # the same page, fewer rights
