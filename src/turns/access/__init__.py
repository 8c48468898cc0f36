"""Who may read and write what: the Python side of access, in one package.

Rows are decided by PostgreSQL: the row-level security policies and their helper functions
in ``turns/db/migrations/sql/`` (0002_security first, then every later migration that adds a
table or changes a rule). The app connects as a role that cannot bypass them and sets the
acting user per transaction (:mod:`turns.auth.transaction`). This package decides the rest:

- :mod:`turns.access.roles`: the nine roles and the groups rules are written in;
- :mod:`turns.access.actions`: who may take each action (open, move or close a turn, submit or
  decide a scope, set a lock box, reassign a property...), and which roles see every row;
- :mod:`turns.access.identity`: who is acting;
- :mod:`turns.access.columns`: which columns each role reads, for the API and sync alike;
- :mod:`turns.access.scope`: RLS's row scope restated as query conditions the planner can use.

``docs/permissions.md`` is the map of what each role may do.
"""
