// Allocation configuration, validated with zod (browser-safe). The rules live in core.ts.
import { z } from "zod";
import { formatIssues, ConfigError } from "../scorecard/config.js";
import { add, cmp, fromNumber, plainNumber, q, toNumber, type AllocationConfig } from "./core.js";
import defaultAllocationJson from "./allocation.default.json" with { type: "json" };

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const nonNegative = finite.refine((v) => v >= 0, "must be 0 or more");

const Bound = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("absolute"), amount: nonNegative.refine(Number.isSafeInteger, "must be whole yuan") }),
  z.strictObject({ kind: z.literal("equal_share_multiple"), multiple: nonNegative }),
]);

export const AllocationConfigSchema = z
  .strictObject({
    version: z.string().min(1),
    description: z.string().optional(),
    unit: z.number().int().min(1).default(1),
    weights: z.strictObject({ need: nonNegative, fiscal: nonNegative, performance: nonNegative }),
    eligibleGrades: z.array(z.string().min(1)).nonempty(),
    qualifyingLine: finite.default(60),
    floor: Bound.nullable().default(null),
    cap: Bound.nullable().default(null),
    changeCap: z
      .strictObject({ ratio: finite.refine((v) => v >= 0 && v <= 10, "must be between 0 and 10 (0.3 = ±30%)") })
      .nullable()
      .default(null),
    deduction: z
      .strictObject({
        limit: nonNegative,
        rate: finite.refine((v) => v > 0 && v <= 1, "must be above 0 and at most 1"),
      })
      .nullable()
      .default(null),
  })
  .superRefine((c, ctx) => {
    // Exactly, as the decimals written: 0.5 + 0.2 + 0.4 is 1.1 (not 1.0999999999999999), 0.4 + 0.2 + 0.4 is 1.
    const sum = [c.weights.need, c.weights.fiscal, c.weights.performance].map(fromNumber).reduce(add);
    if (cmp(sum, q(1n)) !== 0) ctx.addIssue({ code: "custom", path: ["weights"], message: `factor weights add up to ${plainNumber(toNumber(sum))}, not 1` });
    if (c.floor && c.cap && c.floor.kind === c.cap.kind) {
      const lo = c.floor.kind === "absolute" ? c.floor.amount : c.floor.multiple;
      const hi = c.cap.kind === "absolute" ? c.cap.amount : (c.cap as { multiple: number }).multiple;
      if (lo > hi) ctx.addIssue({ code: "custom", path: ["floor"], message: "the floor is above the cap" });
    }
    if (c.floor?.kind === "absolute" && c.floor.amount % c.unit !== 0)
      ctx.addIssue({ code: "custom", path: ["floor", "amount"], message: `must be a multiple of the unit (${c.unit})` });
    if (c.cap?.kind === "absolute" && c.cap.amount % c.unit !== 0)
      ctx.addIssue({ code: "custom", path: ["cap", "amount"], message: `must be a multiple of the unit (${c.unit})` });
  });

export function parseAllocationConfig(value: unknown, what = "allocation configuration"): AllocationConfig {
  const result = AllocationConfigSchema.safeParse(value);
  if (!result.success) throw new ConfigError(formatIssues(what, result.error));
  const { description: _description, ...config } = result.data;
  return config as AllocationConfig;
}

export const DEFAULT_ALLOCATION: AllocationConfig = parseAllocationConfig(defaultAllocationJson, "metrics/allocation/allocation.default.json");
