"""The database: schema (tables, migrations), logins, engines, the embedded server and its standby."""
