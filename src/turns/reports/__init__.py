"""KPI reports: aggregates over the turns, stage history and summaries the caller may see."""
