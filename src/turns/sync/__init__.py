"""Local-first sync: Electric's HTTP Shape API served from logical replication."""
