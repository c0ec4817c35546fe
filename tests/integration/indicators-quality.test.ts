// Reporting completeness and timeliness from the load log, and the robust outlier rule.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Warehouse } from "../../loaders/db.js";
import { computeIndicators, MART_INDICATOR_DDL } from "../../metrics/indicators/compute.js";
import { buildOutliers } from "../../metrics/indicators/quality.js";
import { A, fixtureWarehouse, insertDelivery, insertRows, mart, rosterRow } from "../unit/metrics-fixtures.js";

describe("reporting completeness and timeliness", () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await fixtureWarehouse({ meta: true });
    await insertRows(wh, "roster", [rosterRow("2026-01", A, "H1", 1, { delivery_id: 1 })]);
    await insertDelivery(wh, { delivery_id: 1, extract_type: "roster", county_code: A, period: "2026-01", received_at: "2026-02-15 18:00:00" });
    await insertDelivery(wh, { delivery_id: 2, extract_type: "payments", county_code: A, period: "2026-01", received_at: "2026-02-16 08:00:00" });
    await insertDelivery(wh, { delivery_id: 3, extract_type: "applications", county_code: A, period: "2026-01", received_at: "2026-02-01 08:00:00" });
    // complaints: first file on time, replaced later — still on time
    await insertDelivery(wh, { delivery_id: 4, extract_type: "complaints", county_code: A, period: "2026-01", received_at: "2026-02-10 08:00:00", status: "superseded" });
    await insertDelivery(wh, { delivery_id: 5, extract_type: "complaints", county_code: A, period: "2026-01", received_at: "2026-02-25 08:00:00" });
    // funds: never delivered by A; the province has funds from 2026-01 (C delivered), so A owes them
    await insertDelivery(wh, { delivery_id: 6, extract_type: "funds", county_code: "150202", period: "2026-01", received_at: "2026-02-05 08:00:00" });
    await computeIndicators(wh);
  });
  afterAll(() => wh.close());

  it("counts expected (county, extract, month) deliveries of the monthly extracts (roster, payments, funds) present and on time", async () => {
    const c = await mart(wh, "reporting.completeness", "2026-01");
    expect([c.get(A)!.numerator, c.get(A)!.denominator]).toEqual([2, 3]); // roster, payments; funds missing
    expect([c.get("15")!.numerator, c.get("15")!.denominator]).toEqual([3, 12]); // 4 counties × 3 extracts
    expect(c.get("150203")!.value).toBe(0);
    const t = await mart(wh, "reporting.timeliness", "2026-01");
    expect([t.get(A)!.numerator, t.get(A)!.denominator]).toEqual([1, 3]); // payments late
    expect(t.get("15")!.value).toBeCloseTo(2 / 12, 12);
  });
  it("a delivered extract with no rows is not a gap; a missing one is", async () => {
    const paid = (await mart(wh, "funds.paid_rate", "2026-01")).get(A)!;
    expect([paid.status, paid.value]).toEqual(["ok", 0]); // payments delivered but empty: the household was not paid
    expect((await mart(wh, "funds.socialized_rate", "2026-01")).get(A)!.status).toBe("na"); // no payment to judge
    expect((await mart(wh, "budget.execution_rate", "2026-01")).get(A)!.status).toBe("gap");
  });
  it("writes per county and extract quality rows naming what is missing or late", async () => {
    const rows = await wh.query<{ subject: string; present: bigint; on_time: bigint; note: string }>(
      `SELECT subject, present, on_time, note FROM mart_quality WHERE kind = 'delivery' AND region_code = ? AND "window" = '2026-01' ORDER BY subject`,
      [A],
    );
    expect(rows.map((r) => [r.subject, Number(r.present), Number(r.on_time), r.note])).toEqual([
      ["funds", 0, 0, "missing 2026-01"],
      ["payments", 1, 0, "late 2026-01"],
      ["roster", 1, 1, ""],
    ]);
  });
});

describe("outliers (modified z-score against own history and peers)", () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await Warehouse.open(":memory:");
    await wh.run(MART_INDICATOR_DDL);
    const insert = (region: string, window: string, value: number) =>
      wh.run(
        `INSERT INTO mart_indicator (region_code, level, "window", indicator, value, n, status, computed_at, data_version)
         VALUES (?, 'county', ?, 'process.on_time_rate', ?, 10, 'ok', now(), 'v')`,
        [region, window, value],
      );
    // Peers in 2026-06: seven alike, one far off.
    const peers = [0.9, 0.91, 0.92, 0.9, 0.91, 0.9, 0.92];
    for (let i = 0; i < peers.length; i++) await insert(`1501${String(i + 1).padStart(2, "0")}`, "2026-06", peers[i]!);
    await insert("150201", "2026-06", 0.2);
    // History of 150101: eight months alike, one far off (its peers that month are absent).
    const history = [0.9, 0.91, 0.9, 0.92, 0.91, 0.9, 0.91, 0.9];
    for (let m = 0; m < history.length; m++) await insert("150101", `2025-${String(m + 1).padStart(2, "0")}`, history[m]!);
    await insert("150101", "2025-09", 0.3);
    await buildOutliers(wh, "2026-07-01 00:00:00");
  });
  afterAll(() => wh.close());

  it("flags the county unlike its peers and the month unlike the county's history, nothing else", async () => {
    const rows = await wh.query<{ region_code: string; window: string; note: string; z_peers: number | null; z_history: number | null }>(
      `SELECT region_code, "window", note, z_peers, z_history FROM mart_quality WHERE kind = 'outlier' ORDER BY region_code, "window"`,
    );
    expect(rows.map((r) => [r.region_code, r.window, r.note])).toEqual([
      ["150101", "2025-09", "unlike its own history"],
      ["150201", "2026-06", "unlike its peers"],
    ]);
    // peers: median 0.905, MAD 0.005 → 0.6745 × (0.2 − 0.905) / 0.005
    expect(rows[1]!.z_peers).toBeCloseTo((0.6745 * (0.2 - 0.905)) / 0.005, 6);
  });
});
