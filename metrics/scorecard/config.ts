// The indicator system as one versioned configuration, validated with zod.
// Parse first (this file), score second (core.ts). Browser-safe: no node imports.
import { z } from "zod";
import { INDICATOR_IDS, isIndicatorId, type IndicatorId } from "../catalogue/ids.js";
import { indicatorDef } from "../catalogue/index.js";
import { WINDOW_KINDS, type WindowKind } from "../windows.js";
import defaultConfigJson from "./scorecard.default.json" with { type: "json" };

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const direction = z.enum(["higher", "lower"]);

export const LinearRule = z.strictObject({ type: z.literal("linear"), worst: finite, best: finite }).refine(
  (r) => r.worst !== r.best,
  { message: "linear rule: worst and best must differ", path: ["best"] },
);
export const ThresholdRule = z.strictObject({
  type: z.literal("threshold"),
  target: finite,
  /** "higher": met when value ≥ target (rates); "lower": met when value ≤ target (lags, balances). */
  direction: direction.default("higher"),
});
export const DeductRule = z.strictObject({
  type: z.literal("deduct"),
  per: finite.refine((v) => v > 0, "must be above 0"),
  max: finite.refine((v) => v > 0 && v <= 100, "must be above 0 and at most 100"),
});
export const RelativeRule = z.strictObject({
  type: z.literal("relative"),
  /** Which end of the window's range is best: "lower" for complaints per 10k. */
  direction,
});
export const Rule = z.discriminatedUnion("type", [LinearRule, ThresholdRule, DeductRule, RelativeRule]);
export type Rule = z.infer<typeof Rule>;

/** Which values a rule rewards: deductions reward fewer cases. */
export function ruleDirection(rule: Rule): "higher" | "lower" {
  switch (rule.type) {
    case "linear":
      return rule.best > rule.worst ? "higher" : "lower";
    case "threshold":
    case "relative":
      return rule.direction;
    case "deduct":
      return "lower";
  }
}

export const IndicatorConfig = z.strictObject({
  id: z.string().superRefine((id, ctx) => {
    if (!isIndicatorId(id)) ctx.addIssue({ code: "custom", message: `unknown indicator "${id}" (not in metrics/catalogue/ids.ts)` });
  }),
  /** Weight within its dimension; the weights of a dimension add up to 100. */
  weight: finite.refine((v) => v > 0, "must be above 0"),
  rule: Rule,
  /** Window kinds the indicator is scored in (default: all); elsewhere it is not applicable. */
  windows: z.array(z.enum(WINDOW_KINDS as [WindowKind, ...WindowKind[]])).nonempty().optional(),
  /** Draw funnel-plot control limits (for proportions of counted cases only). */
  funnel: z.boolean().default(false),
});
export type IndicatorConfig = z.infer<typeof IndicatorConfig> & { id: IndicatorId };

export const DimensionConfig = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_]*$/, "must be lower-case letters, digits and _"),
  label: z.string().min(1),
  /** Weight in the composite; the dimension weights add up to 100. */
  weight: finite.refine((v) => v > 0, "must be above 0"),
  indicators: z.array(IndicatorConfig).nonempty(),
});
export type DimensionConfig = Omit<z.infer<typeof DimensionConfig>, "indicators"> & { indicators: IndicatorConfig[] };

export const GradeBand = z.strictObject({ label: z.string().min(1), min: finite });

export const ScorecardConfig = z
  .strictObject({
    version: z.string().min(1),
    title: z.string().optional(),
    description: z.string().optional(),
    dimensions: z.array(DimensionConfig).nonempty(),
    /** Highest band first; a composite at or above `min` gets the band (the last band's min is 0). */
    grades: z.array(GradeBand).min(2),
    /** Grades, from the lowest, that count as passing (for allocation eligibility). */
    passingGrade: z.string().min(1),
    /** "exclude": a data gap is left out like a not-applicable indicator and listed as a gap;
     *  "zero": it scores 0 and is listed as a gap. Never silent either way. */
    gapPolicy: z.enum(["exclude", "zero"]).default("exclude"),
  })
  .superRefine((cfg, ctx) => {
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const dimSum = sum(cfg.dimensions.map((d) => d.weight));
    if (Math.abs(dimSum - 100) > 1e-9)
      ctx.addIssue({ code: "custom", path: ["dimensions"], message: `dimension weights add up to ${dimSum}, not 100` });
    const seenDims = new Set<string>();
    const seen = new Map<string, string>();
    cfg.dimensions.forEach((d, di) => {
      if (seenDims.has(d.id)) ctx.addIssue({ code: "custom", path: ["dimensions", di, "id"], message: `duplicate dimension "${d.id}"` });
      seenDims.add(d.id);
      const s = sum(d.indicators.map((i) => i.weight));
      if (Math.abs(s - 100) > 1e-9)
        ctx.addIssue({
          code: "custom",
          path: ["dimensions", di, "indicators"],
          message: `indicator weights of dimension "${d.id}" add up to ${s}, not 100`,
        });
      d.indicators.forEach((ind, ii) => {
        const other = seen.get(ind.id);
        if (other !== undefined)
          ctx.addIssue({
            code: "custom",
            path: ["dimensions", di, "indicators", ii, "id"],
            message: `indicator "${ind.id}" appears twice (also in dimension "${other}")`,
          });
        seen.set(ind.id, d.id);
      });
    });
    for (let i = 1; i < cfg.grades.length; i++) {
      if (!(cfg.grades[i]!.min < cfg.grades[i - 1]!.min))
        ctx.addIssue({ code: "custom", path: ["grades", i, "min"], message: "grade bands must be listed from the highest, with falling minimums" });
    }
    // A rule must reward the direction the catalogue calls better.
    cfg.dimensions.forEach((d, di) =>
      d.indicators.forEach((ind, ii) => {
        if (!isIndicatorId(ind.id)) return;
        const want = indicatorDef(ind.id).direction;
        if (want === "context") return;
        const got = ruleDirection(ind.rule);
        if (got !== (want === "higher_better" ? "higher" : "lower"))
          ctx.addIssue({
            code: "custom",
            path: ["dimensions", di, "indicators", ii, "rule"],
            message: `rule rewards ${got} values of ${ind.id}, but ${want.replace("_", " ")} (metrics/catalogue)`,
          });
      }),
    );
    const last = cfg.grades[cfg.grades.length - 1];
    if (last && last.min !== 0) ctx.addIssue({ code: "custom", path: ["grades"], message: "the lowest grade band must start at 0" });
    if (new Set(cfg.grades.map((g) => g.label)).size !== cfg.grades.length)
      ctx.addIssue({ code: "custom", path: ["grades"], message: "grade labels must be unique" });
    if (!cfg.grades.some((g) => g.label === cfg.passingGrade))
      ctx.addIssue({ code: "custom", path: ["passingGrade"], message: `passing grade "${cfg.passingGrade}" is not one of the grade bands` });
  });
export type ScorecardConfig = Omit<z.infer<typeof ScorecardConfig>, "dimensions"> & { dimensions: DimensionConfig[] };

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Turn zod issues into one readable message: `dimensions.1.indicators.0.rule.best: required`. */
export function formatIssues(what: string, error: z.ZodError): string {
  const lines = error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join(".") : "(root)";
    return `  ${path}: ${issue.message}`;
  });
  return `${what} is invalid:\n${lines.join("\n")}`;
}

/** Validate a parsed JSON value as a scorecard configuration; throws ConfigError with every problem listed. */
export function parseScorecardConfig(value: unknown, what = "scorecard configuration"): ScorecardConfig {
  const result = ScorecardConfig.safeParse(value);
  if (!result.success) throw new ConfigError(formatIssues(what, result.error));
  return result.data as ScorecardConfig;
}

export const DEFAULT_SCORECARD: ScorecardConfig = parseScorecardConfig(defaultConfigJson, "metrics/scorecard/scorecard.default.json");

/** All indicator ids the configuration scores, in configuration order. */
export function configuredIndicators(cfg: ScorecardConfig): IndicatorId[] {
  return cfg.dimensions.flatMap((d) => d.indicators.map((i) => i.id));
}

/** Grade labels that pass, i.e. the passing grade and every band above it. */
export function passingGrades(cfg: ScorecardConfig): string[] {
  const idx = cfg.grades.findIndex((g) => g.label === cfg.passingGrade);
  return cfg.grades.slice(0, idx + 1).map((g) => g.label);
}

export { INDICATOR_IDS };
