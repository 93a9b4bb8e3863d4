"""What comes from git, read and checked: `statuspage.yaml` and `incidents/*.md`, loaded into a
`Site` and compiled into the bundle that the checker and the build read.

    config.py                 `statuspage.yaml` as a typed model
    yaml_source.py            YAML loading that remembers the line of every key
    problems.py               validation errors as Problems a person can act on
    incidents.py              incident and maintenance files, parsed
    incident_updates.py       the `## <time> <status>` update sections and their times
    incident_translations.py  translated incident files beside the original
    audience.py               what is internal (`audience: internal`) and the public part
    authoring.py              writing incident and maintenance files (`statusgen incident …`)
    site.py                   the whole site loaded, checked and compiled into a bundle
    parse_cache.py            parsed incident files kept by their content's digest
    languages_store.py        the site's languages and translations, stored for the function
    theme_store.py            the site's own theme files, stored for the function
"""
