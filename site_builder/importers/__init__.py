"""`statusgen import <source>`: bring a page's components and incident history over from another tool.

Each source module (statuspage, cstate, upptime) reads its tool's files into an `ImportedSite`
(common.py); writing.py turns that into `statuspage.yaml` and `incidents/*.md`, checks every file
with the site's own parsers and writes only what changed.
"""
