"""Human-readable views of a metrics dict: a self-contained HTML report and a terminal summary.

Everything shown is read from the metrics dict made by ``eval.metrics.evaluate``;
nothing is recomputed, so the report's figures are the JSON's figures.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: no display on a server or in CI
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from rich.console import Console
from rich.table import Table

from eval.metrics import HEADLINE, RECALL_KS

GROUP_METRICS = ("recall@5", "page_accuracy", "answer_accuracy")
COLOURS = {
    "recall@5": "#4C72B0",
    "page_accuracy": "#DD8452",
    "answer_accuracy": "#55A868",
}
LABELS = {
    "recall@1": "Recall@1",
    "recall@3": "Recall@3",
    "recall@5": "Recall@5",
    "recall@10": "Recall@10",
    "mrr@10": "MRR@10",
    "returned_recall@1": "Recall@1 as returned (answer's passage first)",
    "returned_mrr@10": "MRR@10 as returned (answer's passage first)",
    "page_accuracy": "Page accuracy (first citation)",
    "answer_accuracy": "Answer accuracy",
    "abstention_precision": "Abstention precision",
    "abstention_recall": "Abstention recall",
    "abstention_f1": "Abstention F1",
    "answerable_abstained": "Answerable questions abstained",
    "latency_p50_ms": "Latency p50 (ms)",
    "latency_p95_ms": "Latency p95 (ms)",
}
WORST_N = 10


# --------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------


def fmt(value: Any, name: str = "") -> str:
    """One format for a metric value everywhere (HTML, terminal): matches the JSON's rounding."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}" if name.endswith("_ms") else f"{value:.4f}"
    return str(value)


def severity(row: Mapping[str, Any]) -> int:
    """How badly a question went: 0 = fine; higher first in the list of misses."""
    if not row["answerable"]:
        return 0 if row["abstained"] else 4
    score = 0
    if row["rank"] is None:
        score += 2
    if row["answer_ok"] is False:
        score += 2
    if row["page_ok"] is False:
        score += 1
    if row["abstained"] and row["answer_ok"] is None:
        score += 2  # text/list answers are not judged, but abstaining is still a miss
    return score


def status(row: Mapping[str, Any]) -> str:
    """ok / partial / miss, for colour coding."""
    s = severity(row)
    if s == 0:
        return "ok"
    if (
        not row["answerable"]
        or row["rank"] is None
        or row["answer_ok"] is False
        or row["abstained"]
    ):
        return "miss"
    return "partial"


def worst_misses(metrics: Mapping[str, Any], n: int = WORST_N) -> list[Mapping[str, Any]]:
    """The ``n`` questions with the highest severity (ties: lowest best coverage first)."""
    rows = [r for r in metrics.get("questions", []) if severity(r) > 0]
    rows.sort(key=lambda r: (-severity(r), r.get("best_coverage", 0.0), r["id"]))
    return rows[:n]


# --------------------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------------------


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _style_axes(ax: Any, ylabel: str = "") -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    if ylabel:
        ax.set_ylabel(ylabel)


def plot_recall_curve(metrics: Mapping[str, Any]) -> bytes:
    """Recall@k for k = 1, 3, 5, 10: all questions, and one line per question style."""
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    overall = [metrics.get(f"recall@{k}") for k in RECALL_KS]
    if all(v is not None for v in overall):
        ax.plot(RECALL_KS, overall, marker="o", linewidth=2.8, color="black", label="all")
        for k, v in zip(RECALL_KS, overall, strict=True):
            ax.annotate(
                f"{v:.2f}",
                (k, v),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=8,
            )
    for i, (style, m) in enumerate(sorted(metrics.get("by_style", {}).items())):
        values = [m.get(f"recall@{k}") for k in RECALL_KS]
        if any(v is None for v in values):
            continue  # e.g. the unanswerable style has no retrieval metrics
        ax.plot(
            RECALL_KS,
            values,
            marker=".",
            linewidth=1.3,
            alpha=0.85,
            color=plt.cm.tab10(i % 10),
            label=f"{style} (n={m.get('n_answerable')})",
        )
    ax.set_xticks(RECALL_KS)
    ax.set_xlabel("k (passages)")
    ax.set_ylim(0, 1.08)
    ax.set_title("Evidence recall@k (answerable questions)")
    _style_axes(ax, "share of questions")
    ax.legend(fontsize=8, loc="lower right", frameon=False)
    return _png(fig)


def plot_groups(groups: Mapping[str, Mapping[str, Any]], title: str) -> bytes:
    """Grouped bars of recall@5, page and answer accuracy per group; n/a where undefined."""
    names = list(groups)
    fig, ax = plt.subplots(figsize=(max(6.4, 0.95 * len(names) + 2), 4.0))
    width = 0.8 / len(GROUP_METRICS)
    for j, metric in enumerate(GROUP_METRICS):
        xs = [i + (j - (len(GROUP_METRICS) - 1) / 2) * width for i in range(len(names))]
        vals = [groups[n].get(metric) for n in names]
        ax.bar(
            xs, [v or 0 for v in vals], width * 0.92, color=COLOURS[metric], label=LABELS[metric]
        )
        for x, v, name in zip(xs, vals, names, strict=True):
            if all(groups[name].get(m) is None for m in GROUP_METRICS):
                continue  # labelled once below
            ax.text(
                x,
                (v or 0) + 0.015,
                "n/a" if v is None else f"{v:.2f}",
                ha="center",
                va="bottom",
                fontsize=6.5,
                rotation=90 if len(names) > 6 else 0,
                color="#888888" if v is None else "#333333",
            )
    for i, name in enumerate(names):
        if all(groups[name].get(m) is None for m in GROUP_METRICS):
            ax.text(
                i,
                0.03,
                "no answerable\nquestions",
                ha="center",
                va="bottom",
                fontsize=7.5,
                color="#888888",
            )
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([f"{n}\n(n={groups[n].get('n')})" for n in names], fontsize=8)
    ax.set_ylim(0, 1.18)
    ax.set_title(title)
    _style_axes(ax, "share")
    ax.legend(fontsize=8, frameon=False, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    return _png(fig)


def plot_abstention(metrics: Mapping[str, Any]) -> bytes:
    """Confusion matrix of abstentions, and precision / recall / F1."""
    c = metrics.get("abstention_counts", {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8.4, 3.6), gridspec_kw={"width_ratios": [1, 1.1]})
    grid = [[c["tp"], c["fn"]], [c["fp"], c["tn"]]]
    ax1.imshow([[1, 0], [0, 1]], cmap="RdYlGn", vmin=-0.6, vmax=1.6, alpha=0.55)
    for i in range(2):
        for j in range(2):
            ax1.text(
                j, i, str(grid[i][j]), ha="center", va="center", fontsize=16, fontweight="bold"
            )
    ax1.set_xticks([0, 1], ["abstained", "answered"])
    ax1.set_yticks([0, 1], ["unanswerable", "answerable"])
    ax1.set_xlabel("tool")
    ax1.set_ylabel("gold")
    ax1.set_title("Abstentions")
    names = ("abstention_precision", "abstention_recall", "abstention_f1")
    vals = [metrics.get(n) for n in names]
    bars = ax2.bar(
        ["precision", "recall", "F1"],
        [v or 0 for v in vals],
        color=["#8172B3", "#937860", "#DA8BC3"],
        width=0.6,
    )
    for b, v in zip(bars, vals, strict=True):
        ax2.text(
            b.get_x() + b.get_width() / 2,
            (v or 0) + 0.02,
            "n/a" if v is None else f"{v:.2f}",
            ha="center",
            fontsize=9,
        )
    ax2.set_ylim(0, 1.12)
    ax2.set_title("Abstention (positive = abstained)")
    _style_axes(ax2)
    fig.tight_layout()
    return _png(fig)


def plot_latency(metrics: Mapping[str, Any]) -> bytes | None:
    """Per-question latency histogram with p50 and p95 marked; None without latencies."""
    lat = [q["latency_ms"] for q in metrics.get("questions", []) if q.get("latency_ms") is not None]
    if not lat:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.hist(lat, bins=min(30, max(5, len(lat) // 2)), color="#64B5CD", edgecolor="white")
    for name, style in (("latency_p50_ms", "--"), ("latency_p95_ms", ":")):
        v = metrics.get(name)
        if v is not None:
            ax.axvline(
                v,
                color="black",
                linestyle=style,
                linewidth=1.2,
                label=f"{name.split('_')[1]} = {v:.1f} ms",
            )
    ax.set_xlabel("ms per question")
    ax.set_title("Latency")
    _style_axes(ax, "questions")
    ax.legend(fontsize=8, frameon=False)
    return _png(fig)


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------

CSS = """
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;
  margin:24px auto;max-width:1280px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:12px;margin-bottom:16px}
table{border-collapse:collapse} td,th{padding:4px 8px;vertical-align:top;text-align:left}
.headline td,.headline th{border-bottom:1px solid #eee}.headline td.v{text-align:right;
  font-variant-numeric:tabular-nums;font-weight:600}
.figs{display:grid;grid-template-columns:1fr 1fr;gap:16px}.figs img{max-width:100%;
  border:1px solid #eee}.figs img.wide{grid-column:span 2;justify-self:center}
.q{width:100%;font-size:13px}.q th{background:#f4f4f4;position:sticky;top:0}
.q tr.main td{border-top:1px solid #ddd}
tr.ok td.s{background:#2e9e44} tr.partial td.s{background:#e6a117} tr.miss td.s{background:#d64541}
tr.ok{background:#f3fbf4} tr.partial{background:#fff9ec} tr.miss{background:#fdf1f0}
td.s{width:6px;padding:0} td.pg{white-space:nowrap}
.why{color:#a33;font-size:12px} .n{text-align:right;
  font-variant-numeric:tabular-nums} .good{color:#2e7d32} .bad{color:#c62828}
details{margin:2px 0 8px 6px} summary{cursor:pointer;color:#555;font-size:12px}
.p{border-left:4px solid #ccc;padding:4px 8px;margin:6px 0;background:#fff;font-size:12px;
  white-space:pre-wrap} .p.hit{border-left-color:#2e9e44;background:#f3fbf4}
.p .ph{color:#666;font-size:11px;margin-bottom:2px;white-space:normal}
.problems{color:#a33}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _img(data: bytes, alt: str, wide: bool = False) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    cls = ' class="wide"' if wide else ""
    return f'<img{cls} alt="{_e(alt)}" src="data:image/png;base64,{b64}">'


def _headline_html(metrics: Mapping[str, Any]) -> str:
    rows = "".join(
        f'<tr><th>{_e(LABELS.get(n, n))}</th><td class="v">{_e(fmt(metrics.get(n), n))}</td>'
        f"<td><code>{_e(n)}</code></td></tr>"
        for n in HEADLINE
    )
    return f'<table class="headline">{rows}</table>'


def _tick(value: bool | None) -> str:
    if value is None:
        return '<span title="not judged">–</span>'
    return '<span class="good">✓</span>' if value else '<span class="bad">✗</span>'


def _passages_html(row: Mapping[str, Any]) -> str:
    passages = row.get("passages") or []
    if not passages:
        return ""
    parts = []
    for p in passages:
        pages = ", ".join(_e(x) for x in (p.get("page_labels") or []) if x is not None)
        head = (
            f"#{p['rank']}"
            + (
                f" (retrieved #{p['retrieval_rank']})"
                if p.get("retrieval_rank", p["rank"]) != p["rank"]
                else ""
            )
            + f" · score {_e(fmt(p.get('score')))} · {_e(p.get('case') or '—')} · "
            f"{_e(p.get('section') or '')} · p. {pages or '?'} · "
            f"evidence coverage {p.get('coverage', 0):.0%}"
            + (" · <b>match</b>" if p.get("matched") else "")
        )
        cls = "p hit" if p.get("matched") else "p"
        parts.append(f'<div class="{cls}"><div class="ph">{head}</div>{_e(p.get("text"))}</div>')
    n_hit = sum(1 for p in passages if p.get("matched"))
    return (
        f"<details><summary>{len(passages)} retrieved passages ({n_hit} matching)</summary>"
        + "".join(parts)
        + "</details>"
    )


def _questions_html(metrics: Mapping[str, Any]) -> str:
    head = (
        "<tr><th></th><th>id</th><th>case</th><th>style</th><th>type</th><th>question</th>"
        "<th>gold</th><th>predicted</th><th>rank</th><th>page</th><th>answer</th>"
        "<th>ms</th></tr>"
    )
    body = []
    for r in metrics.get("questions", []):
        st = status(r)
        predicted = "<i>abstained</i>" if r["abstained"] else _e(r["predicted_answer"])
        gold = _e(r["gold_answer"]) if r["answerable"] else "<i>(unanswerable)</i>"
        gold_pages = ", ".join(r.get("gold_pages") or [])
        page_cell = _tick(r["page_ok"])
        if r.get("first_citation_page") is not None or gold_pages:
            page_cell += (
                f' <span title="first citation / evidence">'
                f"{_e(r.get('first_citation_page') or '—')}/{_e(gold_pages or '—')}</span>"
            )
        body.append(
            f'<tr class="main {st}"><td class="s"></td><td>{_e(r["id"])}</td>'
            f"<td>{_e(r['case_id'])}</td><td>{_e(r['style'])}</td><td>{_e(r['answer_type'])}</td>"
            f"<td>{_e(r['question'])}</td><td>{gold}</td><td>{predicted}</td>"
            f'<td class="n">{_e(r["rank"] if r["rank"] is not None else "—")}</td>'
            f"<td class='pg'>{page_cell}</td><td>{_tick(r['answer_ok'])}</td>"
            f'<td class="n">{_e(fmt(r.get("latency_ms"), "_ms"))}</td></tr>'
        )
        extra = ""
        if r.get("why"):
            extra += f'<div class="why">{_e(r["why"])}</div>'
        extra += _passages_html(r)
        if extra:
            body.append(
                f'<tr class="{st}"><td class="s"></td><td></td><td colspan="10">{extra}</td></tr>'
            )
    return f'<table class="q">{head}{"".join(body)}</table>'


def _meta_html(metrics: Mapping[str, Any]) -> str:
    bits = [f"{metrics.get('n_questions', 0)} questions"]
    for key in ("gold_path", "retrieval", "k", "layout"):
        if metrics.get(key) is not None:
            bits.append(f"{key}: {metrics[key]}")
    return " · ".join(_e(b) for b in bits)


def _problems_html(metrics: Mapping[str, Any]) -> str:
    problems = metrics.get("problems") or []
    if not problems:
        return ""
    items = "".join(
        f"<li>line {_e(p.get('line_no'))} {_e(p.get('id') or '')}: {_e(p.get('reason'))}</li>"
        for p in problems
    )
    return f'<h2>Gold problems ({len(problems)})</h2><ul class="problems">{items}</ul>'


def write_report(metrics: Mapping[str, Any], out_dir: Path) -> Path:
    """Write ``index.html`` (plots embedded, no external assets) and the PNGs; return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plots: list[tuple[str, str, bytes, bool]] = [
        ("recall_at_k.png", "Recall@k", plot_recall_curve(metrics), False),
        ("abstention.png", "Abstention", plot_abstention(metrics), False),
        ("by_case.png", "Per case", plot_groups(metrics.get("by_case", {}), "Per case"), True),
        (
            "by_answer_type.png",
            "Per answer type",
            plot_groups(metrics.get("by_answer_type", {}), "Per answer type"),
            True,
        ),
    ]
    latency = plot_latency(metrics)
    if latency is not None:
        plots.append(("latency.png", "Latency", latency, False))
    for name, _alt, data, _wide in plots:
        (out_dir / name).write_bytes(data)

    n_miss = sum(1 for r in metrics.get("questions", []) if status(r) == "miss")
    n_partial = sum(1 for r in metrics.get("questions", []) if status(r) == "partial")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>casebook evaluation</title><style>{CSS}</style></head><body>
<h1>casebook evaluation</h1>
<div class="meta">{_meta_html(metrics)}</div>
<h2>Headline</h2>
{_headline_html(metrics)}
{_problems_html(metrics)}
<h2>Figures</h2>
<div class="figs">{"".join(_img(data, alt, wide) for _n, alt, data, wide in plots)}</div>
<h2>Questions</h2>
<p class="legend"><span style="background:#2e9e44"></span>all right
<span style="background:#e6a117"></span>partly right ({n_partial})
<span style="background:#d64541"></span>missed ({n_miss}).
Rank: the retriever's position of the first passage matching the evidence (— when none in
the top {_e(metrics.get("k", ""))}); passages are listed as returned, the answer's passage
first ("retrieved #n" where the reader moved it). Page: first citation / evidence page.</p>
{_questions_html(metrics)}
</body></html>
"""
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------
# Terminal
# --------------------------------------------------------------------------------------


def render_terminal(metrics: Mapping[str, Any], console: Console) -> None:
    """A compact headline table, then up to ten of the worst misses with why they missed."""
    table = Table(
        title=f"casebook eval · {metrics.get('n_questions', 0)} questions",
        show_header=True,
        header_style="bold",
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name in HEADLINE:
        table.add_row(name, fmt(metrics.get(name), name))
    console.print(table)
    problems: Sequence[Mapping[str, Any]] = metrics.get("problems") or []
    if problems:
        console.print(
            f"[yellow]{len(problems)} gold problem(s); first: line "
            f"{problems[0].get('line_no')}: {problems[0].get('reason')}[/yellow]"
        )
    worst = worst_misses(metrics)
    if not worst:
        console.print("[green]No misses.[/green]")
        return
    misses = Table(title=f"Worst misses ({len(worst)})", show_header=True, header_style="bold")
    misses.add_column("id")
    misses.add_column("case")
    misses.add_column("style")
    misses.add_column("question", max_width=48, overflow="ellipsis")
    misses.add_column("why", max_width=70)
    for r in worst:
        misses.add_row(r["id"], str(r["case_id"]), str(r["style"]), r["question"], r["why"])
    console.print(misses)
