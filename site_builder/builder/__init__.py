"""The build: the site's outputs planned, rendered when their inputs changed, and published, and
the record that lets the next build skip what did not change.

    site.py           the whole site built and published, each changed file written once
    last_build.py     what the last build read and left at its target: a rebuild that would change
                      nothing is recognised before the site is loaded
    input_state.py    what the inputs and the published target hold now, by digest
    code_version.py   which statusgen and libraries made a result, so no cache outlives an upgrade
    json_parts.py     the caches' large JSON written in parts
    two_processes.py  work shared with a forked second process, so a build uses both cores

Kept free of imports here: `statusgen build` reads `last_build` before it loads anything heavy.
"""
