"""The same incidents as a cState site, built by Hugo: the anchor `build_corpus.py --cstate` times
a cold `statusgen build` against, alternately, in one run.

cState (a Hugo theme; incidents are Markdown files under `content/issues/`) is not shipped here:
pass a checkout of it. Debian's `hugo` (0.111) builds cState 6.0; cState 7 needs a newer Hugo.

Each incident of the statusgen site becomes one cState issue with the same title, start, end,
affected components (by name) and updates (newest first, each its status in bold, its Markdown
and its time as cState's `track` shortcode); its severity is cState's word for the worst status
the incident declares. The site lists the same 20 components (cState's "systems") in the same
four groups, with the outputs cState's example site builds (pages, JSON, RSS, SVG badges).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from checker.bundle import Component
from checker.incident_model import Incident
from site_builder.content.site import load_site

SEVERITY = {"major_outage": "down", "partial_outage": "disrupted", "degraded_performance": "disrupted"}
"""cState's severity for the worst component status an incident declares."""
_ORDER = ("degraded_performance", "partial_outage", "major_outage")


def write_cstate_site(statusgen_site: Path, folder: Path, theme: Path) -> int:
    """A Hugo site at `folder` using the cState checkout `theme`, holding the incidents of the
    statusgen site at `statusgen_site`; returns how many it holds."""
    site = load_site(statusgen_site)
    components = {c.id: c for c in site.config.components}
    issues = folder / "content" / "issues"
    issues.mkdir(parents=True)
    (folder / "config.yml").write_text(_config(site.config.site.name, components.values(), theme), encoding="utf-8")
    for incident in site.bundle.incidents:
        (issues / f"{incident.slug}.md").write_text(_issue(incident, components), encoding="utf-8")
    return len(site.bundle.incidents)


def built_issue_pages(folder: Path) -> int:
    """How many issue pages a build of the site at `folder` wrote (its list pages aside)."""
    return sum(1 for page in (folder / "public" / "issues").glob("*/index.html") if page.parent.name != "page")


def _issue(incident: Incident, components: dict[str, Component]) -> str:
    worst = max(incident.components.values(), key=_ORDER.index)
    resolved = incident.resolved_at()
    lines = [
        "---",
        f"title: {_quoted(incident.title)}",
        f"date: {_stamp(incident.created_at)}",
        f"resolved: {'true' if resolved is not None else 'false'}",
        *([f"resolvedWhen: {_stamp(resolved)}"] if resolved is not None else []),
        f"severity: {SEVERITY[worst]}",
        "affected:",
        *(f"  - {components[cid].name}" for cid in incident.components),
        "section: issue",
        "---",
        "",
    ]
    for update in incident.updates:  # newest first, as cState writes them
        first, _, rest = update.body.strip().partition("\n\n")
        lines.append(f'**{update.status.capitalize()}** - {first} {{{{< track "{_stamp(update.at)}" >}}}}')
        lines += ["", rest, ""] if rest else [""]
    return "\n".join(lines)


def _config(name: str, components: Iterable[Component], theme: Path) -> str:
    components = list(components)
    groups = list(dict.fromkeys(c.group for c in components if c.group))
    lines = [
        f"title: {_quoted(name)}",
        "baseURL: https://status.bench.test/",
        "languageCode: en",
        "theme: " + theme.name,
        f"themesDir: {_quoted(str(theme.parent.resolve()))}",
        "preserveTaxonomyNames: true",
        "taxonomies:",
        "  affected: affected",
        "outputs:",
        "  page: [html, json]",
        "  section: [html, json, rss]",
        "  home: [html, json, rss, svg]",
        "  term: [html, json, rss, svg]",
        "outputFormats:",
        "  svg:",
        "    isPlainText: true",
        "    mediaType: image/svg+xml",
        "params:",
        "  incidentHistoryFormat: yearly",
        "  incidentMaxAgeYears: 100",  # every incident on the home page, whenever the benchmark runs
        "  incidentPostsPerPage: 10",
        "  useRelativeTime: true",
        "  enableLastMod: true",
        "  useLogo: false",
        # cState's colours (its templates compute shades from them), as in its example site
        '  brand: "#0a0c0f"',
        '  ok: "#008000"',
        '  disrupted: "#cc4400"',
        '  down: "#e60000"',
        '  notice: "#24478f"',
        "  alwaysKeepBrandColor: true",
        "  headerTextColor: white",
        "  dateFormat: January 2, 2006 at 3:04 PM UTC",
        "  shortDateFormat: 15:04 UTC — Jan 2",
        "  categories:",
        *(f"    - name: {group}" for group in groups),
        "  systems:",
    ]
    for component in components:
        lines.append(f"    - name: {component.name}")
        if component.group:
            lines.append(f"      category: {component.group}")
        if component.description:
            lines.append(f"      description: {_quoted(component.description)}")
    return "\n".join(lines) + "\n"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
