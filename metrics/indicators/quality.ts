import type { Warehouse } from "../../loaders/db.js";
export async function buildQuality(_wh: Warehouse): Promise<void> {}
