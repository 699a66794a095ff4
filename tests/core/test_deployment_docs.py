"""The deployment documentation cannot drift from the code: every setting read, every service started."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from grappe import cli

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_of_a_deployment_is_documented_in_the_readme() -> None:
    read = set(re.findall(r'"(GRAPPE_[A-Z_]+)"', (ROOT / "src/grappe/core/deployment.py").read_text()))
    assert {"GRAPPE_ENV", "GRAPPE_SECRET_KEY", "GRAPPE_PROXY_SSL_HEADER", "GRAPPE_SESSION_HOURS"} <= read
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert sorted(name for name in read if f"`{name}`" not in readme) == []
    example = (ROOT / "deploy/grappe.env.example").read_text(encoding="utf-8")
    assert "GRAPPE_ENV=production" in example and "GRAPPE_SECRET_KEY=\n" in example  # no key shipped


def test_compose_starts_postgres_the_web_server_and_the_worker_with_real_commands() -> None:
    compose = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["db"]["image"].startswith("postgres:")
    cli._register_commands()
    commands = {command.name or command.callback.__name__ for command in cli.app.registered_commands}
    for name in ("migrate", "web", "worker"):
        program, command, *_options = services[name]["command"]
        assert program == "grappe" and command in commands, name
    assert services["web"]["command"][1] == "serve" and services["worker"]["command"][1] == "worker"
    assert "GRAPPE_ENV=production" in (ROOT / "deploy/Dockerfile").read_text(encoding="utf-8")
