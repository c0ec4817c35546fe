// The bulletin's parameters: the document's particulars (文号, issuing office, date,
// addressee, signature) and the rules that select the counties it commends and names.
// A JSON file (see bulletin.default.json) and CLI flags; flags win over the file.
import { readFileSync } from "node:fs";
import { z } from "zod";

const Grade = z.enum(["优秀", "良好", "合格", "不合格"]);

const Document = z
  .object({
    docNumber: z.string().trim().min(1).nullable().optional(),
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD")
      .nullable()
      .optional(),
    issuer: z.string().trim().min(1).nullable().optional(),
    addressee: z.string().trim().min(1).nullable().optional(),
    signature: z.string().trim().min(1).nullable().optional(),
    copyTo: z.string().trim().min(1).nullable().optional(),
  })
  .strict();

const Rule = z
  .object({
    /** Counties of these grades are candidates. */
    grades: z.array(Grade).min(1),
    /** At most this many (the best for commendation, the worst for criticism), every county tied at the cut included; null = all candidates. */
    limit: z.number().int().positive().nullable(),
  })
  .strict();

export const BulletinConfigSchema = z
  .object({
    /** Particulars shared by every bulletin (issuer, addressee, signature, copyTo). */
    document: Document.default({}),
    /** Particulars of one window's bulletin (docNumber, date …), by window id. */
    documents: z.record(z.string(), Document).default({}),
    rules: z
      .object({
        commend: Rule.default({ grades: ["优秀"], limit: 10 }),
        criticise: Rule.default({ grades: ["不合格"], limit: null }),
        /** Counties that rose at least this many places are named as 进步明显 (null: none). */
        riseAtLeast: z.number().int().positive().nullable().default(10),
        /** The most indicators named under 主要进展 and under 主要问题, in order of relative change. */
        movesListed: z.number().int().positive().default(5),
      })
      .strict()
      .default({ commend: { grades: ["优秀"], limit: 10 }, criticise: { grades: ["不合格"], limit: null }, riseAtLeast: 10, movesListed: 5 }),
  })
  .strict();

export type BulletinConfig = z.infer<typeof BulletinConfigSchema>;
export type SelectionRule = z.infer<typeof Rule>;
export type DocumentParams = z.infer<typeof Document>;

export const DEFAULT_CONFIG_FILE = new URL("./bulletin.default.json", import.meta.url);

export function parseBulletinConfig(input: unknown, where: string): BulletinConfig {
  const r = BulletinConfigSchema.safeParse(input);
  if (!r.success) {
    const first = r.error.issues[0]!;
    throw new Error(`${where}: ${first.path.join(".") || "(top level)"}: ${first.message}`);
  }
  return r.data;
}

/** The configuration in `path` (JSON), else `JIUZHU_BULLETIN_CONFIG`, else the default file. */
export function loadBulletinConfig(path?: string): BulletinConfig {
  const file = path ?? process.env.JIUZHU_BULLETIN_CONFIG ?? DEFAULT_CONFIG_FILE;
  const name = typeof file === "string" ? file : file.pathname;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read bulletin configuration ${name}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new Error(`bulletin configuration ${name} is not valid JSON: ${(error as Error).message}`);
  }
  return parseBulletinConfig(json, `bulletin configuration ${name}`);
}

/** The resolved particulars of a bulletin: every field a string or null (unset). */
export interface Particulars {
  docNumber: string | null;
  date: string | null;
  issuer: string;
  addressee: string;
  signature: string;
  copyTo: string | null;
  /** Whether the document is a draft: its 文号 or date is unset. */
  draft: boolean;
}

/**
 * The particulars of `window`'s bulletin: flags over the window's entry over the shared
 * entry over the defaults (issuer `${province}民政厅`, addressee 各${city level}民政局, signature = issuer).
 */
export function particulars(
  config: BulletinConfig,
  window: string,
  defaults: { issuer: string; addressee: string },
  flags: DocumentParams = {},
): Particulars {
  const pick = <K extends keyof DocumentParams>(k: K): string | null =>
    (flags[k] ?? config.documents[window]?.[k] ?? config.document[k] ?? null) as string | null;
  if (flags.date !== undefined && flags.date !== null) Document.parse({ date: flags.date });
  const docNumber = pick("docNumber");
  const date = pick("date");
  const issuer = pick("issuer") ?? defaults.issuer;
  return {
    docNumber,
    date,
    issuer,
    addressee: pick("addressee") ?? defaults.addressee,
    signature: pick("signature") ?? issuer,
    copyTo: pick("copyTo"),
    draft: !docNumber || !date,
  };
}
