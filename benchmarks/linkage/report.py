"""The results as Markdown: the main table, the timing targets, and the README section between markers."""

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
    return {"patstat": "PATSTAT (real names)", "auvergne-tic": "Auvergne TIC → registry"}.get(name, name)


def main_table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| data set | tool | pairwise P | pairwise R | pairwise F1 | cluster P | cluster R | run s | process s | peak mem GiB | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in results:
        if row["task"] != "dedupe":
            continue
        s = row.get("scores") or {}
        if row.get("finished"):
            note = row.get("note", "")
            lines.append(
                f"| {dataset_label(row['dataset'])} | {row['tool']} | {_f(s.get('precision'))} | {_f(s.get('recall'))} "
                f"| **{_f(s.get('f1'))}** | {_f(s.get('cluster_precision'))} | {_f(s.get('cluster_recall'))} "
                f"| {_f(row.get('run_seconds'), 1)} | {_f(row.get('wall_seconds'), 1)} "
                f"| {_f(row.get('peak_rss_bytes', 0) / GIB, 2)} | {note} |"
            )
        else:
            peak = row.get("peak_rss_bytes")
            lines.append(
                f"| {dataset_label(row['dataset'])} | {row['tool']} | – | – | – | – | – "
                f"| – | {_f(row.get('wall_seconds'), 1)} | {_f(peak / GIB, 2) if peak else '–'} "
                f"| **did not finish**: {row.get('reason', '')} |"
            )
    return "\n".join(lines)


def targets_table(results: list[dict[str, Any]]) -> str:
    by = {(r["tool"], r["dataset"], r["task"]): r for r in results}
    rows = []

    def ok(flag: bool | None) -> str:
        return "–" if flag is None else ("yes" if flag else "**no**")

    generated = sorted(
        {r["dataset"] for r in results if r["dataset"].startswith("generated-")},
        key=lambda n: int(n.split("-")[1]),
    )
    for name in generated:
        g = by.get(("grappe", name, "dedupe"))
        f1 = (g or {}).get("scores", {}).get("f1") if g and g.get("finished") else None
        rows.append(
            (f"F1 ≥ 0.97 on {dataset_label(name)}", "≥ 0.970", _f(f1), ok(None if f1 is None else f1 >= 0.97))
        )
    for name in [*generated, "patstat"]:
        g = by.get(("grappe", name, "dedupe"))
        if not g:
            continue
        g_f1 = g.get("scores", {}).get("f1") if g.get("finished") else None
        peers = [by.get((tool, name, "dedupe")) for tool in TOOLS[1:]]
        peers = [p for p in peers if p]
        if not peers:
            rows.append(
                (
                    f"F1 above every peer on {dataset_label(name)}",
                    "grappe > each peer",
                    "no peer run at this size",
                    "–",
                )
            )
            continue
        best = [(p["tool"], p["scores"]["f1"]) for p in peers if p.get("finished")]
        top = max(best, key=lambda item: item[1]) if best else None
        measured = f"grappe {_f(g_f1)} vs best peer " + (
            f"{top[0]} {_f(top[1])}" if top else "(none finished)"
        )
        flag = None if g_f1 is None else all(g_f1 > f for _, f in best)
        rows.append(
            (f"F1 above every peer on {dataset_label(name)}", "grappe > each peer", measured, ok(flag))
        )
    million = by.get(("grappe", "generated-1000000-s20160301", "dedupe")) or next(
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
    story = by.get(("grappe", "auvergne-tic", "link"))
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
    return "\n\n".join([header, main_table(results), "Targets (grappe):", targets_table(results)])


def rewrite_readme(readme: Path, body: str) -> None:
    text = readme.read_text(encoding="utf-8") if readme.exists() else f"{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    readme.write_text(pattern.sub(lambda _: f"{START}\n{body}\n{END}", text), encoding="utf-8")
