// The warehouse's default path, on its own so a command's options name it without loading DuckDB.
export const DEFAULT_DB = "data/warehouse.duckdb";
