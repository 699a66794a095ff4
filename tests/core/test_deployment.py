"""Production mode (issue 13): what the environment decides, and the refusals of GRAPPE_ENV=production."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from grappe.core.deployment import DEMO_SECRET_KEY, from_environ

KEY = (
    "k" * 20 + "Zx9!q" + "w" * 30
)  # 55 characters, more than five distinct ones: Django's W009 is satisfied.
PRODUCTION = {
    "GRAPPE_ENV": "production",
    "GRAPPE_SECRET_KEY": KEY,
    "GRAPPE_ALLOWED_HOSTS": "grappe.example.org",
}
SRC = Path(__file__).resolve().parents[2] / "src"


def test_the_demo_runs_without_any_setting_on_the_public_key_with_an_eight_hour_session() -> None:
    deployment = from_environ({})
    assert not deployment.production and not deployment.debug
    assert deployment.secret_key == DEMO_SECRET_KEY
    assert deployment.allowed_hosts == ["127.0.0.1", "localhost"]
    assert deployment.session_seconds == 8 * 3600
    assert not deployment.ssl_redirect and not deployment.secure_cookies and deployment.hsts_seconds == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"GRAPPE_SECRET_KEY": ""}, "GRAPPE_SECRET_KEY est absente"),
        ({"GRAPPE_SECRET_KEY": DEMO_SECRET_KEY}, "clé publique de la démonstration"),
        ({"GRAPPE_SECRET_KEY": "court"}, "ne compte que 5 caractères"),
        ({"GRAPPE_DEBUG": "1"}, "GRAPPE_DEBUG activé"),
        ({"GRAPPE_ALLOWED_HOSTS": ""}, "GRAPPE_ALLOWED_HOSTS est vide"),
        ({"GRAPPE_ENV": "prod"}, "GRAPPE_ENV='prod' : valeur inconnue"),
        ({"GRAPPE_DEBUG": "peut-être"}, "GRAPPE_DEBUG='peut-être' : valeur inattendue"),
        ({"GRAPPE_SESSION_HOURS": "0"}, "au moins 1"),
        ({"GRAPPE_CSRF_TRUSTED_ORIGINS": "grappe.example.org"}, "doit commencer par https://"),
        ({"GRAPPE_PROXY_SSL_HEADER": "X Forwarded"}, "nom de l'en-tête"),
    ],
)
def test_production_refuses_an_unsafe_environment_naming_the_variable(change: dict, expected: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=expected):
        from_environ({**PRODUCTION, **change})


def test_production_turns_https_secure_cookies_and_hsts_on_and_reads_the_proxy_and_origins() -> None:
    deployment = from_environ(
        {
            **PRODUCTION,
            "GRAPPE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
            "GRAPPE_CSRF_TRUSTED_ORIGINS": "https://grappe.example.org, https://registre.example.org",
            "GRAPPE_SESSION_HOURS": "10",
        }
    )
    assert deployment.production and deployment.secret_key == KEY
    assert deployment.ssl_redirect and deployment.secure_cookies
    assert deployment.hsts_seconds == 365 * 24 * 3600 and deployment.hsts_include_subdomains
    assert deployment.proxy_ssl_header == ("HTTP_X_FORWARDED_PROTO", "https")
    assert deployment.csrf_trusted_origins == ["https://grappe.example.org", "https://registre.example.org"]
    assert deployment.session_seconds == 10 * 3600


def test_the_session_lasts_eight_hours_not_two_weeks(settings) -> None:
    assert settings.SESSION_COOKIE_AGE == 8 * 3600


def _grappe(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GRAPPE_", "DJANGO_", "DATABASE_"))
    }
    environ = {**base, "PYTHONPATH": str(SRC), "GRAPPE_DATA_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-m", "grappe.cli", *args], env=environ, capture_output=True, text=True, timeout=120
    )


def test_production_without_a_secret_key_does_not_start(tmp_path: Path) -> None:
    result = _grappe(["manage", "check"], {**PRODUCTION, "GRAPPE_SECRET_KEY": ""}, tmp_path)
    assert result.returncode != 0
    assert "GRAPPE_SECRET_KEY est absente" in result.stderr


def test_check_deploy_is_clean_in_production(tmp_path: Path) -> None:
    result = _grappe(["manage", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db(transaction=True)
def test_production_refuses_to_serve_a_database_holding_the_demo_accounts(
    tmp_path: Path, shared_database: str
) -> None:
    env = {**PRODUCTION, "DATABASE_URL": shared_database}
    create = (
        "from django.contrib.auth.models import User; "
        "User.objects.create_superuser('direction', 'direction@example.org', 'grappe-demo')"
    )
    assert _grappe(["manage", "check"], env, tmp_path).returncode == 0
    assert _grappe(["manage", "shell", "-c", create], env, tmp_path).returncode == 0
    checked = _grappe(["manage", "check"], env, tmp_path)
    assert checked.returncode != 0 and "demo.E001" in checked.stderr
    served = _grappe(["serve", "--port", "8790"], env, tmp_path)
    assert served.returncode == 2
    assert "Le compte de démonstration « direction » existe avec le mot de passe public" in served.stderr
    assert "demo.E001" in served.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_grappe_serve_on_a_taken_port_says_so_without_a_backtrace(
    tmp_path: Path, shared_database: str
) -> None:
    env = {**PRODUCTION, "DATABASE_URL": shared_database}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        served = _grappe(["serve", "--port", str(port), "--workers", "1"], env, tmp_path)
    assert served.returncode == 2
    assert f"impossible d'écouter sur 127.0.0.1:{port}" in served.stderr
    assert "Traceback" not in served.stdout + served.stderr


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [("--port", "70000", "--port"), ("--port", "0", "--port"), ("--workers", "0", "--workers")],
)
def test_grappe_serve_refuses_an_impossible_port_or_worker_count(
    tmp_path: Path, option: str, value: str, said: str
) -> None:
    served = _grappe(["serve", option, value], PRODUCTION, tmp_path)
    assert served.returncode == 2
    assert said in served.stderr and "granian" not in served.stderr
    assert "Traceback" not in served.stdout + served.stderr


def _refused_before_the_body(port: int) -> tuple[bytes, int]:
    """Declare a 1 GB upload, then send it 64 KiB at a time until the server answers: (its answer, bytes sent)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            b"POST /imports/ HTTP/1.1\r\nHost: grappe.example.org\r\nX-Forwarded-Proto: https\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1000000000\r\n\r\n"
        )
        connection.settimeout(0.2)
        sent = 0
        while sent < 50_000_000:
            connection.sendall(b"a" * 65536)
            sent += 65536
            try:
                answer = connection.recv(65536)
            except TimeoutError:
                continue
            return answer, sent
    return b"", sent


def _worker_pids(log: Path) -> list[str]:
    return re.findall(r"Spawning worker-\d+ with PID: (\d+)", log.read_text(encoding="utf-8"))


@pytest.mark.django_db(transaction=True)
def test_grappe_serve_runs_granian_behind_an_https_proxy(tmp_path: Path, shared_database: str) -> None:
    env = {**PRODUCTION, "DATABASE_URL": shared_database, "GRAPPE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}
    port = _free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPPE_", "DJANGO_", "DATABASE_"))}
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "grappe.cli", "serve", "--port", str(port), "--workers", "1"],
            env={**base, "PYTHONPATH": str(SRC), "GRAPPE_DATA_DIR": str(tmp_path), **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:

        def get(headers: dict[str, str]) -> http.client.HTTPResponse:
            deadline = time.monotonic() + 60
            while True:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                try:
                    connection.request(
                        "GET", "/connexion/", headers={"Host": "grappe.example.org", **headers}
                    )
                    response = connection.getresponse()
                    response.read()
                    return response
                except (ConnectionRefusedError, ConnectionResetError):
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.3)

        plain = get({})
        assert plain.status == 301 and plain.getheader("Location") == "https://grappe.example.org/connexion/"
        secure = get({"X-Forwarded-Proto": "https"})
        assert secure.status == 200
        assert "max-age=31536000" in secure.getheader("Strict-Transport-Security", "")
        assert "script-src 'self'" in secure.getheader("Content-Security-Policy", "")
        assert "GET /connexion/" in log.read_text(encoding="utf-8")  # the access log is on

        # The server hands the body over as it arrives: the refusal comes after a few kilobytes of a declared
        # gigabyte, not once the whole of it is held in memory or on disk.
        answer, sent = _refused_before_the_body(port)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
        assert sent <= 4 * 1024 * 1024

        # A worker that dies (killed, or aborted by a library) is started again.
        (first,) = _worker_pids(log)
        os.kill(int(first), signal.SIGKILL)
        deadline = time.monotonic() + 60
        while len(_worker_pids(log)) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert get({"X-Forwarded-Proto": "https"}).status == 200
        assert len(_worker_pids(log)) == 2
    finally:
        server.terminate()
        server.wait(timeout=30)
