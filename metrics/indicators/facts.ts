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
  // pm, mm: person-months and months behind an average of persons, kept exact so that rates
  // over persons divide once, at the end (no rounded average in between).
  await wh.run(`CREATE OR REPLACE TEMP TABLE tmp_cw (
    indicator VARCHAR, county_code VARCHAR, win VARCHAR,
    num DECIMAL(38,4), den DECIMAL(38,4), n BIGINT, amount DECIMAL(38,2), value DOUBLE, pm DECIMAL(38,4), mm BIGINT)`);
}

/** Applications decided (approved or rejected), one row each, with working days and checks. */
export async function applicationFacts(wh: Warehouse): Promise<void> {
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_app AS
    SELECT a.county_code, strftime(a.decided_on, '%Y-%m') AS month, a.application_id, a.program, a.applicant_id,
      a.accepted_on, a.decided_on, a.decision, coalesce(a.extended, false) AS extended,
      a.investigated_on, a.county_checked, a.publicity_from, a.publicity_to,
      cd.workday_seq - ca.workday_seq AS wd,
      coalesce(ca.provisional, false) OR coalesce(cd.provisional, false) AS provisional,
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

/**
 * Roster. Designed for tens of millions of rows on two cores: no table of person-months or
 * household-months is materialised (writing such tables, not reading, is what costs). One
 * grouping per household over the whole period gives a bitmask of its months (presence,
 * entries, exits, households per month) and whether each month has exactly one head row;
 * household measures then read the head's row (every row of a household carries the household
 * fields), grouping only county-months with an irregular household. Persons are rows less the
 * extra rows of persons listed more than once, and duplicates are searched, among candidates
 * only: persons whose rows name more than one (county, household) or outnumber their months.
 */
export async function rosterFacts(wh: Warehouse, firstMonth: string): Promise<void> {
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
  const monthIndex = (col: string) => `CAST(date_diff('month', DATE '${firstMonth}-01', ${monthStart(col)}) AS INTEGER)`;
  // Households over the whole period, one row per (county, household, chunk of 62 months):
  // the months present (bit i % 62 + 1; bit 0 = the month before the chunk), the months with
  // a head row, and the number of head rows. A household is "regular" when every month it is
  // present has exactly one head row: its head's row then stands for the household.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_hh_mask AS
    WITH idx AS (
      SELECT county_code, household_id, relation = 'head' AS head, ${monthIndex("period")} AS i
      FROM src_roster SEMI JOIN tmp_region USING (county_code)),
    parts AS (
      SELECT county_code, household_id, head, i // 62 AS chunk, i % 62 + 1 AS bit FROM idx
      UNION ALL SELECT county_code, household_id, head, i // 62 + 1, 0 FROM idx WHERE i % 62 = 61)
    SELECT county_code, household_id, chunk, bit_or(CAST(1 AS UBIGINT) << bit) AS mask,
      coalesce(bit_or(CAST(1 AS UBIGINT) << bit) FILTER (WHERE head), CAST(0 AS UBIGINT)) AS head_mask,
      count(*) FILTER (WHERE head) AS heads
    FROM parts GROUP BY county_code, household_id, chunk`);
  // County-months with an irregular household: households there are grouped from all their rows.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_bad_cm AS
    SELECT DISTINCT h.county_code, strftime(DATE '${firstMonth}-01' + to_months(CAST(h.chunk * 62 + b.b - 1 AS INTEGER)), '%Y-%m') AS month
    FROM tmp_hh_mask h, range(0, 63) b(b)
    WHERE (h.mask <> h.head_mask OR h.heads <> bit_count(h.head_mask)) AND (h.mask >> b.b) & 1 = 1 AND h.chunk * 62 + b.b - 1 >= 0`);
  // Persons: rows per county-month, less the extra rows of persons listed more than once
  // (found among the candidates below). Candidates: persons whose rows name more than one
  // (county, household), or more rows than the months they span.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_cand AS
    SELECT hash(person_id) AS pk FROM src_roster
    GROUP BY pk
    HAVING min(hash(county_code, household_id)) <> max(hash(county_code, household_id))
        OR count(*) <> max(${monthIndex("period")}) - min(${monthIndex("period")}) + 1`);
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_cpm AS
    SELECT r.county_code, r.period AS month, r.person_id, count(*) AS rows, count(DISTINCT r.household_id) AS nh,
      min(r.person_name) AS person_name, min(r.household_id) AS household_id,
      list(DISTINCT r.household_id ORDER BY r.household_id) AS households
    FROM src_roster r SEMI JOIN tmp_cand c ON c.pk = hash(r.person_id)
    SEMI JOIN tmp_region x ON x.county_code = r.county_code
    GROUP BY r.county_code, r.period, r.person_id`);
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_roster_cm AS
    WITH c AS (
      SELECT r.county_code, r.period AS month, count(*) AS rows,
        count(DISTINCT hash(r.person_id)) FILTER (WHERE r.cadre_relative) AS cadre,
        count(DISTINCT hash(r.person_id)) FILTER (WHERE r.cadre_relative AND r.relative_filed) AS cadre_filed
      FROM src_roster r SEMI JOIN tmp_region USING (county_code)
      GROUP BY r.county_code, r.period),
    x AS (SELECT county_code, month, sum(rows - 1) AS extra FROM tmp_cpm GROUP BY ALL)
    SELECT c.*, c.rows - coalesce(x.extra, 0) AS persons FROM c LEFT JOIN x USING (county_code, month)`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT 'coverage.persons', county_code, month, persons, 1, rows, NULL FROM tmp_roster_cm
    UNION ALL
    SELECT 'accuracy.relative_filed_rate', county_code, month, cadre_filed, cadre, cadre, NULL FROM tmp_roster_cm WHERE cadre > 0`);
  // Households per county-month, entries and exits (where the previous month's roster exists).
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_hh_month AS
    WITH cm AS (
      SELECT c.county_code, c.month, ${monthIndex("c.month")} AS i,
        EXISTS (SELECT 1 FROM tmp_roster_cm p WHERE p.county_code = c.county_code
                AND p.month = strftime(${monthStart("c.month")} - INTERVAL 1 MONTH, '%Y-%m')) AS has_prev
      FROM tmp_roster_cm c),
    j AS (
      SELECT cm.county_code, cm.month, cm.has_prev, (h.mask >> (cm.i % 62 + 1)) & 1 = 1 AS cur, (h.mask >> (cm.i % 62)) & 1 = 1 AS prev
      FROM cm JOIN tmp_hh_mask h ON h.county_code = cm.county_code AND h.chunk = cm.i // 62)
    SELECT county_code, month, any_value(has_prev) AS has_prev, count(*) FILTER (WHERE cur) AS households,
      count(*) FILTER (WHERE prev) AS prev_households,
      count(*) FILTER (WHERE cur AND NOT prev) AS entries, count(*) FILTER (WHERE prev AND NOT cur) AS exits
    FROM j GROUP BY county_code, month`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT UNNEST(['coverage.entries', 'coverage.exits']), county_code, month, UNNEST([entries, exits]), NULL,
      UNNEST([households, prev_households]), NULL
    FROM tmp_hh_month WHERE has_prev`);
  // Households: the head's row where every household of the county-month is regular, else grouped.
  await wh.run(`
    CREATE OR REPLACE TEMP VIEW v_hh AS
    SELECT r.county_code, r.period AS month, r.household_id, r.program, r.category, r.monthly_benefit, r.per_capita_income,
      r.covered_size, r.last_review_on, r.approved_on
    FROM src_roster r SEMI JOIN tmp_region x ON x.county_code = r.county_code
    ANTI JOIN tmp_bad_cm b ON b.county_code = r.county_code AND b.month = r.period
    WHERE r.relation = 'head'
    UNION ALL
    SELECT r.county_code, r.period, r.household_id,
      coalesce(any_value(r.program) FILTER (WHERE r.relation = 'head'), min(r.program)),
      coalesce(any_value(r.category) FILTER (WHERE r.relation = 'head'), min(r.category)),
      max(r.monthly_benefit), max(r.per_capita_income), max(r.covered_size), max(r.last_review_on), max(r.approved_on)
    FROM src_roster r SEMI JOIN tmp_bad_cm b ON b.county_code = r.county_code AND b.month = r.period
    GROUP BY r.county_code, r.period, r.household_id`);
  // Benefit accuracy and review status in one pass over the households.
  const interval = `CASE WHEN h.program = 'tekun' THEN ${R.tekun}
             WHEN h.program IN ('urban_dibao', 'rural_dibao') AND h.category = 'A' THEN ${R.A}
             WHEN h.program IN ('urban_dibao', 'rural_dibao') AND h.category = 'B' THEN ${R.B}
             WHEN h.program = 'urban_dibao' AND h.category = 'C' THEN ${R.C_urban}
             WHEN h.program = 'rural_dibao' AND h.category = 'C' THEN ${R.C_rural} END`;
  await wh.run(`
    CREATE OR REPLACE TEMP VIEW v_hh_checks AS
    SELECT h.*, s.standard,
      h.program IN ('urban_dibao', 'rural_dibao') AND s.standard IS NOT NULL AS benefit_judged,
      abs(h.monthly_benefit - greatest(0, s.standard - h.per_capita_income) * h.covered_size) <= CAST(${lit(CONFIG.benefitToleranceYuan)} AS DECIMAL(18,2)) AS benefit_ok,
      ${interval} AS interval_months,
      coalesce(h.last_review_on, h.approved_on) + to_months(${interval}) AS due,
      coalesce(h.last_review_on, h.approved_on) + to_months(${interval}) >= last_day(${monthStart("h.month")}) AS review_ok
    FROM v_hh h LEFT JOIN tmp_std s ON s.county_code = h.county_code AND s.program = h.program AND s.month = h.month`);
  // One pass: the counts, and the overdue households themselves (few) for the case lists.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_hh_cm AS
    SELECT county_code, month,
      count(*) FILTER (WHERE benefit_judged AND benefit_ok) AS b_num, count(*) FILTER (WHERE benefit_judged) AS b_den,
      count(*) FILTER (WHERE interval_months IS NOT NULL AND review_ok) AS r_num, count(*) FILTER (WHERE interval_months IS NOT NULL) AS r_den,
      list({household_id: household_id, program: program, category: category, last_review_on: last_review_on,
            approved_on: approved_on, interval_months: interval_months, due: CAST(due AS DATE)})
        FILTER (WHERE interval_months IS NOT NULL AND NOT coalesce(review_ok, false)) AS bad
    FROM v_hh_checks GROUP BY county_code, month`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT 'accuracy.benefit_rate', county_code, month, b_num, b_den, b_den, NULL FROM tmp_hh_cm WHERE b_den > 0
    UNION ALL
    SELECT 'accuracy.review_on_time_rate', county_code, month, r_num, r_den, r_den, NULL FROM tmp_hh_cm WHERE r_den > 0`);
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_review_bad AS
    SELECT county_code, month, UNNEST(bad, recursive := true) FROM tmp_hh_cm WHERE len(bad) > 0`);
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_multi AS
    SELECT month, person_id FROM tmp_cpm GROUP BY month, person_id HAVING count(*) > 1`);
  // A county's duplicates: its persons who, that month, are on another household anywhere in the
  // warehouse — a second household of the same county (nh > 1) or any household of another county.
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT 'integrity.duplicate_persons', c.county_code, c.month, count(d.person_id), NULL, any_value(c.persons), NULL
    FROM tmp_roster_cm c LEFT JOIN (
      SELECT p.county_code, p.month, p.person_id FROM tmp_cpm p
      WHERE p.nh > 1 OR EXISTS (SELECT 1 FROM tmp_multi m WHERE m.month = p.month AND m.person_id = p.person_id)) d
      ON d.county_code = c.county_code AND d.month = c.month
    GROUP BY c.county_code, c.month`);
}

/**
 * Payments against the roster; only months where both extracts were delivered are judged.
 * One join of roster households with payment households (linshi, one-off aid with no roster,
 * left out); a household paid exactly once in every month of its span is read row by row,
 * the others are grouped.
 */
export async function paymentFacts(wh: Warehouse): Promise<void> {
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_both AS
    SELECT county_code, month FROM tmp_delivered WHERE extract_type = 'roster'
    INTERSECT SELECT county_code, month FROM tmp_delivered WHERE extract_type = 'payments'`);
  const violation = "p.proxy AND (p.proxy_is_staff OR NOT coalesce(p.proxy_filed, false))";
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_pay_cm AS
    SELECT p.county_code, p.period AS month, count(*) AS rows,
      count(*) FILTER (WHERE p.program <> 'linshi') AS rows_listed,
      sum(p.amount) AS amount, sum(p.amount) FILTER (WHERE p.channel = 'bank') AS bank,
      count(*) FILTER (WHERE ${violation}) AS violations, coalesce(sum(p.amount) FILTER (WHERE ${violation}), 0) AS violation_amount
    FROM src_payments p JOIN tmp_region USING (county_code)
    GROUP BY p.county_code, p.period`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT 'funds.socialized_rate', county_code, month, coalesce(bank, 0), amount, rows, coalesce(bank, 0) FROM tmp_pay_cm
    UNION ALL
    SELECT 'funds.proxy_violations', county_code, month, violations, NULL, rows, violation_amount FROM tmp_pay_cm`);
  // Households paid once a month in every month of their span are read row by row; the rest
  // (several payments in a month, or gaps) are grouped.
  const idx = `CAST(date_diff('month', DATE '2000-01-01', ${monthStart("period")}) AS INTEGER)`;
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_pay_flag AS
    SELECT county_code, household_id FROM src_payments WHERE program <> 'linshi'
    GROUP BY county_code, household_id HAVING count(*) <> max(${idx}) - min(${idx}) + 1`);
  await wh.run(`
    CREATE OR REPLACE TEMP VIEW v_pay_hh AS
    SELECT p.county_code, p.period AS month, p.household_id, p.amount AS total, 1 AS rows,
      p.paid_on <= ${monthStart("p.period")} + INTERVAL ${CONFIG.paymentDay - 1} DAY AS paid_by_day
    FROM src_payments p ANTI JOIN tmp_pay_flag f ON f.county_code = p.county_code AND f.household_id = p.household_id
    WHERE p.program <> 'linshi'
    UNION ALL
    SELECT p.county_code, p.period, p.household_id, sum(p.amount), count(*),
      bool_or(p.paid_on <= ${monthStart("p.period")} + INTERVAL ${CONFIG.paymentDay - 1} DAY)
    FROM src_payments p SEMI JOIN tmp_pay_flag f ON f.county_code = p.county_code AND f.household_id = p.household_id
    WHERE p.program <> 'linshi'
    GROUP BY p.county_code, p.period, p.household_id`);
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_pay_match AS
    WITH h AS (SELECT county_code, month, household_id, monthly_benefit FROM v_hh SEMI JOIN tmp_both USING (county_code, month)),
    p AS (SELECT * FROM v_pay_hh SEMI JOIN tmp_both USING (county_code, month))
    SELECT coalesce(h.county_code, p.county_code) AS county_code, coalesce(h.month, p.month) AS month,
      count(h.household_id) AS households,
      count(*) FILTER (WHERE h.household_id IS NOT NULL AND p.paid_by_day) AS paid_by_day,
      count(*) FILTER (WHERE h.household_id IS NOT NULL AND p.household_id IS NOT NULL) AS paid,
      count(*) FILTER (WHERE h.household_id IS NOT NULL AND p.household_id IS NOT NULL
        AND abs(p.total - h.monthly_benefit) <= CAST(${lit(CONFIG.amountToleranceYuan)} AS DECIMAL(18,2))) AS matched,
      coalesce(sum(p.rows) FILTER (WHERE h.household_id IS NULL), 0) AS unlisted,
      coalesce(sum(p.total) FILTER (WHERE h.household_id IS NULL), 0) AS unlisted_amount
    FROM h FULL JOIN p ON h.county_code = p.county_code AND h.month = p.month AND h.household_id = p.household_id
    GROUP BY ALL`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT 'funds.paid_rate', b.county_code, b.month, coalesce(m.paid_by_day, 0), coalesce(m.households, 0), coalesce(m.households, 0), NULL
    FROM tmp_both b LEFT JOIN tmp_pay_match m USING (county_code, month) WHERE coalesce(m.households, 0) > 0
    UNION ALL
    SELECT 'funds.amount_match_rate', county_code, month, matched, paid, paid, NULL FROM tmp_pay_match WHERE paid > 0
    UNION ALL
    SELECT 'funds.unlisted_payments', b.county_code, b.month, coalesce(m.unlisted, 0), NULL, coalesce(c.rows_listed, 0), coalesce(m.unlisted_amount, 0)
    FROM tmp_both b JOIN tmp_region USING (county_code)
    LEFT JOIN tmp_pay_match m ON m.county_code = b.county_code AND m.month = b.month
    LEFT JOIN tmp_pay_cm c ON c.county_code = b.county_code AND c.month = b.month`);
  // The unlisted payment rows themselves (case lists), only where some were counted.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_unlisted AS
    SELECT p.* FROM src_payments p
    SEMI JOIN (SELECT county_code, month FROM tmp_pay_match WHERE unlisted > 0) u ON u.county_code = p.county_code AND u.month = p.period
    ANTI JOIN (SELECT county_code, month, household_id FROM v_hh SEMI JOIN (SELECT county_code, month FROM tmp_pay_match WHERE unlisted > 0) x USING (county_code, month)) h
      ON h.county_code = p.county_code AND h.month = p.period AND h.household_id = p.household_id
    WHERE p.program <> 'linshi'`);
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
    SELECT UNNEST(['complaints.substantiated_rate', 'complaints.repeat_rate']), county_code, month,
      UNNEST([count(*) FILTER (WHERE finding IN ('substantiated', 'partly')), count(*) FILTER (WHERE repeat)]),
      UNNEST([count(*) FILTER (WHERE finding IS DISTINCT FROM 'pending'), count(*)]),
      UNNEST([count(*) FILTER (WHERE finding IS DISTINCT FROM 'pending'), count(*)]), NULL
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
      count(*) FILTER (WHERE counted), NULL, NULL, NULL, NULL
    FROM tmp_complaint_win GROUP BY county_code, win HAVING count(*) FILTER (WHERE counted) > 0`);
  // Complaints received in the window (for per_10k), for every county and window: a month
  // without complaints is 0, not missing (the ledger is cumulative; gaps are judged on coverage).
  await wh.run(`
    INSERT INTO tmp_cw
    SELECT 'complaints.received', r.county_code, w.win, count(c.complaint_id), NULL, count(c.complaint_id), NULL, NULL, NULL, NULL
    FROM tmp_region r CROSS JOIN (SELECT DISTINCT win FROM tmp_wm) w
    LEFT JOIN tmp_complaint_win c ON c.county_code = r.county_code AND c.win = w.win
    GROUP BY r.county_code, w.win`);
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

/**
 * Completeness and timeliness per county, extract and month (also feeds mart_quality): the
 * monthly extracts of CONFIG.monthlyExtracts, each expected from the first month its province has it.
 */
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
    JOIN tmp_first fm ON fm.province_code = r.province_code AND fm.extract_type = t.extract_type AND m.month >= fm.first_month
    LEFT JOIN tmp_delivered d ON d.county_code = r.county_code AND d.extract_type = t.extract_type AND d.month = m.month
    LEFT JOIN ${firstReceived} f ON f.county_code = r.county_code AND f.extract_type = t.extract_type AND f.month = m.month`);
  await wh.run(`
    INSERT INTO tmp_cm
    SELECT 'reporting.completeness', county_code, month, count(*) FILTER (WHERE present), count(*), count(*), NULL
    FROM tmp_report GROUP BY county_code, month
    ${hasMeta ? `UNION ALL SELECT 'reporting.timeliness', county_code, month, count(*) FILTER (WHERE on_time), count(*), count(*), NULL FROM tmp_report GROUP BY county_code, month` : ""}`);
}
