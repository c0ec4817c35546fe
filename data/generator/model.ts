// Shared types of the county simulation.
import type { Village } from "./province.js";

export type RosterProgram = "urban_dibao" | "rural_dibao" | "tekun";

export interface Person {
  id: string;
  name: string;
  relation: string; // Chinese label: 户主/配偶/子女/父母/其他
  male: boolean;
}

export interface Proxy {
  id: string;
  staff: boolean;
  filed: boolean;
}

export interface Household {
  id: string;
  program: RosterProgram;
  village: Village;
  /** Covered persons: one roster row each. */
  members: Person[];
  /** household_size: everyone in the household, covered or not. */
  size: number;
  pciFen: number;
  /** category code: A/B/C or full_self_care/partial_care/full_care */
  category: "A" | "B" | "C" | "full_self_care" | "partial_care" | "full_care";
  careMode: "centralized" | "dispersed" | null;
  approvedOn: number;
  lastReviewOn: number | null;
  cadreRelative: boolean;
  relativeFiled: boolean;
  benefitFen: number;
  /** Planted miscalculation that survives recomputation. */
  error: null | "household_size" | number;
  /** Planted: benefit not recomputed after the next standard raise (until a review). */
  staleArmed: boolean;
  stale: boolean;
  skipReviews: boolean;
  /** Never exits, never gets a bad row (duplicate-person plans). */
  protected: boolean;
  entryMonth: number;
  /** First month the household is no longer on the roster. */
  exitAt: number | null;
  /** Planted: paid for this many months after leaving the roster. */
  paidAfterExit: number;
  channel: "bank" | "cash";
  proxy: Proxy | null;
}

/** A cross-county (or within-county) duplicated person, planned before any county runs. */
export interface DuplicatePlan {
  person: Person & { birth: number };
  homeCounty: string;
  otherCounty: string;
  from: number; // month index of the first month on both
  to: number; // last month on both
}
