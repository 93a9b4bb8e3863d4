"""The readers' language: which languages a site is built in, the message catalogs its interface
text comes from, and how dates, numbers and durations read in each.

`codes` names the supported languages (light: configuration validation reads it); `marker` marks
text for the catalogs; `languages` gives the `Language` a page is rendered in, its catalog
(`catalogs`, the `.po` files under `site_builder/locales/`) and its formats (`formats` with Babel,
`english` for the English pages' established forms); `site_languages` holds a site's languages
and its translated incident files. Nothing is imported here, so that marking text costs no import.
"""
