"""The internal site: for staff, beside the public one. Every component and incident, an operations
view read from the store (`operations`, rendered by `operations_page`), built and published to its
own target (`site`), and kept behind HTTP Basic credentials (`access`, served locally by `serving`;
on AWS by a CloudFront Function, see infra/template.yaml and docs/deploy.md)."""
