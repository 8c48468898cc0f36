"""The workflow suite (stages, approvals, lock boxes, notifications) through PgBouncer in transaction mode."""

from tests.workflow.test_workflow import *  # noqa: F403
