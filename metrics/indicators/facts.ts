// County-month components of every indicator (tmp_cm), county-window components where the
// window itself matters (tmp_cw), and the row tables behind percentiles and case lists.
// Every limit comes from metrics/config.ts; nothing here is a literal rule.
import { quoteLiteral, type Warehouse } from "../../loaders/db.js";
import { CONFIG } from "../config.js";

const lit = quoteLiteral;
const R = CONFIG.reviewMonths;
const L = CONFIG.decisionLimitDays;

/** A month string 'YYYY-MM' as its first day. */
const monthStart = (col: string) => `CAST(${col} || '-01' AS DATE)`;

export async function createFactTables(wh: Warehouse): Promise<void> {
  await wh.run(`CREATE OR REPLACE TEMP TABLE tmp_cm (
    indicator VARCHAR, county_code VARCHAR, month VARCHAR,
    num DECIMAL(38,4), den DECIMAL(38,4), n BIGINT, amount DECIMAL(38,2))`);
  await wh.run(`CREATE OR REPLACE TEMP TABLE tmp_cw (
    indicator VARCHAR, county_code VARCHAR, win VARCHAR,
    num DECIMAL(38,4), den DECIMAL(38,4), n BIGINT, amount DECIMAL(38,2), value DOUBLE)`);
}

/** Applications decided (approved or rejected), one row each, with working days and checks. */
export async function applicationFacts(wh: Warehouse): Promise<void> {
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_app AS
    SELECT a.county_code, strftime(a.decided_on, '%Y-%m') AS month, a.application_id, a.program, a.applicant_id,
      a.accepted_on, a.decided_on, a.decision, coalesce(a.extended, false) AS extended,
      a.investigated_on, a.county_checked, a.publicity_from, a.publicity_to,
      cd.workday_seq - ca.workday_seq AS wd,
      CASE WHEN a.program = 'linshi' THEN ${L.linshi}
           WHEN coalesce(a.extended, false) THEN ${L.extendedDays}
           WHEN a.program = 'tekun' THEN ${L.tekun}
           ELSE ${L.dibao} END AS limit_days
    FROM src_applications a
    JOIN tmp_region USING (county_code)
    LEFT JOIN dim_calendar ca ON ca.date = a.accepted_on
    LEFT JOIN dim_calendar cd ON cd.date = a.decided_on
    WHERE a.decision IN ('approved', 'rejected') AND a.decided_on IS NOT NULL`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT indicator, county_code, month, sum(num), sum(den), count(*), NULL FROM (
      SELECT county_code, month,
        UNNEST([
          {indicator: 'process.on_time_rate', num: CASE WHEN wd IS NOT NULL AND wd <= limit_days THEN 1 ELSE 0 END, den: 1},
          {indicator: 'process.home_visit_rate', num: CASE WHEN investigated_on IS NOT NULL THEN 1 ELSE 0 END, den: 1},
          {indicator: 'process.county_check_rate', num: CASE WHEN county_checked THEN 1 ELSE 0 END, den: 1},
          {indicator: 'process.publicity_rate',
           num: CASE WHEN decision = 'approved' AND date_diff('day', publicity_from, publicity_to) + 1 >= ${CONFIG.publicityMinDays} THEN 1 ELSE 0 END,
           den: CASE WHEN decision = 'approved' THEN 1 ELSE 0 END}
        ], recursive := true)
      FROM tmp_app)
    WHERE den > 0 OR indicator <> 'process.publicity_rate'
    GROUP BY indicator, county_code, month`);
}

/** Roster: household-months, person-months, and the roster indicators' monthly components. */
export async function rosterFacts(wh: Warehouse): Promise<void> {
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_hh AS
    SELECT r.county_code, r.period AS month, r.household_id,
      coalesce(any_value(r.program) FILTER (WHERE r.relation = 'head'), min(r.program)) AS program,
      coalesce(any_value(r.category) FILTER (WHERE r.relation = 'head'), min(r.category)) AS category,
      max(r.monthly_benefit) AS monthly_benefit, max(r.per_capita_income) AS per_capita_income,
      max(r.covered_size) AS covered_size, max(r.last_review_on) AS last_review_on, max(r.approved_on) AS approved_on,
      min(r.region_code) AS region_code
    FROM src_roster r JOIN tmp_region USING (county_code)
    GROUP BY r.county_code, r.period, r.household_id`);
  // Persons on more than one household in the same month, anywhere in the warehouse.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_dup AS
    SELECT period AS month, person_id, count(DISTINCT county_code || '/' || household_id) AS households
    FROM src_roster GROUP BY period, person_id
    HAVING count(DISTINCT county_code || '/' || household_id) > 1`);
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_pm AS
    SELECT r.county_code, r.period AS month, r.person_id,
      bool_or(coalesce(r.cadre_relative, false)) AS cadre_relative, bool_and(coalesce(r.relative_filed, false)) AS relative_filed,
      min(r.person_name) AS person_name, min(r.household_id) AS household_id, count(*) AS rows
    FROM src_roster r JOIN tmp_region USING (county_code)
    GROUP BY r.county_code, r.period, r.person_id`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT 'coverage.persons', county_code, month, count(*), 1, sum(rows), NULL FROM tmp_pm GROUP BY ALL
    UNION ALL
    SELECT 'accuracy.relative_filed_rate', county_code, month,
      count(*) FILTER (WHERE cadre_relative AND relative_filed), count(*) FILTER (WHERE cadre_relative),
      count(*) FILTER (WHERE cadre_relative), NULL
    FROM tmp_pm GROUP BY ALL HAVING count(*) FILTER (WHERE cadre_relative) > 0
    UNION ALL
    SELECT 'integrity.duplicate_persons', p.county_code, p.month, count(d.person_id), NULL, count(*), NULL
    FROM tmp_pm p LEFT JOIN tmp_dup d ON d.month = p.month AND d.person_id = p.person_id GROUP BY ALL`);
  // Entries and exits: only months whose previous month's roster of the same county exists.
  await wh.run(`
    INSERT INTO tmp_cm
    WITH rm AS (SELECT DISTINCT county_code, month FROM tmp_hh),
    pairs AS (
      SELECT c.county_code, c.month, p.month AS prev FROM rm c
      JOIN rm p ON p.county_code = c.county_code AND p.month = strftime(${monthStart("c.month")} - INTERVAL 1 MONTH, '%Y-%m')),
    cur AS (SELECT p.county_code, p.month, h.household_id FROM pairs p JOIN tmp_hh h ON h.county_code = p.county_code AND h.month = p.month),
    prv AS (SELECT p.county_code, p.month, h.household_id FROM pairs p JOIN tmp_hh h ON h.county_code = p.county_code AND h.month = p.prev),
    j AS (
      SELECT coalesce(c.county_code, v.county_code) AS county_code, coalesce(c.month, v.month) AS month,
        c.household_id AS cur_hh, v.household_id AS prev_hh
      FROM cur c FULL JOIN prv v ON c.county_code = v.county_code AND c.month = v.month AND c.household_id = v.household_id)
    SELECT UNNEST(['coverage.entries', 'coverage.exits']) AS indicator, county_code, month,
      UNNEST([count(*) FILTER (WHERE prev_hh IS NULL), count(*) FILTER (WHERE cur_hh IS NULL)]) AS num,
      NULL, UNNEST([count(cur_hh), count(prev_hh)]) AS n, NULL
    FROM j GROUP BY county_code, month`);
  // Standards in force per county, program and month.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_std AS
    SELECT s.county_code, s.program, m.month,
      arg_max(s.standard, s.effective_from) AS standard, arg_max(s.guideline, s.effective_from) AS guideline
    FROM src_standards s JOIN tmp_months m ON s.effective_from <= m.month
    GROUP BY s.county_code, s.program, m.month`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT 'accuracy.standard_ok', county_code, month, CASE WHEN bool_and(standard >= guideline) THEN 1 ELSE 0 END, 1, count(*), NULL
    FROM tmp_std JOIN tmp_region USING (county_code) GROUP BY county_code, month`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT 'accuracy.benefit_rate', h.county_code, h.month,
      count(*) FILTER (WHERE abs(h.monthly_benefit - greatest(0, s.standard - h.per_capita_income) * h.covered_size) <= CAST(${lit(CONFIG.benefitToleranceYuan)} AS DECIMAL(18,2))),
      count(*), count(*), NULL
    FROM tmp_hh h JOIN tmp_std s ON s.county_code = h.county_code AND s.program = h.program AND s.month = h.month
    WHERE h.program IN ('urban_dibao', 'rural_dibao')
    GROUP BY h.county_code, h.month`);
  // Review status at the end of each month (the window takes its last month).
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_review AS
    SELECT *, coalesce(last_review_on, approved_on) + to_months(interval_months) AS due,
      coalesce(last_review_on, approved_on) + to_months(interval_months) >= last_day(${monthStart("month")}) AS on_time
    FROM (
      SELECT county_code, month, household_id, program, category, last_review_on, approved_on,
        CASE WHEN program = 'tekun' THEN ${R.tekun}
             WHEN program IN ('urban_dibao', 'rural_dibao') AND category = 'A' THEN ${R.A}
             WHEN program IN ('urban_dibao', 'rural_dibao') AND category = 'B' THEN ${R.B}
             WHEN program = 'urban_dibao' AND category = 'C' THEN ${R.C_urban}
             WHEN program = 'rural_dibao' AND category = 'C' THEN ${R.C_rural}
        END AS interval_months
      FROM tmp_hh)
    WHERE interval_months IS NOT NULL`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT 'accuracy.review_on_time_rate', county_code, month, count(*) FILTER (WHERE on_time), count(*), count(*), NULL
    FROM tmp_review GROUP BY county_code, month`);
}

/** Payments against the roster; only months where both extracts were delivered are judged. */
export async function paymentFacts(wh: Warehouse): Promise<void> {
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_pay_hh AS
    SELECT county_code, period AS month, household_id, sum(amount) AS total,
      bool_or(paid_on <= ${monthStart("period")} + INTERVAL ${CONFIG.paymentDay - 1} DAY) AS paid_by_day
    FROM src_payments JOIN tmp_region USING (county_code)
    GROUP BY county_code, period, household_id`);
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_both AS
    SELECT county_code, month FROM tmp_delivered WHERE extract_type = 'roster'
    INTERSECT SELECT county_code, month FROM tmp_delivered WHERE extract_type = 'payments'`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT UNNEST(['funds.paid_rate', 'funds.amount_match_rate']), h.county_code, h.month,
      UNNEST([count(*) FILTER (WHERE p.paid_by_day),
              count(*) FILTER (WHERE p.total IS NOT NULL AND abs(p.total - h.monthly_benefit) <= CAST(${lit(CONFIG.amountToleranceYuan)} AS DECIMAL(18,2)))]),
      UNNEST([count(*), count(p.total)]), UNNEST([count(*), count(p.total)]), NULL
    FROM tmp_hh h JOIN tmp_both b USING (county_code, month)
    LEFT JOIN tmp_pay_hh p ON p.county_code = h.county_code AND p.month = h.month AND p.household_id = h.household_id
    GROUP BY h.county_code, h.month`);
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_unlisted AS
    SELECT p.* FROM src_payments p JOIN tmp_both b ON b.county_code = p.county_code AND b.month = p.period
    WHERE p.program <> 'linshi'
      AND NOT EXISTS (SELECT 1 FROM tmp_hh h WHERE h.county_code = p.county_code AND h.month = p.period AND h.household_id = p.household_id)`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT 'funds.unlisted_payments', b.county_code, b.month, count(u.household_id), NULL,
      (SELECT count(*) FROM src_payments q WHERE q.county_code = b.county_code AND q.period = b.month AND q.program <> 'linshi'),
      coalesce(sum(u.amount), 0)
    FROM tmp_both b JOIN tmp_region USING (county_code)
    LEFT JOIN tmp_unlisted u ON u.county_code = b.county_code AND u.period = b.month
    GROUP BY b.county_code, b.month`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT 'funds.socialized_rate', county_code, period, sum(amount) FILTER (WHERE channel = 'bank'), sum(amount), count(*),
      sum(amount) FILTER (WHERE channel = 'bank')
    FROM src_payments JOIN tmp_region USING (county_code) GROUP BY county_code, period
    UNION ALL
    SELECT 'funds.proxy_violations', county_code, period,
      count(*) FILTER (WHERE proxy AND (proxy_is_staff OR NOT coalesce(proxy_filed, false))), NULL, count(*),
      coalesce(sum(amount) FILTER (WHERE proxy AND (proxy_is_staff OR NOT coalesce(proxy_filed, false))), 0)
    FROM src_payments JOIN tmp_region USING (county_code) GROUP BY county_code, period`);
}

/** Budget execution (cumulative extract; windows take their last month). */
export async function fundFacts(wh: Warehouse): Promise<void> {
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT UNNEST(['budget.execution_rate', 'budget.rollover_ratio', 'budget.matching_rate']), county_code, period,
      UNNEST([sum(spent), sum(carried_in + received - spent), sum(received) FILTER (WHERE source IN ('municipal', 'county'))]),
      UNNEST([sum(budget + carried_in), sum(spent), sum(budget) FILTER (WHERE source IN ('municipal', 'county'))]),
      count(*),
      UNNEST([sum(spent), sum(carried_in + received - spent), sum(received) FILTER (WHERE source IN ('municipal', 'county'))])
    FROM src_funds JOIN tmp_region USING (county_code) GROUP BY county_code, period`);
}

/** Complaints received; on-time status depends on each window's last day, so it goes to tmp_cw. */
export async function complaintFacts(wh: Warehouse): Promise<void> {
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_complaint AS
    SELECT county_code, strftime(received_on, '%Y-%m') AS month, complaint_id, program, received_on, closed_on, finding, repeat, category, channel,
      received_on + INTERVAL ${CONFIG.complaintLimitDays} DAY AS due_on
    FROM src_complaints JOIN tmp_region USING (county_code)`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT UNNEST(['complaints.received', 'complaints.substantiated_rate', 'complaints.repeat_rate']), county_code, month,
      UNNEST([count(*), count(*) FILTER (WHERE finding IN ('substantiated', 'partly')), count(*) FILTER (WHERE repeat)]),
      UNNEST([NULL, count(*) FILTER (WHERE finding IS DISTINCT FROM 'pending'), count(*)]),
      UNNEST([count(*), count(*) FILTER (WHERE finding IS DISTINCT FROM 'pending'), count(*)]), NULL
    FROM tmp_complaint GROUP BY county_code, month`);
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_complaint_win AS
    SELECT c.*, w.win, w.eff_last_day,
      c.closed_on IS NOT NULL AND c.closed_on <= c.due_on AS on_time,
      c.closed_on IS NOT NULL OR c.due_on <= w.eff_last_day AS counted
    FROM tmp_complaint c JOIN tmp_wm w ON w.month = c.month`);
  await wh.run(`
    INSERT INTO tmp_cw
    SELECT 'complaints.on_time_rate', county_code, win, count(*) FILTER (WHERE on_time AND counted), count(*) FILTER (WHERE counted),
      count(*) FILTER (WHERE counted), NULL, NULL
    FROM tmp_complaint_win GROUP BY county_code, win HAVING count(*) FILTER (WHERE counted) > 0`);
}

export async function surveyFacts(wh: Warehouse): Promise<void> {
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT UNNEST(['satisfaction.rate', 'satisfaction.awareness_rate']), county_code, strftime(surveyed_on, '%Y-%m'),
      UNNEST([count(*) FILTER (WHERE satisfaction IN ('very_satisfied', 'satisfied', 'fairly_satisfied')),
              count(*) FILTER (WHERE awareness = 'aware') + 0.5 * count(*) FILTER (WHERE awareness = 'partly_aware')]),
      UNNEST([count(*) FILTER (WHERE satisfaction IS NOT NULL), count(*) FILTER (WHERE awareness IS NOT NULL)]),
      UNNEST([count(*) FILTER (WHERE satisfaction IS NOT NULL), count(*) FILTER (WHERE awareness IS NOT NULL)]), NULL
    FROM src_surveys JOIN tmp_region USING (county_code) GROUP BY ALL`);
}

export async function inspectionFacts(wh: Warehouse): Promise<void> {
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT 'supervision.error_rate', county_code, strftime(inspected_on, '%Y-%m'), sum(cases_wrong), sum(cases_checked), count(*), NULL
    FROM src_inspections JOIN tmp_region USING (county_code) GROUP BY ALL HAVING sum(cases_checked) > 0
    UNION ALL
    SELECT 'supervision.rectified_rate', county_code, strftime(inspected_on, '%Y-%m'), count(*) FILTER (WHERE rectified), count(*), count(*), NULL
    FROM src_inspections JOIN tmp_region USING (county_code)
    WHERE cases_wrong > 0 OR cases_missed > 0 OR funds_irregular > 0 GROUP BY ALL`);
}

/** Completeness and timeliness per county, extract and month (also feeds mart_quality). */
export async function reportingFacts(wh: Warehouse, hasMeta: boolean): Promise<void> {
  const types = CONFIG.monthlyExtracts.map((t) => `(${lit(t)})`).join(", ");
  const firstReceived = hasMeta
    ? `(SELECT county_code, extract_type, period AS month, min(CAST(received_at AS DATE)) AS first_received
        FROM meta_delivery WHERE county_code IS NOT NULL AND received_at IS NOT NULL GROUP BY ALL)`
    : `(SELECT NULL::VARCHAR AS county_code, NULL::VARCHAR AS extract_type, NULL::VARCHAR AS month, NULL::DATE AS first_received WHERE false)`;
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_report AS
    SELECT r.county_code, t.extract_type, m.month,
      d.county_code IS NOT NULL AS present,
      ${hasMeta ? `f.first_received IS NOT NULL AND f.first_received <= ${monthStart("m.month")} + INTERVAL 1 MONTH + INTERVAL ${CONFIG.deliveryDeadlineDay - 1} DAY` : "NULL::BOOLEAN"} AS on_time,
      f.first_received
    FROM tmp_region r CROSS JOIN (VALUES ${types}) AS t(extract_type) CROSS JOIN tmp_months m
    LEFT JOIN tmp_delivered d ON d.county_code = r.county_code AND d.extract_type = t.extract_type AND d.month = m.month
    LEFT JOIN ${firstReceived} f ON f.county_code = r.county_code AND f.extract_type = t.extract_type AND f.month = m.month`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT 'reporting.completeness', county_code, month, count(*) FILTER (WHERE present), count(*), count(*), NULL
    FROM tmp_report GROUP BY county_code, month
    ${hasMeta ? `UNION ALL SELECT 'reporting.timeliness', county_code, month, count(*) FILTER (WHERE on_time), count(*), count(*), NULL FROM tmp_report GROUP BY county_code, month` : ""}`);
}
