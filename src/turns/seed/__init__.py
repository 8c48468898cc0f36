"""Demo data for ./dev up and benchmark data at operator scale."""
