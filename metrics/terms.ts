// The names of the administrative levels as each province writes them, in one place.
// Inner Mongolia says 盟市 and 旗县（市、区）; most provinces 地市 and 县（市、区）.
// Every page and document takes its level words from here. Browser-safe: pure data.

export interface LevelTerms {
  /** The province level, e.g. 全区 (an autonomous region) or 全省. */
  provinceSelf: string;
  /** The city level (prefecture), e.g. 盟市. */
  city: string;
  /** The county level in full, e.g. 旗县（市、区）. */
  county: string;
  /** The county level in running text and table headers where space is short, e.g. 旗县. */
  countyShort: string;
}

export const DEFAULT_TERMS: LevelTerms = {
  provinceSelf: "全省",
  city: "地市",
  county: "县（市、区）",
  countyShort: "县区",
};

/** Per-province settings by 2-digit province code; a province not listed uses DEFAULT_TERMS. */
export const PROVINCE_TERMS: Readonly<Record<string, LevelTerms>> = {
  "15": { provinceSelf: "全区", city: "盟市", county: "旗县（市、区）", countyShort: "旗县" },
  "45": { provinceSelf: "全区", city: "地市", county: "县（市、区）", countyShort: "县区" },
  "54": { provinceSelf: "全区", city: "地市", county: "县（市、区）", countyShort: "县区" },
  "64": { provinceSelf: "全区", city: "地市", county: "县（市、区）", countyShort: "县区" },
  "65": { provinceSelf: "全区", city: "地州市", county: "县（市、区）", countyShort: "县市" },
  "11": { provinceSelf: "全市", city: "区", county: "区", countyShort: "区" },
  "12": { provinceSelf: "全市", city: "区", county: "区", countyShort: "区" },
  "31": { provinceSelf: "全市", city: "区", county: "区", countyShort: "区" },
  "50": { provinceSelf: "全市", city: "区县", county: "区县", countyShort: "区县" },
};

/** The level words for a province (any region code: its first two digits name the province). */
export function levelTerms(regionCode: string | null | undefined): LevelTerms {
  const province = (regionCode ?? "").slice(0, 2);
  return PROVINCE_TERMS[province] ?? DEFAULT_TERMS;
}

/** The word for a level of a province: 'province' → 全区, 'city' → 盟市, 'county' → 旗县（市、区）. */
export function levelName(level: "province" | "city" | "county", regionCode: string | null | undefined): string {
  const terms = levelTerms(regionCode);
  return level === "province" ? terms.provinceSelf : level === "city" ? terms.city : terms.county;
}
