"""Rules the template language does not enforce itself."""

from __future__ import annotations

from pathlib import Path

import grappe

TEMPLATES = sorted(Path(grappe.__file__).parent.glob("**/templates/**/*.html"))


def test_templates_are_found() -> None:
    assert any(path.name == "base.html" for path in TEMPLATES)


def test_no_comment_spans_lines() -> None:
    # Django's {# … #} ends on its own line; one that runs on is shown to every visitor as text.
    unclosed = [
        f"{path.relative_to(Path(grappe.__file__).parent)}:{number}"
        for path in TEMPLATES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "{#" in line and "#}" not in line[line.index("{#") :]
    ]
    assert unclosed == [], "use {% comment %} for a comment over several lines: " + ", ".join(unclosed)
