"""Getting a site onto AWS and checking it there, one module each; light to import, so
`statusgen gate` and `statusgen package` load only what they use.

    steps.py       `statusgen deploy`: validate, package, upload, the stack, the first run
    package.py     `statusgen package`: the Lambda zip, built with pip alone
    artifacts.py   the artifacts bucket and uploads named by their digest
    stack.py       the CloudFormation stack through change sets
    first_run.py   the checker invoked once, the page built, and what a person needs next
    options.py     the deploy's options
    gate.py        `statusgen gate`: probe a component after a deploy, fail the pipeline if it fails
"""
