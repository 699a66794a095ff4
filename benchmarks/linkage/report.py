"""The results as Markdown: the main table, the learning curve, the targets, and the README section between markers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

GIB = 1024**3
START, END = "<!-- results:start -->", "<!-- results:end -->"
TOOLS = ("grappe", "splink", "dedupe", "recordlinkage")


def _f(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def dataset_label(name: str) -> str:
    if name.startswith("generated-"):
        size = int(name.split("-")[1])
        return f"French registry {size:,}".replace(",", " ")
    return {
        "restaurants": "Restaurants (Fodors–Zagat, real)",
        "patstat": "PATSTAT (real names)",
        "auvergne-tic": "Auvergne TIC → registry",
    }.get(name, name)


def tool_label(row: dict[str, Any]) -> str:
    tool, variant = row["tool"], row.get("variant", "")
    if tool == "splink":
        label = "splink, default (clusters at 0.95)"
    elif tool == "dedupe":
        budget = variant.split("=")[1] if variant.startswith("labels=") else "80"
        label = f"dedupe ({budget} labels)"
    else:
        label = tool
    return label + (" + coordinates (extra, not given to Grappe)" if variant == "coords" else "")


def _scored_line(dataset: str, label: str, s: dict[str, Any], row: dict[str, Any], note: str) -> str:
    peak = row.get("peak_rss_bytes") or 0
    return (
        f"| {dataset_label(dataset)} | {label} | {_f(s.get('precision'))} | {_f(s.get('recall'))} "
        f"| **{_f(s.get('f1'))}** | {_f(s.get('cluster_precision'))} | {_f(s.get('cluster_recall'))} "
        f"| {_f(row.get('run_seconds'), 1)} | {_f(row.get('wall_seconds'), 1)} | {_f(peak / GIB, 2)} | {note} |"
    )


def best_threshold(row: dict[str, Any]) -> tuple[float, dict[str, Any]] | None:
    """Splink's clustering threshold with the best F1 against the truth (an oracle's choice), and its scores."""
    sweep = [
        (float(label.split("=")[1]), scores)
        for label, scores in (row.get("extra_scores") or {}).items()
        if label.startswith("threshold=")
    ]
    return max(sweep, key=lambda item: (item[1]["f1"], item[0])) if sweep else None


def main_table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| data set | tool | pairwise P | pairwise R | pairwise F1 | cluster P | cluster R | run s | process s | peak mem GiB | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in results:
        if row["task"] != "dedupe" or row.get("variant") == "curve":
            continue
        s = row.get("scores") or {}
        if row.get("finished"):
            note = row.get("note", "")
            info = row.get("info") or {}
            best_pair = info.get("best_pair_probability")
            if row["tool"] == "splink" and s.get("recall", 1) < 0.1 and best_pair is not None:
                # Why the default scores (next to) nothing: almost no pair reaches the clustering threshold.
                note = f"almost no pair reaches 0.95: the best pair's match probability is {best_pair:.3f}"
            if info.get("em_sessions_failed"):
                note = (note + "; " if note else "") + (
                    f"{len(info['em_sessions_failed'])} EM session(s) stopped (an m below 1e-300): "
                    "the model kept the other sessions' estimates"
                )
            lines.append(_scored_line(row["dataset"], tool_label(row), s, row, note))
            best = best_threshold(row) if row["tool"] == "splink" else None
            if best:
                threshold, scores = best
                label = tool_label(row).replace("default (clusters at 0.95)", "best threshold (oracle)")
                lines.append(
                    _scored_line(
                        row["dataset"],
                        label,
                        scores,
                        row,
                        f"clusters at {threshold:g}, the best of {len(row['extra_scores'])} thresholds "
                        "scored against the truth (same run)",
                    )
                )
        else:
            peak = row.get("peak_rss_bytes")
            lines.append(
                f"| {dataset_label(row['dataset'])} | {tool_label(row)} | – | – | – | – | – "
                f"| – | {_f(row.get('wall_seconds'), 1)} | {_f(peak / GIB, 2) if peak else '–'} "
                f"| **did not finish**: {row.get('reason', '')} |"
            )
    return "\n".join(lines)


CURVE = (0, 25, 50, 100, 200)


def curve(results: list[dict[str, Any]], dataset: str) -> tuple[dict[str, dict[int, str]], list[str]]:
    """tool → budget → F1 cell, for the learning-curve table (with how many were asked when fewer), and the
    reasons of the jobs that did not finish."""
    cells: dict[str, dict[int, str]] = {"grappe": {}, "dedupe": {}}
    notes = []
    for row in results:
        if row["dataset"] != dataset or row["task"] != "dedupe":
            continue
        if row["tool"] == "grappe" and row.get("variant") == "curve":
            if not row.get("finished"):
                cells["grappe"].update({n: "did not finish" for n in CURVE[1:]})
                notes.append(f"{dataset_label(dataset)}, Grappe's curve: {row.get('reason', '')}")
                continue
            asked = (row.get("info") or {}).get("asked_at", {})
            for n in CURVE:
                scores = (row.get("extra_scores") or {}).get(f"decisions={n}")
                given = asked.get(str(n), n)
                cells["grappe"][n] = (
                    "–" if scores is None else _f(scores["f1"]) + (f" ({given} asked)" if given != n else "")
                )
        elif row["tool"] == "grappe" and not row.get("variant") and row.get("finished"):
            # 0 decisions is the default run: the same call, shown when the curve's own run is missing.
            cells["grappe"].setdefault(0, _f(row["scores"]["f1"]))
        elif row["tool"] == "dedupe" and str(row.get("variant", "")).startswith("labels="):
            n = int(row["variant"].split("=")[1])
            cells["dedupe"][n] = _f(row["scores"]["f1"]) if row.get("finished") else "did not finish"
    cells["dedupe"][0] = "impossible (needs labels)"
    return cells, notes


def curve_table(results: list[dict[str, Any]]) -> str:
    datasets = [name for name in ("restaurants", "patstat") if any(r["dataset"] == name for r in results)]
    lines = [
        "| data set | tool | " + " | ".join(f"N = {n}" for n in CURVE) + " |",
        "|---|---|" + "---:|" * len(CURVE),
    ]
    notes: list[str] = []
    for name in datasets:
        cells, reasons = curve(results, name)
        notes += reasons
        for tool, unit in (("grappe", "decisions"), ("dedupe", "labels")):
            row = cells[tool]
            lines.append(
                f"| {dataset_label(name)} | {tool} ({unit}) | "
                + " | ".join(row.get(n, "–") for n in CURVE)
                + " |"
            )
    return "\n".join(lines + ([""] if notes else []) + [f"- {note}" for note in notes])


def _f1(row: dict[str, Any] | None, extra: str | None = None) -> float | None:
    if not row or not row.get("finished"):
        return None
    scores = (row.get("extra_scores") or {}).get(extra) if extra else row.get("scores")
    return scores.get("f1") if scores else None


def targets_table(results: list[dict[str, Any]]) -> str:
    by = {(r["tool"], r["dataset"], r["task"], r.get("variant", "")): r for r in results}
    rows = []

    def ok(flag: bool | None) -> str:
        return "–" if flag is None else ("yes" if flag else "**no**")

    def at_least(label: str, value: float | None, goal: float) -> None:
        rows.append((label, f"≥ {goal:.2f}", _f(value), ok(None if value is None else value >= goal)))

    if any(r["dataset"] == "restaurants" for r in results):
        at_least("F1 on restaurants, defaults", _f1(by.get(("grappe", "restaurants", "dedupe", ""))), 0.95)
    if any(r["dataset"] == "patstat" for r in results):
        at_least("F1 on PATSTAT, defaults", _f1(by.get(("grappe", "patstat", "dedupe", ""))), 0.90)
    for name in ("restaurants", "patstat"):
        if not any(r["dataset"] == name for r in results):
            continue
        grappe = _f1(by.get(("grappe", name, "dedupe", "curve")), "decisions=50")
        dedupe = _f1(by.get(("dedupe", name, "dedupe", "labels=50")))
        flag = None if grappe is None or dedupe is None else grappe >= dedupe
        rows.append(
            (
                f"{dataset_label(name)}: 50 decisions vs dedupe's 50 labels",
                "grappe ≥ dedupe",
                f"grappe {_f(grappe)} vs dedupe {_f(dedupe)}",
                ok(flag),
            )
        )
    if any(r["dataset"] == "restaurants" for r in results):
        at_least(
            "F1 on restaurants after 200 decisions",
            _f1(by.get(("grappe", "restaurants", "dedupe", "curve")), "decisions=200"),
            0.97,
        )
    generated = sorted(
        {r["dataset"] for r in results if r["dataset"].startswith("generated-")},
        key=lambda n: int(n.split("-")[1]),
    )
    for name in generated:
        at_least(f"F1 on {dataset_label(name)}", _f1(by.get(("grappe", name, "dedupe", ""))), 0.99)
    million = by.get(("grappe", "generated-1000000-s20160301", "dedupe", "")) or next(
        (r for r in results if r["tool"] == "grappe" and r["dataset"].startswith("generated-1000000")), None
    )
    if million:
        if million.get("finished"):
            run_s, peak = million["run_seconds"], million["peak_rss_bytes"] / GIB
            rows.append(
                (
                    "1M de-duplication wall time",
                    "≤ 60 s",
                    f"{run_s:.1f} s (process {million['wall_seconds']:.1f} s)",
                    ok(run_s <= 60),
                )
            )
            rows.append(("1M de-duplication peak memory", "≤ 8 GiB", f"{peak:.2f} GiB", ok(peak <= 8)))
        else:
            rows.append(
                (
                    "1M de-duplication",
                    "≤ 60 s, ≤ 8 GiB",
                    f"did not finish: {million.get('reason')}",
                    ok(False),
                )
            )
    link = next((r for r in results if r["tool"] == "grappe" and r["dataset"].startswith("link300-")), None)
    if link:
        if link.get("finished"):
            info = link.get("info", {})
            s = link.get("scores", {})
            rows.append(
                (
                    "link 300 new records into the 1M registry",
                    "≤ 5 s",
                    f"{info.get('link_prepared_seconds', 0):.2f} s against the prepared registry "
                    f"(prepare_registry once: {info.get('prepare_registry_seconds', 0):.1f} s; from raw records: "
                    f"{info.get('link_end_to_end_seconds', 0):.1f} s); F1 on pairs with a new record {_f(s.get('f1'))}",
                    ok(info.get("link_prepared_seconds", 1e9) <= 5),
                )
            )
        else:
            rows.append(
                (
                    "link 300 new records into the 1M registry",
                    "≤ 5 s",
                    f"did not finish: {link.get('reason')}",
                    ok(False),
                )
            )
    story = by.get(("grappe", "auvergne-tic", "link", ""))
    if story:
        if story.get("finished"):
            info = story.get("info", {})
            s = story.get("scores", {})
            rows.append(
                (
                    "Auvergne TIC case end to end (85 export rows × 230 registry rows of 220 members)",
                    "≤ 2 s",
                    f"{info.get('link_end_to_end_seconds', 0):.2f} s; members after: {info.get('members_after')} "
                    f"(truth 300); F1 on pairs with a new record {_f(s.get('f1'))}",
                    ok(info.get("link_end_to_end_seconds", 1e9) <= 2),
                )
            )
        else:
            rows.append(
                ("Auvergne TIC case end to end", "≤ 2 s", f"did not finish: {story.get('reason')}", ok(False))
            )
    lines = ["| target | goal | measured | met |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def section(results: list[dict[str, Any]], header: str) -> str:
    return "\n\n".join(
        [
            header,
            main_table(results),
            "F1 after N decisions / labels (the real sets; Grappe: a simulated reviewer answers its review queue "
            "from the truth; dedupe: its oracle answers N labels in all, seed pairs included):",
            curve_table(results),
            "Targets (grappe):",
            targets_table(results),
        ]
    )


def rewrite_readme(readme: Path, body: str, *, start: str = START, end: str = END) -> None:
    """Replace the section between the ``start`` and ``end`` markers (appended when missing) with ``body``."""
    text = readme.read_text(encoding="utf-8") if readme.exists() else f"{start}\n{end}\n"
    if start not in text:
        text += f"\n{start}\n{end}\n"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    readme.write_text(pattern.sub(lambda _: f"{start}\n{body}\n{end}", text), encoding="utf-8")
