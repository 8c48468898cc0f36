pytest_plugins = ["tests.fixtures.database", "tests.fixtures.server", "tests.fixtures.factory", "tests.fixtures.mail"]
