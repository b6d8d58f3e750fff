"""The edge where results become files: atomic writes, the one CSV reader, the one path
guard, Parquet. Everything a run writes goes through here; nothing is ever half-written."""
