"""From nothing to a page: `statusgen init` writes a new site from `site_builder/scaffold/`
(`new_site.py`), and `statusgen demo` runs the embedded defaults end to end on one machine
(`demo.py`)."""
