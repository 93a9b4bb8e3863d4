"""statusgen's tests, a package tree: suites import shared helpers by their full names
(`tests.helpers`, `tests.checker.checker_support`), so no test puts a folder on `sys.path`."""
