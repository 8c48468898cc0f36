"""Read replicas: routing of read-only work, read-your-writes and replica health."""
