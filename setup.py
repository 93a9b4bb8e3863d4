"""The packages are found in the tree, so a new folder with an `__init__.py` ships without a list to
update. pyproject.toml holds everything else, including where the two data packages below live:
templates/ sits at the top level (where theme authors look for it) and ships as
site_builder.templates; infra/template.yaml ships as site_builder.infra for `statusgen init` and
`deploy`."""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["checker", "checker.*", "site_builder", "site_builder.*"]),
        "site_builder.templates",
        "site_builder.infra",
    ]
)
