// The indicator set, targets and points of the 项目支出绩效自评表, as configuration (zod at
// the boundary). The default (selfeval.default.json) names catalogue indicators; a name or
// target left out is taken from the catalogue (metrics/catalogue, metrics/config.ts TARGETS).
import { z } from "zod";
import { indicatorDef, isIndicatorId, type IndicatorId } from "../catalogue/index.js";
import { formatIssues, ConfigError } from "../scorecard/config.js";
import defaultJson from "./selfeval.default.json" with { type: "json" };

export const LEVEL1 = ["产出指标", "效益指标", "满意度指标"] as const;

const Target = z.strictObject({
  op: z.enum([">=", "<=", "=", "present"]),
  value: z.number().finite().optional(),
  /** How the target is written on the form (default from op and value). */
  text: z.string().min(1).optional(),
});

const Item = z.strictObject({
  level1: z.enum(LEVEL1),
  level2: z.string().min(1),
  indicator: z.string().refine(isIndicatorId, "not an indicator of the catalogue"),
  name: z.string().min(1).optional(),
  target: Target.optional(),
  points: z.number().positive(),
});

const Schema = z
  .strictObject({
    version: z.string().min(1),
    description: z.string().optional(),
    project: z.string().min(1),
    department: z.string().min(1),
    budgetPoints: z.number().min(0),
    indicators: z.array(Item).nonempty(),
  })
  .superRefine((c, ctx) => {
    // Points in hundredths, so 0.1 + 0.2 adds up as written.
    const total = Math.round(c.budgetPoints * 100) + c.indicators.reduce((a, i) => a + Math.round(i.points * 100), 0);
    if (total !== 10000) ctx.addIssue({ code: "custom", path: ["indicators"], message: `points add up to ${total / 100}, not 100 (budget ${c.budgetPoints} + indicators)` });
    c.indicators.forEach((item, k) => {
      if (item.target || !isIndicatorId(item.indicator)) return;
      const t = indicatorDef(item.indicator).target;
      if (!t || t.value === undefined || t.op === "falling")
        ctx.addIssue({ code: "custom", path: ["indicators", k, "target"], message: `${item.indicator} has no numeric target in the catalogue: give one` });
    });
  });

export interface SelfEvalTarget {
  op: ">=" | "<=" | "=" | "present";
  value?: number;
  text?: string;
}

export interface SelfEvalItem {
  level1: (typeof LEVEL1)[number];
  level2: string;
  indicator: IndicatorId;
  name: string;
  target: SelfEvalTarget;
  points: number;
}

export interface SelfEvalConfig {
  version: string;
  project: string;
  department: string;
  budgetPoints: number;
  indicators: SelfEvalItem[];
}

export function parseSelfEvalConfig(value: unknown, what = "self-evaluation configuration"): SelfEvalConfig {
  const r = Schema.safeParse(value);
  if (!r.success) throw new ConfigError(formatIssues(what, r.error));
  const c = r.data;
  return {
    version: c.version,
    project: c.project,
    department: c.department,
    budgetPoints: c.budgetPoints,
    indicators: c.indicators.map((i) => {
      const def = indicatorDef(i.indicator);
      const t = def.target;
      return {
        level1: i.level1,
        level2: i.level2,
        indicator: i.indicator as IndicatorId,
        name: i.name ?? def.name.zh,
        target: i.target ?? { op: t!.op as ">=" | "<=" | "=", value: t!.value! },
        points: i.points,
      };
    }),
  };
}

export const DEFAULT_SELFEVAL: SelfEvalConfig = parseSelfEvalConfig(defaultJson, "metrics/selfeval/selfeval.default.json");
