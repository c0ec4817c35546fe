// Metric subcommands: indicators and cases (metrics/indicators), score and allocate (metrics/scorecard).
import type { Command } from "commander";
import { registerIndicatorCommands } from "./indicators/cli.js";
import { registerScoreCommands } from "./scorecard/cli.js";

export function registerMetrics(program: Command): void {
  registerIndicatorCommands(program);
  registerScoreCommands(program);
}
