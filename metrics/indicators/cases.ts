import type { Warehouse } from "../../loaders/db.js";
export async function buildCases(_wh: Warehouse): Promise<void> {}
