"""`statusgen internal credential`: the record to put in the CloudFront KeyValueStore, made from
the password in the environment or from a new random one, never holding the password itself."""

from __future__ import annotations

import re

from click.testing import CliRunner

from site_builder.cli import main
from site_builder.internal.access import record_matches


def test_the_record_is_a_salted_hash_of_the_password_in_the_environment() -> None:
    password = "correct horse battery staple"
    result = CliRunner().invoke(
        main,
        ["internal", "credential", "--user", "ops", "--kvs-arn", "arn:kvs"],
        env={"STATUSGEN_INTERNAL_PASSWORD": password},
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "key: ops"
    record = lines[1].removeprefix("value: ")
    assert re.fullmatch(r"sha256:[0-9a-f]{32}:[0-9a-f]{64}", record)
    assert record_matches(record, password) and not record_matches(record, password + "x")
    assert password not in result.stdout
    assert lines[3].startswith(
        f"  aws cloudfront-keyvaluestore put-key --kvs-arn arn:kvs --key ops --value '{record}' "
    )


def test_without_a_password_one_is_made_and_shown_once() -> None:
    result = CliRunner().invoke(main, ["internal", "credential"], env={"STATUSGEN_INTERNAL_PASSWORD": ""})
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    password = re.fullmatch(r"password: (\S{32})  \(new: .*\)", first)
    assert password is not None
    assert record_matches(result.stdout.splitlines()[2].removeprefix("value: "), password.group(1))


def test_a_short_password_is_refused_in_one_line() -> None:
    result = CliRunner().invoke(main, ["internal", "credential"], env={"STATUSGEN_INTERNAL_PASSWORD": "hunter2"})
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: the password has 7 characters; use at least 16 (leave it out and one is made for you)"
    ]
