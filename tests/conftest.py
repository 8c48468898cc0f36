pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.server",
    "tests.fixtures.factory",
    "tests.fixtures.mail",
    "tests.fixtures.replica",
    "tests.fixtures.pgbouncer",
    "tests.fixtures.sync",
    "tests.fixtures.web",
]
