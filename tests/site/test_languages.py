"""A site in five languages (tests/fixtures/site/languages), built by `statusgen build` from files
on disk and read as its readers would: each language's pages say `lang`, use the language's
labels and dates, link their versions in the other languages (hreflang and a switch of plain
links), show a translated incident translated and an untranslated one in the original with a
note; feeds per language; the Statuspage API in the main language only, unchanged."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner, Result

from site_builder.cli import main
from tests.site.sitechecks import broken_links, text_of
from tests.site.sitetest import fixture_site

URL = "https://status.example.test"
PREFIXES = {"en": "", "de": "de/", "fr": "fr/", "es": "es/", "ja": "ja/"}
BANNER = {
    "en": "Minor Service Outage",
    "de": "Geringfügige Dienststörung",
    "fr": "Perturbation mineure du service",
    "es": "Interrupción leve del servicio",
    "ja": "サービスの軽微な障害",
}
ACTIVE = {
    "en": "Active incidents",
    "de": "Aktuelle Störungen",
    "fr": "Incidents en cours",
    "es": "Incidentes activos",
    "ja": "発生中のインシデント",
}
STATUS = {
    "en": "Partial Outage",
    "de": "Teilausfall",
    "fr": "Panne partielle",
    "es": "Interrupción parcial",
    "ja": "部分的な障害",
}
API_TITLE = {
    "en": "Elevated API error rates",
    "de": "Erhöhte Fehlerraten der API",
    "fr": "Taux d’erreur élevé sur l’API",
    "es": "Tasas de error elevadas en la API",
    "ja": "API のエラー率の上昇",
}
NOT_TRANSLATED = {"de": "(nicht übersetzt)", "fr": "(non traduit)", "es": "(sin traducir)", "ja": "（未翻訳）"}
DAY = {
    "en": "20 Nov 2026, 14:30 UTC",
    "de": "20. November 2026, 14:30 UTC",
    "fr": "20 novembre 2026, 14:30 UTC",
    "es": "20 de noviembre de 2026, 14:30 UTC",
    "ja": "2026年11月20日 14:30 UTC",
}
"""The time of the API incident's latest update, as each language writes it."""


def statusgen(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


def build(root: Path) -> Result:
    return statusgen("build", "--root", str(root), "--out", str(root / "public"), "--no-notify")


def copy_site(destination: Path) -> Path:
    shutil.copytree(fixture_site("languages"), destination)
    return destination


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_site(tmp_path_factory.mktemp("languages") / "site")
    result = build(root)
    assert result.exit_code == 0, result.output
    return root / "public"


def read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def alternates(html: str) -> set[tuple[str, str]]:
    return set(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


def switch(html: str) -> dict[str, str]:
    """Language -> the switch's link to this page in it (the current language's entry has none)."""
    nav = re.search(r'<nav class="langs" aria-label="[^"]+">(.*?)</nav>', html)
    assert nav, "no language switch"
    return {code: href for href, code in re.findall(r'<a href="([^"]+)" hreflang="([^"]+)"', nav[1])}


@pytest.mark.parametrize("code", PREFIXES)
def test_each_index_is_in_its_language_with_its_labels_and_dates(site: Path, code: str) -> None:
    html = read(site, PREFIXES[code] + "index.html")
    assert f'<html lang="{code}">' in html
    text = text_of(html)
    assert BANNER[code] in text
    assert ACTIVE[code] in text
    assert STATUS[code] in text
    assert DAY[code] in text
    assert f'<link rel="canonical" href="{URL}/{PREFIXES[code]}">' in html


@pytest.mark.parametrize("code", PREFIXES)
@pytest.mark.parametrize(
    "page",
    [
        "index.html",
        "incidents/2026-11-20-api-errors/index.html",
        "history/index.html",
        "components/cdn/index.html",
        "uptime/index.html",
    ],
)
def test_every_page_names_its_versions_in_every_language(site: Path, code: str, page: str) -> None:
    html = read(site, PREFIXES[code] + page)
    shown = page.removesuffix("index.html")
    expected = {(c, f"{URL}/{prefix}{shown}") for c, prefix in PREFIXES.items()} | {("x-default", f"{URL}/{shown}")}
    assert alternates(html) == expected


@pytest.mark.parametrize("code", PREFIXES)
def test_the_language_switch_leads_to_the_same_page_in_each_language_without_script(site: Path, code: str) -> None:
    page = PREFIXES[code] + "incidents/2026-11-20-api-errors/index.html"
    html = read(site, page)
    links = switch(html)
    assert set(links) == set(PREFIXES) - {code}
    assert f'<span aria-current="page" lang="{code}">' in html
    for other, href in links.items():
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), href))
        assert target == PREFIXES[other] + "incidents/2026-11-20-api-errors/index.html"
        assert f'<html lang="{other}">' in read(site, target)


def test_no_page_of_any_language_links_to_a_missing_file(site: Path) -> None:
    assert broken_links(site) == []


@pytest.mark.parametrize("code", PREFIXES)
def test_a_translated_incident_reads_translated(site: Path, code: str) -> None:
    index = read(site, PREFIXES[code] + "index.html")
    assert f'<a href="incidents/2026-11-20-api-errors/index.html">{API_TITLE[code]}</a>' in index
    if code != "en":
        assert API_TITLE["en"] not in index
    page = text_of(read(site, PREFIXES[code] + "incidents/2026-11-20-api-errors/index.html"))
    assert API_TITLE[code] in page


@pytest.mark.parametrize("code", ["de", "fr", "es", "ja"])
def test_an_untranslated_incident_shows_the_original_marked_in_the_language(site: Path, code: str) -> None:
    index = read(site, PREFIXES[code] + "index.html")
    assert (
        '<a href="incidents/2026-11-21-slow-downloads/index.html" lang="en">Slow downloads from the CDN</a> '
        f'<span class="untranslated">{NOT_TRANSLATED[code]}</span>'
    ) in index
    assert '<div class="body" lang="en"><p>Downloads are slower than usual in Europe.</p></div>' in index


def test_an_untranslated_update_of_a_translated_incident_shows_the_original_marked(site: Path) -> None:
    page = read(site, "es/incidents/2026-11-20-api-errors/index.html")
    assert '<div class="body" lang="en"><p>A failing database replica served stale reads.</p></div>' in page
    assert "<p>Estamos investigando tasas de error elevadas en la API.</p>" in page
    assert page.count("(sin traducir)") == 1


def test_the_main_language_has_no_marks(site: Path) -> None:
    index = read(site, "index.html")
    assert 'class="untranslated"' not in index
    assert ' lang="en">' not in index.replace('<html lang="en">', "").replace(
        '<span aria-current="page" lang="en">', ""
    )


@pytest.mark.parametrize("code", PREFIXES)
def test_each_language_has_its_own_feeds(site: Path, code: str) -> None:
    prefix = PREFIXES[code]
    atom = feedparser.parse(read(site, prefix + "history.atom"))
    rss = feedparser.parse(read(site, prefix + "history.rss"))
    assert not atom.bozo and not rss.bozo
    assert atom.feed.language == code
    titles = {entry.title for entry in atom.entries}
    untranslated = "Slow downloads from the CDN" + ("" if code == "en" else f" {NOT_TRANSLATED[code]}")
    assert titles == {API_TITLE[code], untranslated}
    assert {entry.title for entry in rss.entries} == titles
    assert {entry.link for entry in atom.entries} == {
        f"{URL}/{prefix}incidents/2026-11-20-api-errors/",
        f"{URL}/{prefix}incidents/2026-11-21-slow-downloads/",
    }
    component = feedparser.parse(read(site, prefix + "components/api/feed.atom"))
    assert [entry.title for entry in component.entries] == [API_TITLE[code]]
    html = read(site, prefix + "index.html")
    assert '<link rel="alternate" type="application/atom+xml"' in html and 'href="history.atom"' in html


def test_the_statuspage_api_and_the_other_json_are_in_the_main_language_only_and_unchanged(
    site: Path, tmp_path: Path
) -> None:
    # The same site in English alone, without its translations.
    root = copy_site(tmp_path / "english")
    config = root / "statuspage.yaml"
    config.write_text(config.read_text().replace("  languages: [en, de, fr, es, ja]\n", ""))
    for translation in (root / "incidents").glob("*.*.md"):
        translation.unlink()
    assert build(root).exit_code == 0
    english = root / "public"
    data = sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*")
        if p.is_file() and p.suffix in (".json", ".ics", ".svg") and not p.name.startswith(".")
    )
    assert any(name.startswith("api/v2/") for name in data)
    for name in data:
        if not name.startswith("assets/"):
            assert (site / name).read_bytes() == (english / name).read_bytes(), name
    for prefix in ("de", "fr", "es", "ja"):
        assert not (site / prefix / "api").exists()
        assert not (site / prefix / "maintenance.ics").exists()
    incidents = json.loads(read(site, "api/v2/incidents.json"))["incidents"]
    assert {i["name"] for i in incidents} == {"Elevated API error rates", "Slow downloads from the CDN"}


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "2026-11-20-api-errors.de.md",
            "---\ntitle: Erhöhte Fehlerraten\n---\n\n## 2026-11-20 14:35 UTC identified\nText.\n\n"
            "## 2026-11-20 14:05 UTC investigating\nText.\n",
            "incidents/2026-11-20-api-errors.de.md:5: updates[0]: '2026-11-20 14:35 UTC identified' does not match "
            "the original's update '2026-11-20 14:30 UTC identified' (incidents/2026-11-20-api-errors.md); keep the "
            "time and status, translate only the text",
        ),
        (
            "2026-11-20-api-errors.de.md",
            "---\ntitle: Erhöhte Fehlerraten\n---\n\n## 2026-11-20 14:30 UTC resolved\nText.\n\n"
            "## 2026-11-20 14:05 UTC investigating\nText.\n",
            "incidents/2026-11-20-api-errors.de.md:5: updates[0]: '2026-11-20 14:30 UTC resolved' does not match "
            "the original's update '2026-11-20 14:30 UTC identified' (incidents/2026-11-20-api-errors.md); keep the "
            "time and status, translate only the text",
        ),
        (
            "2026-11-20-api-errors.fr.md",
            "---\ntitle: Erreurs\n---\n\n## 2026-11-20 14:05 UTC investigating\nTexte.\n",
            "incidents/2026-11-20-api-errors.fr.md:5: updates: has 1 update, the original "
            "(incidents/2026-11-20-api-errors.md) has 2 updates: keep every update of the original with its time and "
            "status, and leave the text of one not translated yet empty",
        ),
        (
            "2026-11-20-api-errors.ja.md",
            "---\ntitle: エラー\nimpact: minor\n---\n\n## 2026-11-20 14:30 UTC identified\n\n"
            "## 2026-11-20 14:05 UTC investigating\n",
            "incidents/2026-11-20-api-errors.ja.md:3: impact: comes from the original "
            "(incidents/2026-11-20-api-errors.md); a translation sets only title",
        ),
        (
            "2026-11-20-api-errors.it.md",
            "---\ntitle: Errori\n---\n\n## 2026-11-20 14:30 UTC identified\n\n## 2026-11-20 14:05 UTC investigating\n",
            "incidents/2026-11-20-api-errors.it.md:1: 'it' is not one of site.languages in statuspage.yaml "
            "(en, de, fr, es, ja); add it there or remove this file",
        ),
        (
            "2026-11-20-api-errors.en.md",
            "---\ntitle: Errors\n---\n\n## 2026-11-20 14:30 UTC identified\n\n## 2026-11-20 14:05 UTC investigating\n",
            "incidents/2026-11-20-api-errors.en.md:1: 'en' is the site's main language (site.language): write in "
            "the original, incidents/2026-11-20-api-errors.md",
        ),
        (
            "2026-11-19-no-such-incident.de.md",
            "---\ntitle: Nichts\n---\n\n## 2026-11-19 10:00 UTC investigating\nText.\n",
            "incidents/2026-11-19-no-such-incident.de.md:1: translates incidents/2026-11-19-no-such-incident.md, "
            "which does not exist; name a translation after its incident file, e.g. 2026-11-22-api-errors.de.md",
        ),
    ],
)
def test_a_bad_translation_is_one_line_naming_file_line_and_key(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    root = copy_site(tmp_path / "site")
    (root / "incidents" / name).write_text(text, encoding="utf-8")
    result = build(root)
    assert result.exit_code == 1
    assert result.output.strip() == expected
    assert not (root / "public").exists()  # a build that fails validation publishes nothing
    validated = statusgen("validate", "--root", str(root))
    assert validated.exit_code == 1 and expected in validated.output


def test_an_unknown_language_code_is_one_line_naming_the_key(tmp_path: Path) -> None:
    root = copy_site(tmp_path / "site")
    config = root / "statuspage.yaml"
    config.write_text(config.read_text().replace("[en, de, fr, es, ja]", "[en, de, klingon]"))
    result = statusgen("validate", "--root", str(root))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "statuspage.yaml:8: site.languages[2]: unknown language 'klingon' (supported: de, en, es, fr, ja)"
    )


def test_a_translation_is_an_input_of_the_build_and_of_its_parse_cache(tmp_path: Path) -> None:
    root = copy_site(tmp_path / "site")
    assert build(root).exit_code == 0
    assert "nothing changed since the last build" in build(root).output
    translation = root / "incidents" / "2026-11-20-api-errors.de.md"
    translation.write_text(
        translation.read_text(encoding="utf-8").replace("Wir untersuchen", "Wir prüfen"), encoding="utf-8"
    )
    rebuilt = build(root)
    assert rebuilt.exit_code == 0 and "nothing changed" not in rebuilt.output
    german = read(root / "public", "de/incidents/2026-11-20-api-errors/index.html")
    assert "Wir prüfen erhöhte Fehlerraten der API." in german
    # The parse cache remembers the translation with its original: moving an update of the
    # original makes the unchanged translation wrong, and the build says so.
    original = root / "incidents" / "2026-11-20-api-errors.md"
    original.write_text(original.read_text().replace("14:30 UTC identified", "14:40 UTC identified"))
    moved = build(root)
    assert moved.exit_code == 1
    assert moved.output.startswith(
        "incidents/2026-11-20-api-errors.de.md:5: updates[0]: '2026-11-20 14:30 UTC identified' does not match"
    )
