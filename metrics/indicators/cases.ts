// Case lists behind every problem count (indicators.md, Cases): one row per late
// application, missing visit, duplicate person-month, unlisted payment, proxy violation,
// unfiled relative, overdue review and overdue complaint, for every window computed.
// Personal data is masked here, in SQL, before anything leaves the warehouse
// (the same rule as loaders/contracts/mask.ts: ID 150102********123X, name 张*).
import type { Warehouse } from "../../loaders/db.js";

/** SQL mask of an ID column (first 6 and last 4 kept), as maskId(). */
export const maskIdSql = (col: string) =>
  `CASE WHEN ${col} IS NULL THEN NULL WHEN length(${col}) >= 12 THEN left(${col}, 6) || repeat('*', length(${col}) - 10) || right(${col}, 4) ELSE repeat('*', length(${col})) END`;

/** SQL mask of a name column (first character kept), as maskName(). */
export const maskNameSql = (col: string) =>
  `CASE WHEN ${col} IS NULL THEN NULL WHEN length(${col}) <= 1 THEN '*' ELSE left(${col}, 1) || repeat('*', length(${col}) - 1) END`;

/** SQL mask of a household or other key: about a third kept at the start, two characters at the end (H1 → H*). */
export const maskKeySql = (col: string) =>
  `CASE WHEN ${col} IS NULL THEN NULL WHEN length(${col}) <= 2 THEN left(${col}, 1) || repeat('*', length(${col}) - 1)
        ELSE left(${col}, greatest(1, length(${col}) // 3)) || repeat('*', length(${col}) - greatest(1, length(${col}) // 3) - least(2, length(${col}) - greatest(1, length(${col}) // 3) - 1)) || right(${col}, least(2, length(${col}) - greatest(1, length(${col}) // 3) - 1)) END`;

/** Indicators that have case lists, with the problem each row is. */
export const CASE_INDICATORS = [
  "process.on_time_rate",
  "process.home_visit_rate",
  "integrity.duplicate_persons",
  "funds.unlisted_payments",
  "funds.proxy_violations",
  "accuracy.relative_filed_rate",
  "accuracy.review_on_time_rate",
  "complaints.on_time_rate",
] as const;

/** Rebuild mart_case for the windows in tmp_wm (needs the temp tables of the computation). */
export async function buildCases(wh: Warehouse): Promise<void> {
  await wh.run(`DELETE FROM mart_case WHERE "window" IN (SELECT DISTINCT win FROM tmp_wm)`);
  const json = (fields: string) => `CAST(to_json({${fields}}) AS VARCHAR)`;
  await wh.run(`
    INSERT INTO mart_case
    SELECT 'process.on_time_rate', w.win, a.county_code, a.application_id,
      ${json(`program: a.program, applicant: ${maskIdSql("a.applicant_id")}, accepted_on: a.accepted_on, decided_on: a.decided_on, working_days: a.wd, limit_days: a.limit_days, extended: a.extended`)}
    FROM tmp_app a JOIN tmp_wm w ON w.month = a.month
    WHERE a.wd IS NULL OR a.wd > a.limit_days
    UNION ALL
    SELECT 'process.home_visit_rate', w.win, a.county_code, a.application_id,
      ${json(`program: a.program, applicant: ${maskIdSql("a.applicant_id")}, accepted_on: a.accepted_on, decided_on: a.decided_on, decision: a.decision`)}
    FROM tmp_app a JOIN tmp_wm w ON w.month = a.month
    WHERE a.investigated_on IS NULL`);
  // Duplicates: a county's persons who, that month, are also on another household anywhere —
  // a second household of the county (scope 'county'), another county's roster ('across_counties'),
  // or both ('county_and_across'). Each case names the other counties and households (masked).
  await wh.run(`
    INSERT INTO mart_case
    WITH multi AS (SELECT month, person_id FROM tmp_multi),
    d AS (
      SELECT p.*, EXISTS (SELECT 1 FROM multi m WHERE m.month = p.month AND m.person_id = p.person_id) AS across FROM tmp_cpm p
      WHERE p.nh > 1 OR EXISTS (SELECT 1 FROM multi m WHERE m.month = p.month AND m.person_id = p.person_id)),
    hh AS (
      SELECT d.month, d.person_id,
        list({county_code: d.county_code, county_name: coalesce(r.name, d.county_code), households: list_transform(d.households, x -> ${maskKeySql("x")})}
          ORDER BY d.county_code) AS places
      FROM d LEFT JOIN dim_region r ON r.code = d.county_code
      GROUP BY d.month, d.person_id)
    SELECT 'integrity.duplicate_persons', w.win, d.county_code, d.month || '/' || d.household_id || '/' || ${maskIdSql("d.person_id")},
      ${json(`month: d.month,
        scope: CASE WHEN d.nh > 1 AND d.across THEN 'county_and_across' WHEN d.nh > 1 THEN 'county' ELSE 'across_counties' END,
        person: ${maskIdSql("d.person_id")}, name: ${maskNameSql("d.person_name")},
        households: list_transform(d.households, x -> ${maskKeySql("x")}),
        other_counties: list_filter(hh.places, x -> x.county_code <> d.county_code)`)}
    FROM d JOIN hh ON hh.month = d.month AND hh.person_id = d.person_id
    JOIN tmp_wm w ON w.month = d.month`);
  await wh.run(`
    INSERT INTO mart_case
    WITH p AS (
      SELECT r.county_code, r.period AS month, r.person_id, min(r.person_name) AS person_name, min(r.household_id) AS household_id
      FROM src_roster r SEMI JOIN tmp_region x ON x.county_code = r.county_code
      WHERE r.cadre_relative AND NOT coalesce(r.relative_filed, false)
      GROUP BY r.county_code, r.period, r.person_id)
    SELECT 'accuracy.relative_filed_rate', w.win, p.county_code, p.month || '/' || p.household_id || '/' || ${maskIdSql("p.person_id")},
      ${json(`month: p.month, household_id: p.household_id, person: ${maskIdSql("p.person_id")}, name: ${maskNameSql("p.person_name")}`)}
    FROM p JOIN tmp_wm w ON w.month = p.month`);
  await wh.run(`
    INSERT INTO mart_case
    SELECT 'funds.unlisted_payments', w.win, u.county_code, u.period || '/' || u.household_id || '/' || u.delivery_id || ':' || u.line,
      ${json(`month: u.period, household_id: u.household_id, program: u.program, payee: ${maskIdSql("u.payee_id")}, amount: CAST(u.amount AS VARCHAR), paid_on: u.paid_on, channel: u.channel`)}
    FROM tmp_unlisted u JOIN tmp_wm w ON w.month = u.period
    UNION ALL
    SELECT 'funds.proxy_violations', w.win, p.county_code, p.period || '/' || p.household_id || '/' || p.delivery_id || ':' || p.line,
      ${json(`month: p.period, household_id: p.household_id, program: p.program, payee: ${maskIdSql("p.payee_id")}, proxy: ${maskIdSql("p.proxy_id")}, proxy_is_staff: p.proxy_is_staff, proxy_filed: p.proxy_filed, amount: CAST(p.amount AS VARCHAR), paid_on: p.paid_on`)}
    FROM src_payments p JOIN tmp_region USING (county_code) JOIN tmp_wm w ON w.month = p.period
    WHERE p.proxy AND (p.proxy_is_staff OR NOT coalesce(p.proxy_filed, false))`);
  await wh.run(`
    INSERT INTO mart_case
    SELECT 'accuracy.review_on_time_rate', w.win, r.county_code, r.household_id,
      ${json(`month: r.month, program: r.program, category: r.category, last_review_on: r.last_review_on, approved_on: r.approved_on, interval_months: r.interval_months, due: CAST(r.due AS DATE)`)}
    FROM tmp_review_bad r JOIN tmp_wm w ON w.month = r.month AND w.month = w.eff_last_month
    UNION ALL
    SELECT 'complaints.on_time_rate', c.win, c.county_code, c.complaint_id,
      ${json(`received_on: c.received_on, closed_on: c.closed_on, due_on: CAST(c.due_on AS DATE), category: c.category, channel: c.channel, state: CASE WHEN c.closed_on IS NULL THEN 'open' ELSE 'closed_late' END`)}
    FROM tmp_complaint_win c
    WHERE c.counted AND NOT c.on_time`);
}
