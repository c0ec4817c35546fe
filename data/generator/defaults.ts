// The demo generator's defaults, on their own so the CLI reads them without loading the generator.
export const DEFAULT_OPTIONS = { province: "15", from: "2025-01", to: "2026-06", scale: 0.05, seed: 1 } as const;
